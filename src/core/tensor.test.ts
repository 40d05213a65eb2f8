import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { concatRows, repeatEachRow, repeatRows, selectAxis1, sliceRows, stackRows, takeRows, Tensor } from './tensor.js';

/** [3, 2] float32 with rows [0, 1], [10, 11], [20, 21]. */
const t = Tensor.float32([3, 2], [0, 1, 10, 11, 20, 21]);

describe('row operations', () => {
  it('sliceRows copies a range of rows and rejects ranges past the end', () => {
    const s = sliceRows(t, 1, 2);
    expect(s.shape).toEqual([2, 2]);
    expect([...s.data]).toEqual([10, 11, 20, 21]);
    s.data[0] = -1;
    expect(t.data[2]).toBe(10);
    expect([...sliceRows(t, 2).data]).toEqual([20, 21]);
    expect(() => sliceRows(t, 2, 2)).toThrow(ShapeError);
    expect(() => sliceRows(Tensor.scalar(1), 0)).toThrow(/scalar/);
  });

  it('takeRows gathers rows in order with repeats and names the bad row', () => {
    expect([...takeRows(t, [2, 0, 2]).data]).toEqual([20, 21, 0, 1, 20, 21]);
    expect(() => takeRows(t, [3])).toThrow(/row 3 is out of range for float32\[3,2\]/);
  });

  it('concatRows joins along axis 0, keeping dtype, and refuses mismatched shapes', () => {
    const i = Tensor.int64([1, 2], [5, 6]);
    const j = concatRows([i, Tensor.int64([2, 2], [7, 8, 9, 10])]);
    expect(j.dtype).toBe('int64');
    expect(j.shape).toEqual([3, 2]);
    expect([...j.data]).toEqual([5n, 6n, 7n, 8n, 9n, 10n]);
    expect(() => concatRows([t, Tensor.float32([1, 3])])).toThrow(ShapeError);
    expect(() => concatRows([])).toThrow(ShapeError);
  });

  it('stackRows adds a leading axis', () => {
    const s = stackRows([Tensor.float32([2], [1, 2]), Tensor.float32([2], [3, 4])]);
    expect(s.shape).toEqual([2, 2]);
    expect([...s.data]).toEqual([1, 2, 3, 4]);
  });

  it('repeatRows tiles, repeatEachRow interleaves', () => {
    expect([...repeatRows(sliceRows(t, 0, 2), 3).data]).toEqual([0, 1, 10, 11, 0, 1]);
    expect([...repeatEachRow(sliceRows(t, 0, 2), 2).data]).toEqual([0, 1, 0, 1, 10, 11, 10, 11]);
  });

  it('selectAxis1 picks one index of axis 1 per row', () => {
    const ws = Tensor.float32([2, 3, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const w = selectAxis1(ws, 1);
    expect(w.shape).toEqual([2, 2]);
    expect([...w.data]).toEqual([2, 3, 8, 9]);
    expect(() => selectAxis1(ws, 3)).toThrow(ShapeError);
  });
});
