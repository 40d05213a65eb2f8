import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { conditionalDirection } from './conditional.js';
import { cosine, makeDirectionSet, projectedStd } from './direction.js';
import { editWs, editZ } from './editCodes.js';
import { readDirections, writeDirections } from './files.js';
import { principalComponents, StreamingCovariance } from './ganspace.js';
import { trainBoundary } from './interfacegan.js';
import { fitLinearSvm, svmAccuracy } from './svm.js';

function gaussian(rng: RandomState, n: number, d: number, scales?: number[]): Float64Array {
  const x = Float64Array.from(rng.randn(n * d));
  if (scales) for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] *= scales[j];
  return x;
}

describe('linear SVM (dual coordinate descent)', () => {
  it('recovers a known separating direction and satisfies the KKT margin conditions', () => {
    const rng = new RandomState(1);
    const d = 6;
    const n = 400;
    const truth = [0.6, -0.8, 0, 0, 0, 0];
    const x = gaussian(rng, n, d);
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = truth.reduce((a, t, j) => a + t * x[i * d + j], 0) + 0.3;
      y.push(s >= 0 ? 1 : -1);
      // push points off the boundary so the problem is separable with a margin
      for (let j = 0; j < d; j++) x[i * d + j] += 0.5 * y[i] * truth[j];
    }
    const svm = fitLinearSvm(x, y, d, { c: 10, tolerance: 1e-6 });
    expect(svm.converged).toBe(true);
    expect(svmAccuracy(svm, x, y)).toBe(1);
    // Direction matches the generating normal closely (separable, wide margin).
    expect(cosine(svm.weights, truth)).toBeGreaterThan(0.98);
    // Every point is outside the margin up to the solver tolerance: y(w·x + b) ≥ 1 − tol.
    for (let i = 0; i < n; i++) {
      let s = svm.bias;
      for (let j = 0; j < d; j++) s += svm.weights[j] * x[i * d + j];
      expect(y[i] * s).toBeGreaterThan(1 - 1e-3);
    }
  });

  it('InterFaceGAN boundary keeps the ends, splits 70/30 and reports accuracies', () => {
    const rng = new RandomState(2);
    const n = 2000;
    const d = 8;
    const x = gaussian(rng, n, d);
    const normal = [0, 0, 1, 0, 0, 0, 0, 0];
    const scores = Array.from({ length: n }, (_, i) => x[i * d + 2] + 0.05 * rng.standardNormal());
    const b = trainBoundary(new Tensor('float64', [n, d], x), scores, { ratio: 0.1 });
    expect(b.counts).toEqual({ positive: 200, negative: 200, train: 280, val: 120 });
    expect(b.valAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(cosine(b.normal, normal)).toBeGreaterThan(0.95);
    expect(Math.hypot(...b.normal)).toBeCloseTo(1, 12);
    expect(b.remainingAccuracy).toBeGreaterThan(0.9);
  });
});

describe('conditional directions', () => {
  it('one condition: n − (n·c)c', () => {
    const n = [1, 2, 3, 4];
    const c = [0, 1, 0, 0];
    const r = conditionalDirection(n, [c]);
    const expected = [1, 0, 3, 4].map((v) => v / Math.hypot(1, 3, 4));
    r.direction.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
    expect(r.cosineBefore[0]).toBeCloseTo(2 / Math.hypot(1, 2, 3, 4), 14);
  });

  it('many non-orthogonal conditions: cosine with each is ~0 (< 1e-12) and the part outside the span is kept', () => {
    const rng = new RandomState(3);
    const d = 64;
    const conds = Array.from({ length: 5 }, () => Float64Array.from(rng.randn(d)));
    const primary = Float64Array.from(rng.randn(d));
    const r = conditionalDirection(primary, conds);
    for (const c of r.cosineAfter) expect(Math.abs(c)).toBeLessThan(1e-12);
    for (const c of r.cosineBefore) expect(Math.abs(c)).toBeGreaterThan(1e-4);
    // primary = B·a + |n'|·n'  (least squares residual): rebuild and compare
    const unitP = primary.map((v) => v / Math.hypot(...primary));
    const units = conds.map((c) => c.map((v) => v / Math.hypot(...c)));
    const rest = unitP.map((v, i) => v - r.coefficients.reduce((s, a, j) => s + a * units[j][i], 0));
    expect(cosine(rest, r.direction)).toBeCloseTo(1, 12);
  });

  it('refuses a primary inside the conditions’ span', () => {
    expect(() => conditionalDirection([1, 1, 0], [[1, 0, 0], [0, 1, 0]])).toThrow(/span/);
  });
});

