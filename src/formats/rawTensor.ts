import { type AnyTypedArray, allocate, BYTES_PER_ELEMENT, type DType } from '../core/dtype.js';
import { FormatError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/**
 * Element encodings found in checkpoint files, named as numpy spells them (bf16 for bfloat16).
 * Kinds without an exact library dtype widen losslessly on read: bf16 → float32,
 * i1/i2/u2 → int32, u4 → int64.
 */
export type RawKind = 'f2' | 'bf16' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'b1';

export const RAW_ITEMSIZE: Readonly<Record<RawKind, number>> = {
  f2: 2,
  bf16: 2,
  f4: 4,
  f8: 8,
  i1: 1,
  i2: 2,
  i4: 4,
  i8: 8,
  u1: 1,
  u2: 2,
  u4: 4,
  b1: 1,
};

/** The library dtype each raw kind is read into. */
export const RAW_DTYPE: Readonly<Record<RawKind, DType>> = {
  f2: 'float16',
  bf16: 'float32',
  f4: 'float32',
  f8: 'float64',
  i1: 'int32',
  i2: 'int32',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'int32',
  u4: 'int64',
  b1: 'bool',
};

/** The raw kind a library dtype is written as (little-endian). */
export const DTYPE_RAW: Readonly<Record<DType, RawKind>> = {
  float16: 'f2',
  float32: 'f4',
  float64: 'f8',
  int32: 'i4',
  int64: 'i8',
  uint8: 'u1',
  bool: 'b1',
};

/**
 * A plain Uint8Array view of the same memory. Node Buffers are Uint8Arrays whose `slice`
 * shares memory; viewing them this way keeps `slice` a copy everywhere in formats/.
 */
export function asBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Maps a numpy type code without byte-order prefix ('f4', 'i8', 'b1'...) to a raw kind. */
export function rawKindFromNumpy(code: string): RawKind | undefined {
  return code in RAW_ITEMSIZE && code !== 'bf16' ? (code as RawKind) : undefined;
}

/**
 * Decodes `count` elements of `kind` from `bytes` into a fresh, aligned typed array.
 * `bytes` must hold at least count × itemsize bytes; `what` names the data in errors.
 */
export function decodeRaw(
  bytes: Uint8Array,
  kind: RawKind,
  count: number,
  what: string,
  bigEndian = false,
): { dtype: DType; data: AnyTypedArray } {
  if (!HOST_LITTLE_ENDIAN) throw new FormatError('decodeRaw: big-endian hosts are not supported');
  const size = RAW_ITEMSIZE[kind];
  const nbytes = count * size;
  if (!Number.isSafeInteger(nbytes) || nbytes > bytes.length) {
    throw new FormatError(
      `${what}: needs ${nbytes} bytes for ${count} × ${kind}, only ${bytes.length} available`,
    );
  }
  const copy = new Uint8Array(bytes.subarray(0, nbytes));
  if (bigEndian && size > 1) {
    for (let i = 0; i < nbytes; i += size) copy.subarray(i, i + size).reverse();
  }
  const buf = copy.buffer;
  const dtype = RAW_DTYPE[kind];
  switch (kind) {
    case 'f2':
      return { dtype, data: new Uint16Array(buf) };
    case 'f4':
      return { dtype, data: new Float32Array(buf) };
    case 'f8':
      return { dtype, data: new Float64Array(buf) };
    case 'i4':
      return { dtype, data: new Int32Array(buf) };
    case 'i8':
      return { dtype, data: new BigInt64Array(buf) };
    case 'u1':
    case 'b1':
      return { dtype, data: copy };
    case 'bf16': {
      const src = new Uint16Array(buf);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return { dtype, data: new Float32Array(bits.buffer) };
    }
    case 'i1':
      return { dtype, data: Int32Array.from(new Int8Array(buf)) };
    case 'i2':
      return { dtype, data: Int32Array.from(new Int16Array(buf)) };
    case 'u2':
      return { dtype, data: Int32Array.from(new Uint16Array(buf)) };
    case 'u4': {
      const src = new Uint32Array(buf);
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(src[i]);
      return { dtype, data: out };
    }
  }
}

/** A tensor from raw little-endian (or big-endian) element bytes. */
export function tensorFromRaw(
  bytes: Uint8Array,
  kind: RawKind,
  shape: Shape,
  what: string,
  bigEndian = false,
): Tensor {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new FormatError(`${what}: bad dimension ${d} in shape [${shape.join(',')}]`);
    count *= d;
  }
  const { dtype, data } = decodeRaw(bytes, kind, count, what, bigEndian);
  return new Tensor(dtype, shape, data);
}

/** The tensor's elements as little-endian bytes (a view when possible, no copy). */
export function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, t.size * BYTES_PER_ELEMENT[t.dtype]);
}

/**
 * Copies a strided view (element offset and strides into `src`) into a new contiguous
 * row-major array. The caller has checked that every index lies inside `src`.
 */
export function gatherStrided<D extends DType>(
  dtype: D,
  src: AnyTypedArray,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): AnyTypedArray {
  let n = 1;
  for (const d of shape) n *= d;
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let pos = offset;
  const s = src as unknown as ArrayLike<number | bigint>;
  const o = out as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    o[i] = s[pos];
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      pos += strides[ax];
      if (idx[ax] < shape[ax]) break;
      pos -= strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}
