import { ArgumentError, ShapeError } from '../core/errors.js';
import { cosine, dot, unit } from './direction.js';

export interface ConditionalResult {
  /** The primary direction with its projection onto the conditions' span removed, unit length. */
  direction: Float64Array;
  /** cos(primary, condition j) before and after. */
  cosineBefore: number[];
  cosineAfter: number[];
  /** Least-squares coefficients a of the removed part B·a (B's columns = the conditions). */
  coefficients: number[];
}

/** Solves the symmetric positive definite system G a = r by Cholesky; throws when G is singular. */
function choleskySolve(g: Float64Array, r: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * k + j];
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        // A pivot this small relative to |nᵢ|² = 1 means the conditions are linearly dependent.
        if (!(s > 1e-10)) throw new ArgumentError(`conditional direction: condition ${i} lies in the span of the conditions before it`);
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j];
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = r[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * y[p];
    y[i] = s / l[i * k + i];
  }
  const a = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * a[p];
    a[i] = s / l[i * k + i];
  }
  return a;
}

/**
 * InterFaceGAN's conditional manipulation generalised to many conditions: n' = n − B·a with
 * a = (BᵀB)⁻¹Bᵀn, the least-squares projection of n onto span(B); for one unit condition this is
 * n − (n·c)c. Conditions are normalised first (only their span matters). One refinement pass
 * removes what rounding left, so the result's cosines with the conditions are at the 1e-16 level.
 */
export function conditionalDirection(primary: ArrayLike<number>, conditions: readonly ArrayLike<number>[]): ConditionalResult {
  if (!conditions.length) throw new ArgumentError('conditional direction: give at least one condition');
  const dim = primary.length;
  conditions.forEach((c, j) => {
    if (c.length !== dim) throw new ShapeError(`conditional direction: condition ${j} has ${c.length} values, the primary ${dim}`);
  });
  const n = unit(primary, 'primary direction');
  const b = conditions.map((c, j) => unit(c, `condition ${j}`));
  const k = b.length;
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) g[i * k + j] = dot(b[i], b[j]);
  const coefficients = new Float64Array(k);
  let out: Float64Array = Float64Array.from(n);
  for (let pass = 0; pass < 2; pass++) {
    const a = choleskySolve(g, Float64Array.from(b, (bj) => dot(bj, out)), k);
    for (let j = 0; j < k; j++) {
      coefficients[j] += a[j];
      for (let i = 0; i < dim; i++) out[i] -= a[j] * b[j][i];
    }
  }
  out = unit(out, 'primary direction minus its projection (the primary lies in the conditions\u2019 span)');
  return {
    direction: out,
    cosineBefore: b.map((bj) => cosine(n, bj)),
    cosineAfter: b.map((bj) => cosine(out, bj)),
    coefficients: Array.from(coefficients),
  };
}
