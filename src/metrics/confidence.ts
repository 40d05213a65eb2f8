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
  /**
   * Where the unsure images hesitate: for images at or under `threshold`, their two likeliest classes as an
   * unordered pair (smaller index first) and the pair's share of all images; largest share first, absent
   * pairs left out. An unconditional generator's blends of neighbouring classes show up here.
   */
  ambiguousPairs: AmbiguousPair[];
}

export interface AmbiguousPair {
  classes: [number, number];
  share: number;
}

/** Accumulates ClassConfidence over batches of class probabilities [N, K]. */
export class ClassConfidenceAccumulator {
  private n = 0;
  private topSum = 0;
  private confident = 0;
  private readonly counts: Float64Array;
  /** Unsure images by their top-two pair, row-major [K, K] with the smaller index first. */
  private readonly pairCounts: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly threshold = 0.9,
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 2)
      throw new ArgumentError(`class confidence: need at least 2 classes, got ${numClasses}`);
    if (!(threshold > 0 && threshold < 1))
      throw new ArgumentError(`class confidence: threshold must lie in (0, 1), got ${threshold}`);
    this.counts = new Float64Array(numClasses);
    this.pairCounts = new Float64Array(numClasses * numClasses);
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
      let second = 1;
      if (p[i * k + 1] > p[i * k]) [best, second] = [1, 0];
      for (let j = 2; j < k; j++) {
        if (p[i * k + j] > p[i * k + best]) [best, second] = [j, best];
        else if (p[i * k + j] > p[i * k + second]) second = j;
      }
      const top = p[i * k + best];
      this.topSum += top;
      if (top > this.threshold) this.confident++;
      else this.pairCounts[Math.min(best, second) * k + Math.max(best, second)]++;
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
      ambiguousPairs: this.ambiguousPairs(),
    };
  }

  private ambiguousPairs(): AmbiguousPair[] {
    const k = this.numClasses;
    const pairs: AmbiguousPair[] = [];
    for (let a = 0; a < k; a++)
      for (let b = a + 1; b < k; b++)
        if (this.pairCounts[a * k + b] > 0) pairs.push({ classes: [a, b], share: this.pairCounts[a * k + b] / this.n });
    return pairs.sort((x, y) => y.share - x.share || x.classes[0] - y.classes[0] || x.classes[1] - y.classes[1]);
  }
}
