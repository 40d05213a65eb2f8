import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from './npy.js';

const fixtures = join(import.meta.dirname, '../../test/formats/fixtures');
const load = (name: string) => readNpy(readFileSync(join(fixtures, name)), { file: name });
/** The C-order values numpy computed for `a` in make_fixtures.py: arange(24).reshape(2,3,4)/8 - 1. */
const a = Array.from({ length: 24 }, (_, i) => i / 8 - 1);

describe('readNpy (files written by numpy)', () => {
  it('transposes Fortran-order data to C order', () => {
    const t = load('f4_fortran.npy');
    expect(t.shape).toEqual([2, 3, 4]);
    expect([...(t.data as Float32Array)]).toEqual(a);
  });
  it('converts big-endian float64', () => {
    const t = load('f8_bigendian.npy');
    expect(t.dtype).toBe('float64');
    expect([...(t.data as Float64Array)]).toEqual(a);
  });
  it('reads header versions 2.0 and 3.0', () => {
    expect([...(load('v2.npy').data as Float32Array)]).toEqual(a);
    expect([...(load('v3.npy').data as Float32Array)]).toEqual(a);
  });
  it('reads int64, uint8, bool, float16, scalars and empty arrays', () => {
    expect([...(load('i8.npy').data as BigInt64Array)]).toEqual([-(2n ** 40n), 7n, 3n, 2n ** 52n]);
    expect(load('u1.npy')).toMatchObject({ dtype: 'uint8', shape: [5] });
    expect([...load('b1.npy').data]).toEqual([1, 0, 1]);
    expect([...load('f2.npy').toFloat32().data]).toEqual([1.5, -2, 65504, 2 ** -24]);
    const s = load('scalar_f4.npy');
    expect(s.shape).toEqual([]);
    expect(s.data[0]).toBe(3.25);
    expect(load('empty_f4.npy').shape).toEqual([0, 3]);
  });
  it('refuses object and structured arrays clearly', () => {
    expect(() => load('object.npy')).toThrow(/object\.npy: object arrays need pickle/);
    expect(() => load('structured.npy')).toThrow(/structured\.npy: structured dtype/);
  });
});

describe('writeNpy', () => {
  it('writes what numpy.save writes, byte for byte', () => {
    for (const name of ['i8.npy', 'u1.npy', 'b1.npy', 'f2.npy', 'scalar_f4.npy', 'empty_f4.npy']) {
      const bytes = new Uint8Array(readFileSync(join(fixtures, name)));
      expect(writeNpy(readNpy(bytes)), name).toEqual(bytes);
    }
  });
  it('round-trips every dtype', () => {
    const tensors = [
      Tensor.float32([2, 2], [1, 2, 3, 4]),
      Tensor.float64([3], [0.1, 0.2, 0.3]),
      Tensor.int64([2], [1n, -1n]),
      new Tensor('int32', [2], Int32Array.from([-5, 6])),
      new Tensor('float16', [1], Uint16Array.from([0x3c00])),
      new Tensor('uint8', [2, 1], Uint8Array.from([1, 255])),
      new Tensor('bool', [1], Uint8Array.from([1])),
    ];
    for (const t of tensors) {
      const back = readNpy(writeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect([...back.data]).toEqual([...t.data]);
    }
  });
  it('keeps the data 64-byte aligned', () => {
    for (const shape of [[1], [7, 3], [100000, 2], [1, 2, 3, 4, 5, 6]]) {
      const bytes = writeNpy(Tensor.zeros('float32', shape));
      expect((bytes.length - shape.reduce((x, y) => x * y, 4)) % 64).toBe(0);
    }
  });
});

describe('readNpy: malformed files', () => {
  const good = writeNpy(Tensor.float32([2, 3], [1, 2, 3, 4, 5, 6]));
  const patchHeader = (from: string, to: string) => {
    const text = new TextDecoder('latin1').decode(good);
    return Uint8Array.from(text.replace(from, to.padEnd(from.length)), (c) => c.charCodeAt(0));
  };
  it('bad magic, versions and truncation', () => {
    expect(() => readNpy(new TextEncoder().encode('hello world!'), { file: 'x.npy' })).toThrow(
      /x\.npy: not an \.npy file/,
    );
    const v9 = good.slice();
    v9[6] = 9;
    expect(() => readNpy(v9)).toThrow(/unsupported \.npy version 9/);
    for (let n = 0; n < good.length; n++) expect(() => readNpy(good.subarray(0, n))).toThrow(FormatError);
    expect(() => readNpy(new Uint8Array([...good, 0]))).toThrow(/needs 24 data bytes, file has 25/);
  });
  it('headers that lie or do not parse', () => {
    expect(() => readNpy(patchHeader("'shape': (2, 3)", "'shape': (9, 3)"))).toThrow(
      /shape \(9, 3\) needs 108 data bytes, file has 24/,
    );
    expect(() => readNpy(patchHeader("'shape': (2, 3)", "'shape': (-2, 3)"))).toThrow(/bad shape/);
    expect(() => readNpy(patchHeader("'<f4'", "'<c8'"))).toThrow(/unsupported numpy dtype "<c8"/);
    expect(() => readNpy(patchHeader('False', '__import__'))).toThrow(/bad \.npy header/);
    expect(() => readNpy(patchHeader("'shape': (2, 3)", "'shape': ((((("))).toThrow(/bad \.npy header/);
    const hugeLen = good.slice();
    new DataView(hugeLen.buffer).setUint16(8, 0xffff, true);
    expect(() => readNpy(hugeLen)).toThrow(/truncated \.npy header \(65535 bytes declared\)/);
  });
});
