import { allocate, type AnyTypedArray, type DType, type TypedArrayOf } from './dtype.js';
import { DTypeError, ShapeError } from './errors.js';
import { formatShape, type Shape, sizeOf } from './shape.js';

/** A host tensor: a typed array in row-major order plus its shape. Immutable by convention. */
export class Tensor<D extends DType = DType> {
  readonly shape: readonly number[];

  constructor(
    readonly dtype: D,
    shape: Shape,
    readonly data: TypedArrayOf[D],
  ) {
    this.shape = Object.freeze([...shape]);
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new ShapeError(`Tensor: shape ${formatShape(shape)} needs ${n} elements, data has ${data.length}`);
    }
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  static zeros<D extends DType>(dtype: D, shape: Shape): Tensor<D> {
    return new Tensor(dtype, shape, allocate(dtype, sizeOf(shape)));
  }

  static float32(shape: Shape, data?: ArrayLike<number>): Tensor<'float32'> {
    const t = Tensor.zeros('float32', shape);
    if (data) t.data.set(data);
    return t;
  }

  static float64(shape: Shape, data?: ArrayLike<number>): Tensor<'float64'> {
    const t = Tensor.zeros('float64', shape);
    if (data) t.data.set(data);
    return t;
  }

  static int64(shape: Shape, data: ArrayLike<number | bigint>): Tensor<'int64'> {
    const t = Tensor.zeros('int64', shape);
    for (let i = 0; i < data.length; i++) t.data[i] = BigInt(data[i]);
    return t;
  }

  static scalar(value: number, dtype: 'float32' | 'float64' = 'float32'): Tensor<'float32' | 'float64'> {
    return dtype === 'float32' ? Tensor.float32([], [value]) : Tensor.float64([], [value]);
  }

