import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { BYTES_PER_ELEMENT } from '../core/dtype.js';
import { FormatError } from '../core/errors.js';
import { ReadBudget } from './budget.js';
import { inflatePrefix } from './inflate.js';
import { Tensor } from '../core/tensor.js';

/**
 * IDX (LeCun's MNIST format, also Fashion-MNIST): two zero bytes, a type byte, a rank byte, then
 * `rank` big-endian uint32 dimensions and the big-endian data in row-major order. Files are often
 * gzipped; gzip is recognised by its magic bytes, not by the name.
 */

interface IdxType {
  name: string;
  size: number;
  dtype: 'uint8' | 'int32' | 'float32' | 'float64';
  read: (view: DataView, offset: number) => number;
}

/** Type byte → element type; int8 and int16 widen to int32 (the library has no narrower ints). */
const IDX_TYPES: Readonly<Record<number, IdxType>> = {
  8: { name: 'uint8', size: 1, dtype: 'uint8', read: (v, o) => v.getUint8(o) },
  9: { name: 'int8', size: 1, dtype: 'int32', read: (v, o) => v.getInt8(o) },
  11: { name: 'int16', size: 2, dtype: 'int32', read: (v, o) => v.getInt16(o, false) },
  12: { name: 'int32', size: 4, dtype: 'int32', read: (v, o) => v.getInt32(o, false) },
  13: { name: 'float32', size: 4, dtype: 'float32', read: (v, o) => v.getFloat32(o, false) },
  14: { name: 'float64', size: 8, dtype: 'float64', read: (v, o) => v.getFloat64(o, false) },
};

export interface IdxOptions {
  /** Name used in errors. */
  file?: string;
  /** Largest decompressed size accepted (gzip bombs); default 2 GiB. */
  maxBytes?: number;
  /** Budget for the tensor's bytes (default: derived from the file's size, see budget.ts). */
  budget?: ReadBudget;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC[0] && b[1] === GZIP_MAGIC[1];
}

/** Parses IDX bytes (raw or gzipped) into a tensor: uint8 stays uint8, signed ints read as int32. */
export function readIdx(bytes: Uint8Array, options: IdxOptions = {}): Tensor {
  const file = options.file ?? '<idx>';
  const fail = (detail: string): never => {
    throw new FormatError(`${file}: ${detail}`);
  };
  const maxBytes = options.maxBytes ?? 2 ** 31;
  const budget = options.budget ?? new ReadBudget(file, bytes.length);
  let data = bytes;
  if (isGzip(bytes)) {
    // Inflate the header first; the dimensions it declares cap (and budget) the rest.
    const head = (n: number) => inflatePrefix(bytes, n, `${file}: gzip`, 'gzip');
    const first = head(4);
    const type = IDX_TYPES[first[2]];
    const rank = first[3];
    if (first[0] !== 0 || first[1] !== 0 || !type || rank === 0) data = first;
    else {
      const header = head(4 + 4 * rank);
      const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
      let count = 1;
      for (let i = 0; i < rank; i++) count *= view.getUint32(4 + 4 * i, false);
      const expected = 4 + 4 * rank + count * type.size;
      if (expected > maxBytes)
        fail(`header declares ${expected} bytes of ${type.name} data, over the ${maxBytes}-byte limit`);
      budget.chargeTensor(count * BYTES_PER_ELEMENT[type.dtype], `IDX ${type.name} data`);
      try {
        // One byte of slack so that a longer stream shows up as trailing bytes below.
        data = gunzipSync(bytes, { maxOutputLength: expected + 1 });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          fail(`gzip stream holds more than the ${expected} bytes its IDX header declares`);
        fail(`corrupt or truncated gzip stream: ${(err as Error).message}`);
      }
    }
  }
  if (data.length < 4) fail(`truncated: ${data.length} bytes, an IDX header needs at least 4`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[0] !== 0 || data[1] !== 0) {
    const got = `0x${data[0].toString(16).padStart(2, '0')}${data[1].toString(16).padStart(2, '0')}`;
    fail(`not an IDX file: magic starts with ${got}, expected 0x0000`);
  }
  const type = IDX_TYPES[data[2]];
  if (!type) fail(`unknown IDX element type 0x${data[2].toString(16).padStart(2, '0')}`);
  const rank = data[3];
  if (rank === 0) fail('IDX rank is 0; expected at least one dimension');
  const headerSize = 4 + 4 * rank;
  if (data.length < headerSize)
    fail(`truncated header: rank ${rank} needs ${headerSize} bytes, file has ${data.length}`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerSize + count * type.size;
  if (data.length !== expected) {
    const what = data.length < expected ? 'truncated' : 'has trailing bytes';
    fail(
      `${what}: ${type.name} [${shape.join(', ')}] needs ${expected} bytes with the header, file has ${data.length}`,
    );
  }
  if (!isGzip(bytes)) budget.chargeTensor(count * BYTES_PER_ELEMENT[type.dtype], `IDX ${type.name} data`);
  if (type.dtype === 'uint8') {
    return new Tensor('uint8', shape, data.slice(headerSize, expected));
  }
  const out = Tensor.zeros(type.dtype, shape);
  const dst = out.data as Int32Array | Float32Array | Float64Array;
  for (let i = 0, o = headerSize; i < count; i++, o += type.size) dst[i] = type.read(view, o);
  return out;
}

/** Reads an IDX file (`.gz` or raw) from disk. */
export async function loadIdx(path: string, options: Omit<IdxOptions, 'file'> = {}): Promise<Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new FormatError(`${path}: cannot read: ${(err as Error).message}`);
  }
  return readIdx(bytes, { ...options, file: path });
}

/** Encodes a tensor as IDX bytes (uint8, int32, float32, float64), for tests and small exports. */
export function writeIdx(t: Tensor): Uint8Array {
  const code = { uint8: 0x08, int32: 0x0c, float32: 0x0d, float64: 0x0e }[t.dtype as string];
  if (code === undefined) throw new FormatError(`writeIdx: cannot store ${t.dtype} tensors`);
  const type = IDX_TYPES[code];
  const headerSize = 4 + 4 * t.rank;
  const out = new Uint8Array(headerSize + t.size * type.size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = t.rank;
  for (const [i, d] of t.shape.entries()) view.setUint32(4 + 4 * i, d, false);
  for (let i = 0, o = headerSize; i < t.size; i++, o += type.size) {
    const v = Number(t.data[i]);
    if (type.size === 1) view.setUint8(o, v);
    else if (code === 0x0c) view.setInt32(o, v, false);
    else if (code === 0x0d) view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}
