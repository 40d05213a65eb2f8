import { describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { frechetDistance } from '../../src/metrics/fcd.js';
import { matmulSquare, sqrtmPsd, symmetricEigen, traceSqrtProduct } from '../../src/core/linalg.js';
import { type FeatureStats, featureStats } from '../../src/metrics/stats.js';

/** A random symmetric positive-definite n×n matrix: A·Aᵀ/n + δ·I. */
function randomSpd(n: number, seed: number, delta = 0.1): Float64Array {
  const rng = new RandomState(seed);
  const a = rng.randn(n * n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * a[j * n + k];
      out[i * n + j] = s / n + (i === j ? delta : 0);
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Brute force, independent of the eigen route: Tr sqrtm(A) for a matrix with positive real
 * eigenvalues by the Denman–Beavers iteration Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2 (Y → A^½), with
 * inverses by Gauss–Jordan elimination.
 */
function denmanBeaversTrace(a: Float64Array, n: number): number {
  const inv = (m: Float64Array) => {
    const w = 2 * n;
    const aug = new Float64Array(n * w);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) aug[i * w + j] = m[i * n + j];
      aug[i * w + n + i] = 1;
    }
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(aug[r * w + c]) > Math.abs(aug[p * w + c])) p = r;
      for (let j = 0; j < w; j++) [aug[c * w + j], aug[p * w + j]] = [aug[p * w + j], aug[c * w + j]];
      const d = aug[c * w + c];
      for (let j = 0; j < w; j++) aug[c * w + j] /= d;
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = aug[r * w + c];
        for (let j = 0; j < w; j++) aug[r * w + j] -= f * aug[c * w + j];
      }
    }
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = aug[i * w + n + j];
    return out;
  };
  let y = a.slice();
  let z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let it = 0; it < 60; it++) {
    const yi = inv(y);
    const zi = inv(z);
    y = y.map((v, i) => 0.5 * (v + zi[i]));
    z = z.map((v, i) => 0.5 * (v + yi[i]));
  }
  let t = 0;
  for (let i = 0; i < n; i++) t += y[i * n + i];
  return t;
}

function stats(mean: number[], cov: Float64Array): FeatureStats {
  return { n: 1000, dim: mean.length, mean: Float64Array.from(mean), cov };
}

describe('symmetric Jacobi eigendecomposition', () => {
  it('reconstructs the matrix with orthonormal eigenvectors', () => {
    const n = 24;
    const a = randomSpd(n, 1);
    const { values, vectors } = symmetricEigen(a);
    const rebuilt = new Float64Array(n * n);
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let g = 0;
        for (let k = 0; k < n; k++) {
          s += vectors[i * n + k] * values[k] * vectors[j * n + k];
          g += vectors[k * n + i] * vectors[k * n + j];
        }
        rebuilt[i * n + j] = s;
        gram[i * n + j] = g - (i === j ? 1 : 0);
      }
    }
    expect(maxAbsDiff(rebuilt, a)).toBeLessThan(1e-12);
    expect(maxAbsDiff(gram, new Float64Array(n * n))).toBeLessThan(1e-12);
    for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  });

  it('sqrtm of a PSD matrix squares back, and zero eigenvalues stay zero', () => {
    const a = randomSpd(16, 2);
    const r = sqrtmPsd(a);
    expect(maxAbsDiff(matmulSquare(r, r), a)).toBeLessThan(1e-12);
    // rank 1: v·vᵀ has sqrt v·vᵀ/|v|
    const v = [1, 2, -2];
    const outer = Float64Array.from({ length: 9 }, (_, i) => v[Math.floor(i / 3)] * v[i % 3]);
    expect(
      maxAbsDiff(
        sqrtmPsd(outer),
        outer.map((x) => x / 3),
      ),
    ).toBeLessThan(1e-12);
  });

  it('Tr (Σ1Σ2)^½ matches the Denman–Beavers brute force on the non-symmetric product', () => {
    for (const [n, seed] of [
      [2, 3],
      [7, 4],
      [20, 5],
    ]) {
      const s1 = randomSpd(n, seed);
      const s2 = randomSpd(n, seed + 100);
      const brute = denmanBeaversTrace(matmulSquare(s1, s2), n);
      expect(Math.abs(traceSqrtProduct(s1, s2) - brute)).toBeLessThan(1e-10 * Math.abs(brute));
    }
  });
});

