import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickle } from '../../test/formats/pickleBytes.js';
import { CheckpointError } from '../core/errors.js';
import { asTensor, NUMPY_GLOBALS } from './numpyPickle.js';
import { readPickle } from './pickle.js';
import { PYTHON_GLOBALS } from './pythonGlobals.js';
import type { PyDict } from './pyValue.js';

const fixtures = join(import.meta.dirname, '../../test/formats/fixtures');
const streams = JSON.parse(readFileSync(join(fixtures, 'numpy_pickles.json'), 'utf8')) as Record<
  string,
  string
>;
const globals = { ...PYTHON_GLOBALS, ...NUMPY_GLOBALS };

describe('numpy values in pickles (written by numpy 2)', () => {
  for (const [protocol, hex] of Object.entries(streams)) {
    it(`protocol ${protocol}: arrays (C, Fortran, big-endian, empty) and scalars`, () => {
      const v = readPickle(Uint8Array.from(Buffer.from(hex, 'hex')), { globals }) as PyDict;
      const expected = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];
      for (const key of ['a', 'f', 'be']) {
        const t = asTensor(v.get(key))!;
        expect(t.shape, key).toEqual([2, 3]);
        expect([...t.toFloat64().data], key).toEqual(expected);
      }
      expect(asTensor(v.get('be'))!.dtype).toBe('float64');
      expect(asTensor(v.get('e'))).toMatchObject({ dtype: 'int64', shape: [0, 2] });
      expect(v.get('s')).toBe(0.125);
      expect(v.get('i')).toBe(-3);
      expect(v.get('b')).toBe(true);
      expect(v.get('h')).toBe(1.5);
    });
  }

  it('refuses object arrays and unknown dtypes', () => {
    const objArray = pickle()
      .proto(2)
      .global('numpy.core.multiarray', '_reconstruct')
      .global('numpy', 'ndarray')
      .ints([0])
      .str('b')
      .tupleN(3)
      .reduce()
      .mark()
      .int(1)
      .ints([1])
      .global('numpy', 'dtype')
      .str('O8')
      .bool(false)
      .bool(true)
      .tupleN(3)
      .reduce()
      .bool(false)
      .emptyList()
      .tuple()
      .build()
      .stop()
      .done();
    expect(() => readPickle(objArray, { globals, file: 'o.pkl' })).toThrow(CheckpointError);
    expect(() => readPickle(objArray, { globals, file: 'o.pkl' })).toThrow(/object arrays are not supported/);
    const complex = pickle()
      .proto(2)
      .global('numpy.core.multiarray', 'scalar')
      .global('numpy', 'dtype')
      .str('c16')
      .bool(false)
      .bool(true)
      .tupleN(3)
      .reduce()
      .bytes(new Uint8Array(16))
      .tupleN(2)
      .reduce()
      .stop()
      .done();
    expect(() => readPickle(complex, { globals, file: 'c.pkl' })).toThrow(/unsupported numpy dtype "<c16"/);
  });
});