  /** The single value of a one-element tensor, as a number (like torch's item()). */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor ${this.describe()} has ${this.size} elements`);
    return Number(this.data[0]);
  }

  /** The data of a float32 tensor, typed (throws for other dtypes). */
  get f32(): Float32Array {
    if (this.dtype !== 'float32') throw new DTypeError(`expected a float32 tensor, got ${this.describe()}`);
    return this.data as Float32Array;
  }

  /** Same data, new shape (no copy). */
  reshape(shape: Shape): Tensor<D> {
    return new Tensor(this.dtype, shape, this.data);
  }

  /** Float data as float32, converting float64 (and float16 bits) when needed. */
  toFloat32(): Tensor<'float32'> {
    if (this.dtype === 'float32') return this as unknown as Tensor<'float32'>;
    if (this.dtype === 'float64') return new Tensor('float32', this.shape, Float32Array.from(this.data as Float64Array));
    if (this.dtype === 'float16') return new Tensor('float32', this.shape, halfToFloat32(this.data as Uint16Array));
    throw new DTypeError(`Tensor.toFloat32: cannot convert ${this.dtype}`);
  }

  toFloat64(): Tensor<'float64'> {
    if (this.dtype === 'float64') return this as unknown as Tensor<'float64'>;
    return new Tensor('float64', this.shape, Float64Array.from(this.toFloat32().data));
  }

  clone(): Tensor<D> {
    return new Tensor(this.dtype, this.shape, this.data.slice() as TypedArrayOf[D]);
  }

  describe(): string {
    return `${this.dtype}${formatShape(this.shape)}`;
  }
}

// Row operations: axis 0 is the batch. Every result is a fresh copy with the input's dtype.

/** Elements in one row (everything after axis 0). */
function rowSize(t: Tensor): number {
  if (t.rank === 0) throw new ShapeError(`row operation on a scalar ${t.describe()}`);
  return t.shape.slice(1).reduce((p, d) => p * d, 1);
}

/** Copies `count` rows of `size` elements from row `from` of `src` to row `to` of `dst` (same dtype). */
function copyRows(dst: AnyTypedArray, to: number, src: AnyTypedArray, from: number, count: number, size: number): void {
  // Both sides share one dtype; TypeScript cannot relate the two unions, so view them as one array type.
  (dst as Float64Array).set((src as Float64Array).subarray(from * size, (from + count) * size), to * size);
}

/** Rows [start, start + count) of `t` (torch's `t[start:start + count]`). */
export function sliceRows<D extends DType>(t: Tensor<D>, start: number, count = 1): Tensor<D> {
  const size = rowSize(t);
  const n = t.shape[0];
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > n) {
    throw new ShapeError(`sliceRows: rows [${start}, ${start + count}) are out of range for ${t.describe()}`);
  }
  const out = Tensor.zeros(t.dtype, [count, ...t.shape.slice(1)]);
  copyRows(out.data, 0, t.data, start, count, size);
  return out;
}

/** The rows of `t` at `rows`, in that order, repeats allowed (torch's `index_select(0, rows)`). */
export function takeRows<D extends DType>(t: Tensor<D>, rows: readonly number[]): Tensor<D> {
  const size = rowSize(t);
  const n = t.shape[0];
  const out = Tensor.zeros(t.dtype, [rows.length, ...t.shape.slice(1)]);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= n) throw new ShapeError(`takeRows: row ${r} is out of range for ${t.describe()}`);
    copyRows(out.data, i, t.data, r, 1, size);
  });
  return out;
}

/** Joins tensors along axis 0; all must share dtype and the shape after axis 0 (torch's `cat(parts, 0)`). */
export function concatRows<D extends DType>(parts: readonly Tensor<D>[]): Tensor<D> {
  if (parts.length === 0) throw new ShapeError('concatRows: no tensors to join');
  const [first] = parts;
  const rest = first.shape.slice(1);
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.rank !== first.rank || p.shape.some((d, i) => i > 0 && d !== first.shape[i])) {
      throw new ShapeError(`concatRows: cannot join ${p.describe()} to ${first.describe()} along axis 0`);
    }
  }
  const out = Tensor.zeros(first.dtype, [parts.reduce((s, p) => s + p.shape[0], 0), ...rest]);
  let at = 0;
  for (const p of parts) {
    copyRows(out.data, at, p.data, 0, p.shape[0], rowSize(p));
    at += p.shape[0];
  }
  return out;
}

/** Stacks equal-shaped tensors along a new axis 0 (torch's `stack(parts, 0)`). */
export function stackRows<D extends DType>(parts: readonly Tensor<D>[]): Tensor<D> {
  if (parts.length === 0) throw new ShapeError('stackRows: no tensors to stack');
  return concatRows(parts.map((p) => p.reshape([1, ...p.shape])));
}

/** `n` rows cycling through the rows of `t`: row i is row i mod N (a [1, ...] tensor tiled n times). */
export function repeatRows<D extends DType>(t: Tensor<D>, n: number): Tensor<D> {
  const rows = t.shape[0];
  if (rows === 0 && n > 0) throw new ShapeError(`repeatRows: no rows to repeat in ${t.describe()}`);
  return takeRows(t, Array.from({ length: n }, (_, i) => i % rows));
}

/** Each row of `t` repeated `k` times in place (torch's `repeat_interleave(k, 0)`). */
export function repeatEachRow<D extends DType>(t: Tensor<D>, k: number): Tensor<D> {
  return takeRows(t, Array.from({ length: t.shape[0] * k }, (_, i) => Math.floor(i / k)));
}

/** Index `index` of axis 1: [N, K, ...rest] -> [N, ...rest] (torch's `t[:, index]`, e.g. the first w of each W+ code). */
export function selectAxis1<D extends DType>(t: Tensor<D>, index: number): Tensor<D> {
  if (t.rank < 2 || !Number.isInteger(index) || index < 0 || index >= t.shape[1]) {
    throw new ShapeError(`selectAxis1: index ${index} is out of range for ${t.describe()}`);
  }
  const [n, k, ...rest] = t.shape;
  const size = rest.reduce((p, d) => p * d, 1);
  const out = Tensor.zeros(t.dtype, [n, ...rest]);
  for (let i = 0; i < n; i++) copyRows(out.data, i, t.data, i * k + index, 1, size);
  return out;
}

/** IEEE half bits to float32, exact. */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** float32 to IEEE half bits, round to nearest even. */
export function float32ToHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (((x >>> 23) & 0xff) === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    if (exp >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (exp <= 0) {
      if (exp < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - exp;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (exp << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    out[i] = sign | h;
  }
  return out;
}
