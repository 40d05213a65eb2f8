import { describe, expect, it } from 'vitest';
import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/** A safetensors file from a header object and data bytes (no validation). */
function raw(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const expectError = (data: Uint8Array, pattern: RegExp) => {
  let error: unknown;
  try {
    readSafetensors(data, { file: 'm.safetensors' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(FormatError);
  expect((error as Error).message).toMatch(/^m\.safetensors: /);
  expect((error as Error).message).toMatch(pattern);
};

describe('safetensors', () => {
  it('round-trips tensors of every dtype with metadata', () => {
    const tensors = new Map<string, Tensor>([
      ['h', new Tensor('float16', [3], Uint16Array.from([1, 2, 3]))],
      ['w', Tensor.float32([2, 3], [1, 2, 3, 4, 5, 6])],
      ['d', Tensor.float64([], [0.5])],
      ['n', Tensor.int64([2], [1n, -1n])],
      ['i', new Tensor('int32', [1], Int32Array.from([7]))],
      ['u', new Tensor('uint8', [2], Uint8Array.from([1, 2]))],
      ['b', new Tensor('bool', [1], Uint8Array.from([1]))],
      ['e', Tensor.zeros('float32', [0, 4])],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt', source: 'latentlab' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt', source: 'latentlab' });
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      expect(r.dtype, name).toBe(t.dtype);
      expect(r.shape, name).toEqual(t.shape);
      expect([...r.data], name).toEqual([...t.data]);
    }
  });

  it('lays tensors out so each starts aligned to its element size', () => {
    const bytes = writeSafetensors({
      a: new Tensor('uint8', [3], new Uint8Array(3)),
      b: Tensor.float64([2]),
    });
    const header = JSON.parse(
      new TextDecoder().decode(
        bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))),
      ),
    );
    expect(header.b.data_offsets).toEqual([0, 16]);
    expect(header.a.data_offsets).toEqual([16, 19]);
  });

  it('reads BF16 as float32 and narrow integers as int32', () => {
    const bf = new Uint8Array(new Uint16Array([0x3f80, 0xc000]).buffer);
    const data = new Uint8Array([...bf, 0xff, 0x01]);
    const t = readSafetensors(
      raw(
        {
          x: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] },
          y: { dtype: 'I8', shape: [2], data_offsets: [4, 6] },
        },
        data,
      ),
    ).tensors;
    expect([...(t.get('x')!.data as Float32Array)]).toEqual([1, -2]);
    expect([...(t.get('y')!.data as Int32Array)]).toEqual([-1, 1]);
  });

  it('refuses headers that lie about sizes', () => {
    expectError(new Uint8Array(4), /truncated/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 10_000_000_000n, true);
    expectError(huge, /header claims 10000000000 bytes/);
    expectError(raw('not an object'), /header is not a JSON object/);
    const junk = raw({});
    junk[8] = 0xff;
    expectError(junk, /not valid UTF-8 JSON/);
  });

  it('refuses bad dtypes, shapes, offsets, overlaps and holes', () => {
    const d = new Uint8Array(16);
    const t = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
    expectError(raw({ x: t('C64', [2], [0, 16]) }, d), /tensor 'x': unsupported dtype "C64"/);
    expectError(raw({ x: t('F32', [-1], [0, 16]) }, d), /bad shape/);
    expectError(raw({ x: t('F32', [4], [0, 1e10]) }, d), /outside the 16-byte data section/);
    expectError(raw({ x: t('F32', [4], [8, 4]) }, d), /outside/);
    expectError(raw({ x: t('F32', [2, 2], [0, 8]) }, d), /needs 16 bytes, data_offsets span 8/);
    expectError(raw({ x: t('F32', [2], [0, 8]), y: t('F32', [2], [4, 12]) }, d), /'y' overlaps/);
    expectError(raw({ x: t('F32', [2], [0, 8]), y: t('F32', [1], [12, 16]) }, d), /hole before tensor 'y'/);
    expectError(raw({ x: t('F32', [2], [0, 8]) }, d), /8 bytes no tensor uses/);
    expectError(raw({ __metadata__: { a: 1 } }), /__metadata__\.a is not a string/);
  });
});
