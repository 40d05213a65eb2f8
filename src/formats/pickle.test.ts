import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickle } from '../../test/formats/pickleBytes.js';
import { CheckpointError } from '../core/errors.js';
import { readPickle, unpickle } from './pickle.js';
import { skipPickle } from './pickleOps.js';
import { PYTHON_GLOBALS } from './pythonGlobals.js';
import { isTuple, PyDict, PyObject, type PyValue, toPlain } from './pyValue.js';

const fixtures = join(import.meta.dirname, '../../test/formats/fixtures');
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function refused(data: Uint8Array, pattern: RegExp, globals = PYTHON_GLOBALS): void {
  let error: unknown;
  try {
    readPickle(data, { file: 'evil.pkl', globals });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).toMatch(/^evil\.pkl: /);
}

describe('readPickle: plain data in every protocol', () => {
  const streams = JSON.parse(readFileSync(join(fixtures, 'py_protocols.json'), 'utf8')) as Record<
    string,
    string
  >;
  for (const [protocol, bytes] of Object.entries(streams)) {
    it(`protocol ${protocol} (written by CPython)`, () => {
      const v = readPickle(hex(bytes), { globals: PYTHON_GLOBALS }) as PyDict;
      expect(v).toBeInstanceOf(PyDict);
      expect(toPlain(v.get('a') as PyValue)).toEqual([1, 2.5, 'x', null, true, false]);
      expect(v.get('big')).toBe(2n ** 70n);
      expect(v.get('neg')).toBe(-5);
      expect(v.get('negbig')).toBe(-(2n ** 65n));
      expect(v.get('i32')).toBe(-70000);
      expect(v.get('b')).toEqual(Uint8Array.from([0, 255]));
      expect(v.get('ba')).toEqual(Uint8Array.from([1, 2]));
      const t = v.get('t') as PyValue[];
      expect(isTuple(t)).toBe(true);
      expect(toPlain(t)).toEqual([1, [2], []]);
      expect(v.get('s')).toEqual(new Set([1, 2]));
      expect(v.get('fs')).toEqual(new Set([3]));
      expect(v.get('u')).toBe('üñ€\n\'"\\');
      expect(toPlain(v.get('nested') as PyValue)).toEqual([[1], [2]]);
      expect(v.get('f')).toBe(-1.25e-7);
      expect(v.get('inf')).toBe(Number.POSITIVE_INFINITY);
    });
  }

  it('reports where the pickle ends, and skipPickle agrees without running it', () => {
    const one = pickle().proto(2).int(7).stop().done();
    const two = new Uint8Array([...one, ...pickle().proto(2).str('next').stop().done()]);
    const r = unpickle(two);
    expect(r).toMatchObject({ value: 7, end: one.length, protocol: 2 });
    expect(skipPickle(two, 0, 'x')).toBe(one.length);
    expect(unpickle(two, { start: r.end }).value).toBe('next');
  });

  it('shares memoised objects and tolerates cycles', () => {
    const data = pickle().proto(2).emptyList().binput(0).binget(0).append().stop().done();
    const v = readPickle(data) as PyValue[];
    expect(v[0]).toBe(v);
    expect(toPlain(v)).toEqual(['<cycle>']);
  });

  it('keeps OrderedDict order and its _metadata attribute (BUILD on a dict)', () => {
    const data = pickle()
      .proto(2)
      .orderedDict()
      .mark()
      .str('z')
      .int(1)
      .str('a')
      .int(2)
      .setitems()
      .emptyDict()
      .str('_metadata')
      .emptyDict()
      .setitem()
      .build()
      .stop()
      .done();
    const d = readPickle(data, { globals: PYTHON_GLOBALS }) as PyDict;
    expect([...d.keys()]).toEqual(['z', 'a']);
    expect(d.pyClass).toBe('collections.OrderedDict');
    expect(d.attrs?.get('_metadata')).toBeInstanceOf(PyDict);
  });

  it('builds allow-listed classes as data objects with their state', () => {
    const data = pickle()
      .proto(4)
      .stackGlobal('argparse', 'Namespace')
      .tupleN(0)
      .newobj()
      .emptyDict()
      .str('size')
      .int(256)
      .setitem()
      .build()
      .stop()
      .done();
    const o = readPickle(data, { globals: PYTHON_GLOBALS }) as PyObject;
    expect(o).toBeInstanceOf(PyObject);
    expect(o.qualifiedName).toBe('argparse.Namespace');
    expect(o.attrs.get('size')).toBe(256);
  });
});

