import { ArgumentError, ShapeError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** Sample covariance [dim·dim] (row-major float64) of samples [N, dim], centred, N − 1 in the denominator. */
export function covariance(samples: Tensor): Float64Array {
  if (samples.rank !== 2) throw new ShapeError(`covariance: samples must be [N, dim], got ${formatShape(samples.shape)}`);
  const [n, d] = samples.shape;
  if (n < 2) throw new ArgumentError(`covariance: needs at least 2 samples, got ${n}`);
  const x = samples.toFloat64().data;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) c[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      c[a * d + b] /= n - 1;
      c[b * d + a] = c[a * d + b];
    }
  return c;
}

/**
 * Σᵖ·v for a symmetric positive semi-definite Σ (eigendecomposition; negative rounding eigenvalues
 * clamp to 0), any real power p: p = 1 is Σv, p = 0.5 the square root, p = 0 v itself.
 */
export function covariancePower(cov: Float64Array, v: ArrayLike<number>, p: number): Float64Array {
  const d = v.length;
  if (cov.length !== d * d) throw new ShapeError(`covariancePower: a ${d}-vector and ${cov.length} matrix values`);
  if (!Number.isFinite(p)) throw new ArgumentError(`covariancePower: the power must be finite, got ${p}`);
  if (p === 0) return Float64Array.from(v);
  const { values, vectors } = symmetricEigen(cov);
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const lambda = Math.max(0, values[k]);
    if (lambda === 0 && p < 0) continue;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += vectors[i * d + k] * v[i];
    const f = lambda ** p * proj;
    for (let i = 0; i < d; i++) out[i] += f * vectors[i * d + k];
  }
  return out;
}
