import { ArgumentError, ShapeError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';

export interface LinearSvmOptions {
  /** Penalty C of the hinge loss (sklearn SVC's default 1). */
  c?: number;
  /** Stop when the projected-gradient spread max − min falls below this (liblinear's eps; default 1e-3). */
  tolerance?: number;
  /** Passes over the data at most (default 1000). */
  maxEpochs?: number;
  /** Seed of the visiting order (default 0). */
  seed?: number;
}

export interface LinearSvm {
  /** Normal w [dim] (not normalised) and intercept b: decision(x) = w·x + b. */
  weights: Float64Array;
  bias: number;
  epochs: number;
  converged: boolean;
  /** Training points with α > 0. */
  supportVectors: number;
}

/**
 * L2-regularised hinge-loss linear SVM, min ½|w|² + C Σ max(0, 1 − yᵢ(w·xᵢ + b)), solved in the dual
 * by coordinate descent with shrinking-free random sweeps (Hsieh et al. 2008, liblinear's
 * L2R_L1LOSS_SVC_DUAL). The data are centred first and the bias is a constant feature of value 1:
 * with centred data the optimal bias is near 0, so the small regularisation liblinear puts on it
 * barely differs from sklearn SVC(kernel='linear')'s unregularised intercept.
 *
 * `x` is row-major [n, dim]; labels are +1 / −1.
 */
export function fitLinearSvm(x: Float64Array, labels: readonly number[], dim: number, opts: LinearSvmOptions = {}): LinearSvm {
  const n = labels.length;
  if (x.length !== n * dim) throw new ShapeError(`fitLinearSvm: ${x.length} values for ${n} points of dimension ${dim}`);
  if (labels.some((y) => y !== 1 && y !== -1)) throw new ArgumentError('fitLinearSvm: labels must be +1 or -1');
  if (!labels.includes(1) || !labels.includes(-1)) throw new ArgumentError('fitLinearSvm: needs points of both classes');
  const c = opts.c ?? 1;
  const tol = opts.tolerance ?? 1e-3;
  const maxEpochs = opts.maxEpochs ?? 1000;
  if (!(c > 0)) throw new ArgumentError(`fitLinearSvm: C must be positive, got ${c}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j] / n;
  // Centred points with the bias feature appended: [n, dim + 1].
  const d1 = dim + 1;
  const z = new Float64Array(n * d1);
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let j = 0; j < dim; j++) {
      const v = x[i * dim + j] - mean[j];
      z[i * d1 + j] = v;
      s += v * v;
    }
    z[i * d1 + dim] = 1;
    qii[i] = s;
  }
  const alpha = new Float64Array(n);
  const w = new Float64Array(d1);
  const rng = new RandomState(opts.seed ?? 0);
  let epochs = 0;
  let converged = false;
  while (epochs < maxEpochs) {
    epochs++;
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (const i of rng.permutation(n)) {
      const y = labels[i];
      let g = 0;
      for (let j = 0; j < d1; j++) g += w[j] * z[i * d1 + j];
      g = y * g - 1; // ∂/∂αᵢ of the dual ½αᵀQα − eᵀα
      const a = alpha[i];
      const pg = a === 0 ? Math.min(g, 0) : a === c ? Math.max(g, 0) : g;
      pgMax = Math.max(pgMax, pg);
      pgMin = Math.min(pgMin, pg);
      if (pg === 0) continue;
      const next = Math.min(Math.max(a - g / qii[i], 0), c);
      const step = (next - a) * y;
      alpha[i] = next;
      for (let j = 0; j < d1; j++) w[j] += step * z[i * d1 + j];
    }
    if (pgMax - pgMin < tol) {
      converged = true;
      break;
    }
  }
  const weights = w.slice(0, dim);
  // Undo the centring: w·(x − mean) + b' = w·x + (b' − w·mean).
  let bias = w[dim];
  for (let j = 0; j < dim; j++) bias -= weights[j] * mean[j];
  let supportVectors = 0;
  for (const a of alpha) if (a > 0) supportVectors++;
  return { weights, bias, epochs, converged, supportVectors };
}

/** Fraction of points whose sign(w·x + b) equals the label. */
export function svmAccuracy(svm: Pick<LinearSvm, 'weights' | 'bias'>, x: Float64Array, labels: readonly number[]): number {
  const dim = svm.weights.length;
  if (!labels.length) return Number.NaN;
  let right = 0;
  labels.forEach((y, i) => {
    let s = svm.bias;
    for (let j = 0; j < dim; j++) s += svm.weights[j] * x[i * dim + j];
    if ((s >= 0 ? 1 : -1) === y) right++;
  });
  return right / labels.length;
}
