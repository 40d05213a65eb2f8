import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { attributeSpread, pooledWithinStd } from './attributeEval.js';

describe('pooledWithinStd (the within-class unit of directions eval)', () => {
  it('by hand: groups {1, 3} and {10, 12, 14}: squares 2 + 8 over 5 − 2 dof', () => {
    expect(pooledWithinStd([1, 10, 3, 12, 14], [0, 1, 0, 1, 1])).toBeCloseTo(Math.sqrt(10 / 3), 12);
  });

  it('one group is the sample std; shifting a group by a constant changes nothing', () => {
    const v = [0.3, 0.9, 0.1, 0.5, 0.7, 0.2];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    expect(pooledWithinStd(v, [4, 4, 4, 4, 4, 4])).toBeCloseTo(sd, 12);
    const g = [0, 1, 0, 1, 2, 2];
    const shifted = v.map((x, i) => x + 100 * g[i]);
    expect(pooledWithinStd(shifted, g)).toBeCloseTo(pooledWithinStd(v, g), 9);
    // Between-group spread does not count: the overall std of `shifted` is ~80, the pooled one < 1.
    expect(pooledWithinStd(shifted, g)).toBeLessThan(1);
  });

  it('constant groups give 0; no degree of freedom left gives NaN; mismatched lengths throw', () => {
    expect(pooledWithinStd([2, 2, 5, 5], [0, 0, 1, 1])).toBe(0);
    expect(pooledWithinStd([1, 2], [0, 1])).toBeNaN();
    expect(() => pooledWithinStd([1, 2, 3], [0, 1])).toThrow(ArgumentError);
  });
});

describe('attributeSpread: the class-keeping bound of a +2σ move', () => {
  // Latents (p, q, r) ~ N(0, I); the class is q's bin (5 classes), so moving along p or r keeps it.
  const n = 20_000;
  const rng = new RandomState(3);
  const [p, q, r] = [rng.randn(n, 1), rng.randn(n, 1), rng.randn(n, 1)];
  const cls = Int32Array.from(q, (x) => Math.min(4, Math.max(0, Math.floor(x + 2.5))));
  const attribute = (w: number) => Float64Array.from(cls, (c, i) => 2 * c + p[i] + w * r[i]);

  it('is reached by the direction that carries the whole within-class part', () => {
    const a = attribute(0);
    const s = attributeSpread(a, cls);
    // +2σ along p (σ = 1) adds exactly 2 to the attribute: 2 / std in its std units.
    expect(2 / s.std).toBeCloseTo(s.classKeepingBound, 2);
    expect(s.withinStd).toBeCloseTo(1, 1);
    expect(s.withinShare).toBeLessThan(0.6); // the class steps dominate the spread
  });

  it('bounds every class-keeping direction; a direction that changes the class may pass it', () => {
    const a = attribute(1);
    const s = attributeSpread(a, cls);
    // Along p, or along (p + r)/√2 (σ = 1 as well): 2 and 2√2, under 2 · withinStd ≈ 2√2.
    expect(2 / s.std).toBeLessThan(s.classKeepingBound);
    expect((2 * Math.SQRT2) / s.std).toBeLessThanOrEqual(s.classKeepingBound * 1.02);
    // +2 along q moves most samples two classes up (about +4 in the attribute), far past the bound: no class is kept.
    const alongQ = Float64Array.from(q, (x, i) => 2 * Math.min(4, Math.max(0, Math.floor(x + 2 + 2.5))) + p[i] + r[i]);
    let move = 0;
    for (let i = 0; i < n; i++) move += (alongQ[i] - a[i]) / n;
    expect(move / s.std).toBeGreaterThan(s.classKeepingBound);
  });

  it('names bad input', () => {
    expect(() => attributeSpread([1], [0])).toThrow(/at least 2/);
    expect(attributeSpread([3, 3, 3], [0, 1, 1]).withinShare).toBeNaN();
  });
});
