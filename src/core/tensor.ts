import { allocate, type DType, type TypedArrayOf } from './dtype.js';
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