describe('PCA (GANSpace core)', () => {
  it('streamed chunks give the batch covariance; components orthonormal and ordered by variance', () => {
    const rng = new RandomState(4);
    const d = 5;
    const n = 3000;
    const x = gaussian(rng, n, d, [3, 0.5, 2, 1, 0.1]);
    for (let i = 0; i < n; i++) x[i * d] += 100; // a large mean must not hurt the variances
    const cov = new StreamingCovariance(d);
    for (let s = 0; s < n; s += 700) cov.add(new Tensor('float64', [Math.min(700, n - s), d], x.subarray(s * d, Math.min(n, s + 700) * d)));
    const full = new StreamingCovariance(d);
    full.add(new Tensor('float64', [n, d], x));
    cov.covariance().forEach((v, i) => expect(v).toBeCloseTo(full.covariance()[i], 9));
    const pca = principalComponents(cov, d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expect(pca.components[a].reduce((s, v, i) => s + v * pca.components[b][i], 0)).toBeCloseTo(a === b ? 1 : 0, 12);
    for (let k = 1; k < d; k++) expect(pca.stdev[k]).toBeLessThanOrEqual(pca.stdev[k - 1]);
    // Axis-aligned data: the first component is axis 0 with std ≈ 3 (3000 samples: ±4 %).
    expect(Math.abs(pca.components[0][0])).toBeGreaterThan(0.999);
    expect(pca.stdev[0]).toBeGreaterThan(2.85);
    expect(pca.stdev[0]).toBeLessThan(3.15);
    // sigma agrees with the std of projections measured directly
    const set = makeDirectionSet(pca.components, { space: 'w', provenance: { method: 'ganspace' } });
    projectedStd(new Tensor('float64', [n, d], x), set.vectors).forEach((s, k) => expect(s).toBeCloseTo(pca.stdev[k], 4));
  });
});

describe('edits and direction files', () => {
  const set = makeDirectionSet(
    [
      [3, 4, 0],
      [0, 0, 2],
    ],
    { space: 'w', sigma: [2, null], labels: ['a', 'b'], provenance: { method: 'import' } },
  );

  it('sigma units scale the unit direction by sigma; a layer range edits only those rows', () => {
    const ws = Tensor.float32([1, 4, 3]);
    const out = editWs(ws, set, 1.5, { component: 'a', layers: [1, 3] });
    expect(Array.from(out.data)).toEqual([0, 0, 0, 1.8, 2.4, 0, 1.8, 2.4, 0, 0, 0, 0].map(Math.fround));
    const dist = editWs(ws, set, 1.5, { component: 'a', units: 'distance' });
    expect(Array.from(dist.data.subarray(0, 3))).toEqual([0.9, 1.2, 0].map(Math.fround));
    expect(() => editWs(ws, set, 1, { component: 'b', units: 'sigma' })).toThrow(/sigma/);
    expect(() => editZ(Tensor.float32([1, 3]), set, 1)).toThrow(/W-space/);
  });

  it('round-trips our safetensors, InterFaceGAN .npy and GANSpace .npz', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latentlab-dirs-'));
    const withSigma = { ...set, sigma: [2, 0.5], mean: Tensor.float32([3], [1, 2, 3]) };
    await writeDirections(join(dir, 'd.safetensors'), withSigma);
    const back = await readDirections(join(dir, 'd.safetensors'));
    expect(back.labels).toEqual(['a', 'b']);
    expect(back.sigma).toEqual([2, 0.5]);
    expect(Array.from(back.vectors.data)).toEqual(Array.from(set.vectors.data));
    expect(Array.from(back.mean!.data)).toEqual([1, 2, 3]);
    await writeDirections(join(dir, 'd.npz'), withSigma);
    const npz = await readDirections(join(dir, 'd.npz'));
    expect(npz.sigma).toEqual([2, 0.5]);
    expect(Array.from(npz.mean!.data)).toEqual([1, 2, 3]);
    expect(Array.from(npz.vectors.data)).toEqual(Array.from(set.vectors.data));
    const one = makeDirectionSet([[0.6, 0.8, 0]], { space: 'w', provenance: { method: 'interfacegan' } });
    await writeDirections(join(dir, 'b.npy'), one);
    const npy = await readDirections(join(dir, 'b.npy'));
    expect(npy.vectors.shape).toEqual([1, 3]);
    expect(Array.from(npy.vectors.data)).toEqual(Array.from(one.vectors.data));
    await expect(writeDirections(join(dir, 'd.npz'), set)).rejects.toThrow(/lat_stdev/);
    await expect(readDirections(join(dir, 'missing.npy'))).rejects.toThrow(/missing.npy: no such direction file/);
  });
});
