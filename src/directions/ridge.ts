import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { RandomState } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';

export interface RidgeOptions {
  /** Penalty λ = alpha · mean eigenvalue of the centred codes' scatter XᵀX (default 1e-3). */
  alpha?: number;
  /** Training share of the samples, the rest measures R² (default 0.7). */
  split?: number;
  /** Seed of the train/validation shuffle (default 0). */
  seed?: number;
}

export interface RidgeDirection {
  /** Unit normal [dim], pointing towards higher scores. */
  normal: Float64Array;
  /** Score change per unit of latent distance along the normal (the regression slope |w|). */
  slope: number;
  /** Coefficient of determination of the linear fit on training and held-out samples. */
  trainR2: number;
  valR2: number;
  lambda: number;
  counts: { train: number; val: number };
}

/** Solves the symmetric positive definite A x = b by Cholesky (A [d, d] row-major). */
function spdSolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let p = 0; p < j; p++) s -= l[i * d + p] * l[j * d + p];
      if (i === j) {
        if (!(s > 0)) throw new ArgumentError('ridge: the scatter matrix is not positive definite (raise alpha)');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * d + p] * y[p];
    y[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < d; p++) s -= l[p * d + i] * x[p];
    x[i] = s / l[i * d + i];
  }
  return x;
}

/**
 * A regression direction: ridge regression of the score on the centred codes, w = (XᵀX + λI)⁻¹Xᵀy,
 * over every sample (not only the extremes an SVM keeps), so the normal is the latent direction the
 * score grows fastest along in the least-squares sense. Fitted on a shuffled `split` of the samples;
 * R² on the rest tells how linear the attribute is in the space.
 */
export function ridgeDirection(codes: Tensor, scores: ArrayLike<number>, o: RidgeOptions = {}): RidgeDirection {
  if (codes.rank !== 2) throw new ShapeError(`ridge: codes must be [N, dim], got ${formatShape(codes.shape)}`);
  const [n, d] = codes.shape;
  if (scores.length !== n) throw new ShapeError(`ridge: ${scores.length} scores for ${n} latent codes`);
  const split = o.split ?? 0.7;
  const alpha = o.alpha ?? 1e-3;
  if (!(split > 0 && split < 1)) throw new ArgumentError(`ridge: split must be in (0, 1), got ${split}`);
  if (!(alpha > 0)) throw new ArgumentError(`ridge: alpha must be positive, got ${alpha}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new ArgumentError(`ridge: score ${i} is ${scores[i]}`);
  const order = new RandomState(o.seed ?? 0).permutation(n);
  const nTrain = Math.floor(n * split);
  if (nTrain < 2 || n - nTrain < 2) throw new ArgumentError(`ridge: ${n} samples are too few to fit and validate`);
  const train = order.slice(0, nTrain);
  const val = order.slice(nTrain);
  const x = codes.toFloat64().data;
  const mean = new Float64Array(d);
  let ym = 0;
  for (const i of train) {
    for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / nTrain;
    ym += scores[i] / nTrain;
  }
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  const row = new Float64Array(d);
  for (const i of train) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mean[j];
    const yi = scores[i] - ym;
    for (let p = 0; p < d; p++) {
      const rp = row[p];
      b[p] += rp * yi;
      for (let q = p; q < d; q++) a[p * d + q] += rp * row[q];
    }
  }
  let trace = 0;
  for (let p = 0; p < d; p++) {
    for (let q = 0; q < p; q++) a[p * d + q] = a[q * d + p];
    trace += a[p * d + p];
  }
  const lambda = (alpha * trace) / d;
  for (let p = 0; p < d; p++) a[p * d + p] += lambda;
  const w = spdSolve(a, b, d);
  const r2 = (rows: number[]) => {
    let my = 0;
    for (const i of rows) my += scores[i] / rows.length;
    let ssRes = 0;
    let ssTot = 0;
    for (const i of rows) {
      let pred = ym;
      for (let j = 0; j < d; j++) pred += w[j] * (x[i * d + j] - mean[j]);
      ssRes += (scores[i] - pred) ** 2;
      ssTot += (scores[i] - my) ** 2;
    }
    return ssTot > 0 ? 1 - ssRes / ssTot : Number.NaN;
  };
  let len = 0;
  for (const v of w) len += v * v;
  len = Math.sqrt(len);
  if (!(len > 0)) throw new ArgumentError('ridge: the score does not vary linearly with the codes (all weights zero)');
  return {
    normal: w.map((v) => v / len),
    slope: len,
    trainR2: r2(train),
    valR2: r2(val),
    lambda,
    counts: { train: train.length, val: val.length },
  };
}