describe('Fréchet distance', () => {
  it('is zero between a set and itself', () => {
    const s = featureStats(Tensor.float32([500, 32], new RandomState(6).standardNormalFloat32([500, 32])));
    const r = frechetDistance(s, s);
    expect(r.meanTerm).toBe(0);
    expect(Math.abs(r.covTerm)).toBeLessThan(1e-10);
    expect(r.value).toBeLessThan(1e-10);
  });

  it('equals the closed form for diagonal covariances: |μ1 − μ2|² + Σ(√a − √b)²', () => {
    const a = [0.5, 2, 3, 0.1];
    const b = [1, 1, 4, 0.4];
    const diag = (d: number[]) => Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? d[i / 5] : 0));
    const r = frechetDistance(stats([0, 1, 2, 3], diag(a)), stats([1, 1, 0, 3], diag(b)));
    const expected = 1 + 4 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i])) ** 2, 0);
    expect(r.value).toBeCloseTo(expected, 12);
  });

  it('equals the closed form for Σ2 = c²·Σ1 (commuting): |Δμ|² + (1 − c)²·Tr Σ1', () => {
    const s1 = randomSpd(10, 7);
    const c = 1.7;
    const r = frechetDistance(
      stats(new Array(10).fill(0), s1),
      stats(
        new Array(10).fill(0.5),
        s1.map((v) => c * c * v),
      ),
    );
    let tr = 0;
    for (let i = 0; i < 10; i++) tr += s1[i * 11];
    expect(r.value).toBeCloseTo(10 * 0.25 + (1 - c) ** 2 * tr, 10);
  });

  it('2×2 non-commuting covariances: the closed-form sqrt of a 2×2 matrix', () => {
    // For M with positive eigenvalues, √M = (M + √det(M)·I)/√(Tr M + 2√det M), so Tr √M = √(Tr M + 2√det M).
    const s1 = Float64Array.from([2, 0.5, 0.5, 1]);
    const s2 = Float64Array.from([1, -0.3, -0.3, 0.5]);
    const m = matmulSquare(s1, s2);
    const trSqrt = Math.sqrt(m[0] + m[3] + 2 * Math.sqrt(m[0] * m[3] - m[1] * m[2]));
    const r = frechetDistance(stats([1, 0], s1), stats([0, 0], s2));
    expect(r.value).toBeCloseTo(1 + 3 + 1.5 - 2 * trSqrt, 12);
  });

  it('sample statistics of two Gaussians converge to the closed form', () => {
    // x ~ N(μ, L·Lᵀ) from standard normals; with 40k samples the estimate is within a few percent.
    const n = 40_000;
    const d = 3;
    const rng = new RandomState(8);
    const draw = (mu: number[], l: number[][]) => {
      const z = rng.randn(n * d);
      const t = Tensor.float32([n, d]);
      for (let s = 0; s < n; s++)
        for (let i = 0; i < d; i++) {
          let v = mu[i];
          for (let k = 0; k < d; k++) v += l[i][k] * z[s * d + k];
          t.data[s * d + i] = v;
        }
      return featureStats(t);
    };
    const l1 = [
      [1, 0, 0],
      [0.5, 1, 0],
      [0, 0.3, 0.5],
    ];
    const l2 = [
      [2, 0, 0],
      [0, 1, 0],
      [0.2, 0, 1],
    ];
    const cov = (l: number[][]) =>
      Float64Array.from({ length: d * d }, (_, k) =>
        l[Math.floor(k / d)].reduce((s, v, j) => s + v * l[k % d][j], 0),
      );
    const exact = frechetDistance(stats([0, 0, 0], cov(l1)), stats([1, -1, 0.5], cov(l2))).value;
    const sampled = frechetDistance(draw([0, 0, 0], l1), draw([1, -1, 0.5], l2)).value;
    expect(Math.abs(sampled - exact) / exact).toBeLessThan(0.03);
  });

  it('feature statistics: float64 mean and unbiased covariance, robust to a large offset', () => {
    const rng = new RandomState(9);
    const n = 200;
    const d = 5;
    const raw = rng.randn(n * d);
    const t = Tensor.float32(
      [n, d],
      Array.from(raw, (v) => 1000 + v),
    );
    const s = featureStats(t);
    const x = Float64Array.from(t.data as Float32Array);
    for (let i = 0; i < d; i++) {
      let m = 0;
      for (let r = 0; r < n; r++) m += x[r * d + i] / n;
      expect(s.mean[i]).toBeCloseTo(m, 9);
      for (let j = 0; j < d; j++) {
        let mj = 0;
        for (let r = 0; r < n; r++) mj += x[r * d + j] / n;
        let c = 0;
        for (let r = 0; r < n; r++) c += ((x[r * d + i] - m) * (x[r * d + j] - mj)) / (n - 1);
        expect(s.cov[i * d + j]).toBeCloseTo(c, 9);
      }
    }
  });
});
