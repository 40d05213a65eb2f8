import { ArgumentError, ShapeError } from './errors.js';

/**
 * Small dense float64 linear algebra for the Fréchet distances: square matrices are row-major
 * Float64Arrays of n·n values. Feature dimensions are in the hundreds, so O(n³) host code is fast
 * enough and needs no runtime graph.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns: vectors[i·n + k] is component i of the k-th eigenvector. */
  vectors: Float64Array;
  /** Jacobi sweeps it took. */
  sweeps: number;
}

function sideOf(a: Float64Array, what: string): number {
  const n = Math.round(Math.sqrt(a.length));
  if (n * n !== a.length) throw new ShapeError(`${what}: ${a.length} values do not make a square matrix`);
  return n;
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations (Rutishauser's form, as in
 * Numerical Recipes `jacobi`): each rotation zeroes one off-diagonal pair; sweeps stop when the
 * off-diagonal mass is below 1e-30 of the total. Accurate to a few ulps of the largest eigenvalue
 * and needs nothing but float64 host arithmetic. `a` is averaged with its transpose first, so
 * asymmetries left by rounding do no harm.
 */
export function symmetricEigen(a: Float64Array, maxSweeps = 100): SymmetricEigen {
  const n = sideOf(a, 'symmetricEigen');
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i] * m[i];
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] * m[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        // Rotation P with P_pp = P_qq = c, P_pq = s, P_qp = −s chosen so (PᵀMP)_pq = 0.
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p, q of M·P
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          // rows p, q of Pᵀ·(M·P)
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // Sort ascending, permuting eigenvector columns alike.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src];
  });
  return { values, vectors, sweeps };
}

/** V·diag(f(λ))·Vᵀ for a symmetric matrix: applies `f` to its eigenvalues. */
export function symmetricFunction(a: Float64Array, f: (lambda: number) => number): Float64Array {
  const n = sideOf(a, 'symmetricFunction');
  const { values, vectors } = symmetricEigen(a);
  const fl = values.map(f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * fl[k] * vectors[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * The principal square root of a symmetric positive semi-definite matrix. Eigenvalues that
 * rounding pushed below zero (rank-deficient covariances) are taken as zero.
 */
export function sqrtmPsd(a: Float64Array): Float64Array {
  return symmetricFunction(a, (l) => Math.sqrt(Math.max(l, 0)));
}

/** A·B for square row-major matrices. */
export function matmulSquare(a: Float64Array, b: Float64Array): Float64Array {
  const n = sideOf(a, 'matmulSquare');
  if (b.length !== a.length)
    throw new ShapeError(`matmulSquare: ${n}x${n} times a matrix of ${b.length} values`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

export function trace(a: Float64Array): number {
  const n = sideOf(a, 'trace');
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/**
 * Tr((Σ1·Σ2)^½) for symmetric PSD Σ1, Σ2: Σ1·Σ2 is similar to the symmetric PSD matrix
 * Σ1^½·Σ2·Σ1^½, so the trace of its square root is Σ √λ over that matrix's eigenvalues (negative
 * rounding residue taken as zero). Avoids the complex-valued sqrtm of a non-symmetric product.
 */
export function traceSqrtProduct(s1: Float64Array, s2: Float64Array): number {
  if (s1.length !== s2.length)
    throw new ArgumentError(`traceSqrtProduct: matrices of ${s1.length} and ${s2.length} values`);
  const r = sqrtmPsd(s1);
  const m = matmulSquare(matmulSquare(r, s2), r);
  const { values } = symmetricEigen(m);
  let s = 0;
  for (const l of values) s += Math.sqrt(Math.max(l, 0));
  return s;
}
