import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { pooledWithinStd } from './attributeEval.js';

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
