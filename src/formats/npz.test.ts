import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { readNpz, writeNpz } from './npz.js';
import { writeZip } from './zipWrite.js';

const fixtures = join(import.meta.dirname, '../../test/formats/fixtures');
const a = Array.from({ length: 24 }, (_, i) => i / 8 - 1);

describe('readNpz', () => {
  it('reads numpy.savez (stored) archives', () => {
    const m = readNpz(readFileSync(join(fixtures, 'savez.npz')));
    expect([...m.keys()]).toEqual(['a', 'b']);
    expect([...(m.get('a')!.data as Float32Array)]).toEqual(a);
    expect([...(m.get('b')!.data as BigInt64Array)]).toEqual([0n, 1n, 2n]);
  });
  it('reads numpy.savez_compressed (deflate) archives', () => {
    const m = readNpz(readFileSync(join(fixtures, 'savez_compressed.npz')));
    const ramp = m.get('ramp')!.data as Float32Array;
    expect(ramp.length).toBe(1000);
    expect(ramp[999]).toBe(1);
    expect(ramp[1]).toBeCloseTo(1 / 999, 7);
  });
  it('names the member in errors', () => {
    const bad = writeZip([{ name: 'w.npy', data: new Uint8Array(20) }]);
    expect(() => readNpz(bad, { file: 'x.npz' })).toThrow(/x\.npz:w\.npy: not an \.npy file/);
    expect(() => readNpz(writeZip([{ name: 'readme', data: new Uint8Array(1) }]))).toThrow(FormatError);
  });
});

describe('writeNpz', () => {
  it('round-trips stored and compressed archives', () => {
    const arrays = { w: Tensor.float32([2, 2], [1, 2, 3, 4]), n: Tensor.int64([1], [5n]) };
    for (const compress of [false, true]) {
      const m = readNpz(writeNpz(arrays, { compress }));
      expect([...m.keys()]).toEqual(['w', 'n']);
      expect([...(m.get('w')!.data as Float32Array)]).toEqual([1, 2, 3, 4]);
      expect(m.get('n')!.data[0]).toBe(5n);
    }
  });
});