describe('readPickle: refuses code execution', () => {
  const marker = join(tmpdir(), `latentlab-pwned-${process.pid}`);

  it('GLOBAL os.system + REDUCE (protocol 0 text)', () => {
    refused(latin1(`cos\nsystem\n(S'touch ${marker}'\ntR.`), /refusing global 'os\.system'/);
    expect(existsSync(marker)).toBe(false);
  });
  it('builtins.eval via STACK_GLOBAL', () => {
    const data = pickle()
      .proto(4)
      .stackGlobal('builtins', 'eval')
      .str('1+1')
      .tupleN(1)
      .reduce()
      .stop()
      .done();
    refused(data, /refusing global 'builtins\.eval'/);
  });
  it('Python 2 __builtin__.eval maps to builtins.eval and is refused', () => {
    refused(
      pickle().proto(2).global('__builtin__', 'eval').stop().done(),
      /refusing global 'builtins\.eval'/,
    );
  });
  it('subprocess.Popen', () => {
    const data = pickle()
      .proto(2)
      .global('subprocess', 'Popen')
      .mark()
      .str('id')
      .tuple()
      .tupleN(1)
      .reduce()
      .stop()
      .done();
    refused(data, /refusing global 'subprocess\.Popen'/);
  });
  it('posix.system, nt.system, builtins.getattr, builtins.exec', () => {
    for (const [m, n] of [
      ['posix', 'system'],
      ['nt', 'system'],
      ['builtins', 'getattr'],
      ['builtins', 'exec'],
      ['torch', 'load'],
    ]) {
      refused(
        pickle().proto(2).global(m, n).str('x').tupleN(1).reduce().stop().done(),
        new RegExp(`'${m}\\.${n}'`),
      );
    }
  });
  it('the refusal happens at the global, before any call', () => {
    // The global is never called, so an unbalanced stack after it does not matter.
    refused(pickle().proto(2).global('os', 'system').stop().done(), /refusing global 'os\.system'/);
  });
  it('names that are not identifiers', () => {
    refused(pickle().proto(4).stackGlobal('os; rm -rf', 'x').stop().done(), /not a valid name/);
    refused(pickle().proto(4).stackGlobal('collections', '__class__.x ').stop().done(), /not a valid name/);
  });
  it('an allowed data global cannot be used to smuggle calls', () => {
    // OrderedDict(os.system) — the inner global is refused regardless of the outer one.
    const data = pickle()
      .proto(2)
      .global('collections', 'OrderedDict')
      .global('os', 'system')
      .tupleN(1)
      .reduce()
      .stop()
      .done();
    refused(data, /refusing global 'os\.system'/);
  });
  it('refuses persistent ids unless the caller handles them', () => {
    refused(pickle().proto(2).str('x').binpersid().stop().done(), /persistent ids are not allowed/);
  });
});

describe('readPickle: malformed and hostile streams', () => {
  const valid = hex(
    (JSON.parse(readFileSync(join(fixtures, 'py_protocols.json'), 'utf8')) as Record<string, string>)['4'],
  );

  it('every truncation of a valid pickle fails with CheckpointError', () => {
    for (let n = 0; n < valid.length; n++) {
      expect(() => readPickle(valid.subarray(0, n), { globals: PYTHON_GLOBALS }), `cut at ${n}`).toThrow(
        CheckpointError,
      );
    }
  });

  it('random corruption either parses or fails with CheckpointError', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const bad = valid.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++)
        bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      try {
        readPickle(bad, { globals: PYTHON_GLOBALS });
      } catch (err) {
        expect(err, `trial ${trial}`).toBeInstanceOf(CheckpointError);
      }
    }
  });

  it('length prefixes larger than the input are refused without allocating', () => {
    refused(
      pickle().proto(3).raw(0x42, 0xff, 0xff, 0xff, 0x7f).done(),
      /truncated: BINBYTES needs 2147483647 bytes/,
    );
    refused(
      pickle().proto(4).raw(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40).done(),
      /BINBYTES8 claims 4611686018427387904 bytes/,
    );
    refused(
      pickle().proto(4).raw(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).done(),
      /BINUNICODE8 claims/,
    );
    refused(pickle().proto(2).raw(0x8b, 0xff, 0xff, 0xff, 0x7f).done(), /truncated: LONG4/);
    refused(
      pickle().proto(4).raw(0x95, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0).stop().done(),
      /frame of 4294967295 bytes/,
    );
  });

  it('limits integer size, nesting and memo', () => {
    const bigLong = pickle()
      .proto(2)
      .raw(0x8b, 0x00, 0x10, 0, 0, ...new Uint8Array(4096))
      .stop()
      .done();
    refused(bigLong, /exceeds the 1024-byte limit/);
    const deep = pickle().proto(2);
    for (let i = 0; i < 1001; i++) deep.mark();
    refused(deep.stop().done(), /nesting deeper than 1000/);
    const memo = pickle().proto(4).none();
    for (let i = 0; i < 11; i++) memo.memoize();
    expect(() => readPickle(memo.stop().done(), { maxMemo: 10, file: 'm' })).toThrow(
      /memo exceeds 10 entries/,
    );
  });

  it('stack and memo misuse', () => {
    refused(pickle().proto(2).stop().done(), /STOP: stack underflow/);
    refused(pickle().proto(2).binget(3).stop().done(), /memo entry 3 is not defined/);
    refused(pickle().proto(2).tuple().stop().done(), /no MARK/);
    refused(pickle().proto(2).int(1).tupleN(1).int(2).append().stop().done(), /cannot append to tuple/);
    refused(pickle().proto(2).int(1).int(2).reduce().stop().done(), /cannot call int/);
    refused(pickle().proto(6).done(), /unsupported protocol 6/);
    refused(pickle().proto(2).raw(0xff).done(), /unknown opcode 0xff/);
    refused(pickle().proto(5).raw(0x97).done(), /out-of-band buffers/);
    refused(pickle().proto(2).raw(0x82, 1).done(), /extension registry/);
  });

  it('an allow-listed value-only global cannot be called', () => {
    const table = { 'torch.FloatStorage': {} };
    refused(
      pickle().proto(2).global('torch', 'FloatStorage').tupleN(0).reduce().stop().done(),
      /allowed only as a value/,
      table,
    );
  });
});
