import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { findNonFinite, nonFiniteEntries } from './nonFinite.js';

describe('findNonFinite', () => {
  it('counts NaN and infinities in float32/float64', () => {
    expect(findNonFinite(Tensor.float32([3], [1, 2, 3]))).toBeUndefined();
    expect(findNonFinite(Tensor.float64([4], [0, -Infinity, NaN, Infinity]))).toEqual({
      nan: 1,
      posInf: 1,
      negInf: 1,
      firstIndex: 1,
    });
  });
  it('reads float16 bit patterns', () => {
    const h = new Tensor('float16', [4], Uint16Array.from([0x3c00, 0x7e00, 0xfc00, 0x7bff]));
    expect(findNonFinite(h)).toEqual({ nan: 1, posInf: 0, negInf: 1, firstIndex: 1 });
  });
  it('ignores integer tensors and lists offending state-dict entries', () => {
    expect(findNonFinite(Tensor.int64([1], [1n]))).toBeUndefined();
    const sd = new Map([
      ['ok', Tensor.float32([1], [1])],
      ['bad', Tensor.float32([2], [1, NaN])],
    ]);
    expect(nonFiniteEntries(sd)).toEqual([
      { name: 'bad', report: { nan: 1, posInf: 0, negInf: 0, firstIndex: 1 } },
    ]);
  });
});
