import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/**
 * How sure a classifier is about a set of images: a cheap companion of FCD for class-labelled data.
 * Recognisable samples get confident predictions (a blend of two garments does not), and the
 * predicted-class shares show mode dropping that a mean confidence alone would hide.
 */
export interface ClassConfidence {
  /** Images seen. */
  n: number;
  /** Mean over images of the largest class probability. */
  meanTopProbability: number;
  /** Share of images whose largest class probability exceeds `threshold`. */
  confidentShare: number;
  threshold: number;
  /** Share of images predicted as each class (argmax), in class order; sums to 1. */
  classShares: number[];
}

/** Accumulates ClassConfidence over batches of class probabilities [N, K]. */
export class ClassConfidenceAccumulator {
  private n = 0;
  private topSum = 0;
  private confident = 0;
  private readonly counts: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly threshold = 0.9,
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 2)
      throw new ArgumentError(`class confidence: need at least 2 classes, got ${numClasses}`);
    if (!(threshold > 0 && threshold < 1))
      throw new ArgumentError(`class confidence: threshold must lie in (0, 1), got ${threshold}`);
    this.counts = new Float64Array(numClasses);
  }

  /** Adds the first `rows` rows of probabilities [N, K] (all N by default). */
  add(probs: Tensor, rows = probs.shape[0]): void {
    const k = this.numClasses;
    if (probs.rank !== 2 || probs.shape[1] !== k || rows > probs.shape[0])
      throw new ShapeError(
        `class confidence: expected probabilities [>=${rows}, ${k}], got ${formatShape(probs.shape)}`,
      );
    const p = probs.data as ArrayLike<number>;
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
      const top = p[i * k + best];
      this.topSum += top;
      if (top > this.threshold) this.confident++;
      this.counts[best]++;
    }
    this.n += rows;
  }

  finish(): ClassConfidence {
    if (this.n === 0) throw new ArgumentError('class confidence: no images were added');
    return {
      n: this.n,
      meanTopProbability: this.topSum / this.n,
      confidentShare: this.confident / this.n,
      threshold: this.threshold,
      classShares: Array.from(this.counts, (c) => c / this.n),
    };
  }
}
