import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { classProbability } from './attributes.js';
import { balancedClassDirections, conditionOnNearest } from './classGradient.js';
import { covariance, covariancePower } from './covariance.js';
import { cosine, directionRow, makeDirectionSet } from './direction.js';

describe('covariance and its powers', () => {
  it('matches the textbook sample covariance (N − 1) on a small case', () => {
    // Rows (1,2), (3,6), (5,7): means (3, 5); centred (−2,−3), (0,1), (2,2).
    const c = covariance(Tensor.float32([3, 2], [1, 2, 3, 6, 5, 7]));
    expect(Array.from(c)).toEqual([4, 5, 5, 7]);
  });

  it('Σ¹v is the product, Σ⁰v is v, Σ^½ applied twice is Σ, Σ⁻¹Σv is v (float64 round-off)', () => {
    const rng = new RandomState(3);
    const d = 5;
    const x = Tensor.float64([400, d], rng.randn(400 * d).map((v, i) => v * (1 + (i % d))));
    const cov = covariance(x);
    const v = Float64Array.from(rng.randn(d));
    const direct = Float64Array.from({ length: d }, (_, i) => cov.subarray(i * d, (i + 1) * d).reduce((s, c, j) => s + c * v[j], 0));
    const one = covariancePower(cov, v, 1);
    const half = covariancePower(cov, covariancePower(cov, v, 0.5), 0.5);
    const back = covariancePower(cov, one, -1);
    for (let i = 0; i < d; i++) {
      // Jacobi eigenvectors are accurate to a few ulps of the largest eigenvalue (~25 here).
      expect(one[i]).toBeCloseTo(direct[i], 9);
      expect(half[i]).toBeCloseTo(direct[i], 9);
      expect(back[i]).toBeCloseTo(v[i], 9);
    }
    expect(Array.from(covariancePower(cov, v, 0))).toEqual(Array.from(v));
  });
});

describe('class probability of logits', () => {
  it('is the softmax, stable for large logits', () => {
    const p = classProbability(Tensor.float64([2, 3], [0, Math.log(2), Math.log(7), 1000, 1000, -1000]), 1);
    expect(p[0]).toBeCloseTo(0.2, 12);
    expect(p[1]).toBeCloseTo(0.5, 12);
  });
});

describe('conditioning each direction on its nearest neighbours', () => {
  it('removes the two most similar directions and nothing else', () => {
    const e = (i: number) => Float64Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0));
    // a is close to b and c (cos 0.6 and 0.5), far from d; after conditioning it is orthogonal to b and c.
    const a = Float64Array.from([0.6, 0.5, 0.1, 0.2]);
    const set = makeDirectionSet([a, e(0), e(1), e(3)], { space: 'w', labels: ['a', 'b', 'c', 'd'], provenance: { method: 'interfacegan' } });
    const out = conditionOnNearest(set, 2);
    expect(out.labels[0]).toBe('a|2 nearest');
    const attrs = out.provenance.attributes as { kept: string[] }[];
    expect(attrs[0].kept).toEqual(['b', 'c']);
    const row = directionRow(out, 0);
    expect(Math.abs(cosine(row, e(0)))).toBeLessThan(1e-7);
    expect(Math.abs(cosine(row, e(1)))).toBeLessThan(1e-7);
    // What is left: the part along e2 and e3, normalised.
    expect(cosine(row, [0, 0, 0.1, 0.2])).toBeCloseTo(1, 6);
    expect(() => conditionOnNearest(set, 4)).toThrow(/count must be 1\.\.3/);
  });
});

describe('balanced class directions', () => {
  it('raise the target and lower every other class by an equal share, to first order', () => {
    // Probability gradients of 4 classes in 5-d summing to 0, as softmax gradients do.
    const rng = new RandomState(5);
    const g = [0, 1, 2].map(() => Float64Array.from(rng.randn(5)));
    g.push(g[0].map((_, p) => -(g[0][p] + g[1][p] + g[2][p])));
    const slopes = g.map((v) => Math.hypot(...v));
    const set = makeDirectionSet(
      g.map((v, i) => v.map((x) => x / slopes[i])),
      {
        space: 'w',
        labels: ['a', 'b', 'c', 'd'],
        provenance: { method: 'interfacegan', score: 'probability', attributes: slopes.map((s, i) => ({ name: 'abcd'[i], classes: [i], slope: s })) },
      },
    );
    const out = balancedClassDirections(set);
    for (let k = 0; k < 4; k++) {
      const n = directionRow(out, k);
      const change = g.map((v) => v.reduce((s, x, p) => s + x * n[p], 0));
      expect(change[k]).toBeGreaterThan(0);
      // Float32 storage of the directions: equal shares to ~1e-6 of the target change.
      for (let j = 0; j < 4; j++) if (j !== k) expect(change[j] / change[k]).toBeCloseTo(-1 / 3, 5);
    }
    // Holding the nearest class: its change is 0, the other two share the loss.
    const held = balancedClassDirections(set, { nearest: 1 });
    const n0 = directionRow(held, 0);
    const c0 = g.map((v) => v.reduce((s, x, p) => s + x * n0[p], 0));
    const near = [1, 2, 3].sort((x, y) => cosine(g[0], g[y]) - cosine(g[0], g[x]))[0];
    expect((held.provenance.attributes as { kept: string[] }[])[0].kept).toEqual([held.labels[near].split('|')[0]]);
    for (let j = 1; j < 4; j++) expect(c0[j] / c0[0]).toBeCloseTo(j === near ? 0 : -0.5, 5);
    expect(() => balancedClassDirections({ ...set, provenance: { method: 'interfacegan' } })).toThrow(/class-probability gradients/);
  });
});
