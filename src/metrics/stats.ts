import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** Mean and covariance of a set of feature vectors, in float64. */
export interface FeatureStats {
  /** Number of vectors. */
  n: number;
  dim: number;
  mean: Float64Array;
  /** dim × dim, row-major, unbiased (divided by n − 1, as numpy.cov and pytorch-fid). */
  cov: Float64Array;
}

/**
 * Accumulates feature statistics batch by batch, in float64. Sums are taken around a shift (the
 * first vector seen), so large means do not cancel the covariance away: Σ(x − s)(x − s)ᵀ − n·(μ − s)(μ − s)ᵀ.
 */
export class FeatureStatsAccumulator {
  private n = 0;
  private shift: Float64Array | null = null;
  private readonly sum: Float64Array;
  /** Upper triangle of Σ(x − s)(x − s)ᵀ (full square storage). */
  private readonly outer: Float64Array;
  private readonly centred: Float64Array;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new ArgumentError(`feature stats: dim must be a positive integer, got ${dim}`);
    this.sum = new Float64Array(dim);
    this.outer = new Float64Array(dim * dim);
    this.centred = new Float64Array(dim);
  }

  get count(): number {
    return this.n;
  }

  /** Adds the first `rows` vectors of features [N, dim] (all N by default). */
  add(features: Tensor, rows = features.shape[0]): void {
    if (features.rank !== 2 || features.shape[1] !== this.dim) {
      throw new ShapeError(
        `feature stats: expected features [N, ${this.dim}], got ${formatShape(features.shape)}`,
      );
    }
    if (!Number.isInteger(rows) || rows < 0 || rows > features.shape[0]) {
      throw new ArgumentError(`feature stats: rows ${rows} outside 0..${features.shape[0]}`);
    }
    const d = this.dim;
    const data = features.data as ArrayLike<number>;
    const x = this.centred;
    for (let r = 0; r < rows; r++) {
      if (!this.shift) this.shift = Float64Array.from({ length: d }, (_, i) => data[r * d + i]);
      for (let i = 0; i < d; i++) {
        const v = data[r * d + i];
        if (!Number.isFinite(v))
          throw new ArgumentError(`feature stats: vector ${this.n} has a non-finite value ${v} at ${i}`);
        x[i] = v - this.shift[i];
        this.sum[i] += x[i];
      }
      for (let i = 0; i < d; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const row = i * d;
        for (let j = i; j < d; j++) this.outer[row + j] += xi * x[j];
      }
      this.n++;
    }
  }

  finish(): FeatureStats {
    const { n, dim: d } = this;
    if (n < 2) throw new ArgumentError(`feature stats: need at least 2 vectors for a covariance, got ${n}`);
    const shift = this.shift!;
    const mc = this.sum.map((s) => s / n); // mean − shift
    const mean = mc.map((m, i) => m + shift[i]);
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const c = (this.outer[i * d + j] - n * mc[i] * mc[j]) / (n - 1);
        cov[i * d + j] = c;
        cov[j * d + i] = c;
      }
    }
    return { n, dim: d, mean, cov };
  }
}

/** Statistics of features [N, dim] in one call. */
export function featureStats(features: Tensor): FeatureStats {
  const acc = new FeatureStatsAccumulator(features.shape[1]);
  acc.add(features);
  return acc.finish();
}
