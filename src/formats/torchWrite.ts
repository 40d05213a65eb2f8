import { FormatError } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { writeZip } from './zipWrite.js';

/**
 * A torch.save writer for plain data: dicts with string keys, lists, strings, numbers, booleans, None and
 * tensors, in torch's zip format (`archive/data.pkl` with protocol-2 pickle, one storage record per
 * tensor, 64-byte aligned), which `torch.load` (weights_only too) reads. Enough to hand latents to
 * rosinality / e4e scripts; models are not written this way.
 */
export type TorchWritable = null | boolean | number | string | Tensor | TorchWritable[] | { [key: string]: TorchWritable };

const STORAGE: Partial<Record<DType, string>> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

class PickleWriter {
  private readonly bytes: number[] = [];
  readonly storages: Uint8Array[] = [];
  private readonly enc = new TextEncoder();

  op(...b: number[]): void {
    for (const x of b) this.bytes.push(x);
  }
  private u32(n: number): void {
    this.op(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  str(s: string): void {
    const b = this.enc.encode(s);
    this.op(0x58); // BINUNICODE
    this.u32(b.length);
    for (const x of b) this.bytes.push(x);
  }
  global(module: string, name: string): void {
    this.op(0x63); // GLOBAL
    for (const x of this.enc.encode(`${module}\n${name}\n`)) this.bytes.push(x);
  }
  int(n: number): void {
    if (!Number.isSafeInteger(n)) throw new FormatError(`torch writer: ${n} is not a safe integer`);
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      this.op(0x4a); // BININT
      this.u32(n >>> 0);
      return;
    }
    const out: number[] = [];
    let x = BigInt(n);
    for (;;) {
      const b = Number(x & 0xffn);
      out.push(b);
      x >>= 8n;
      if ((x === 0n && !(b & 0x80)) || (x === -1n && b & 0x80)) break;
    }
    this.op(0x8a, out.length, ...out); // LONG1
  }
  float(x: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    this.op(0x47, ...b); // BINFLOAT
  }
  intTuple(values: readonly number[]): void {
    this.op(0x28); // MARK
    for (const v of values) this.int(v);
    this.op(0x74); // TUPLE
  }

  value(v: TorchWritable, path: string): void {
    if (v === null) this.op(0x4e);
    else if (typeof v === 'boolean') this.op(v ? 0x88 : 0x89);
    else if (typeof v === 'number') {
      if (Number.isInteger(v)) this.int(v);
      else this.float(v);
    } else if (typeof v === 'string') this.str(v);
    else if (v instanceof Tensor) this.tensor(v, path);
    else if (Array.isArray(v)) {
      this.op(0x5d, 0x28); // EMPTY_LIST MARK
      v.forEach((x, i) => this.value(x, `${path}[${i}]`));
      this.op(0x65); // APPENDS
    } else {
      this.op(0x7d, 0x28); // EMPTY_DICT MARK
      for (const [k, x] of Object.entries(v)) {
        this.str(k);
        this.value(x, `${path}.${k}`);
      }
      this.op(0x75); // SETITEMS
    }
  }

  /** torch._utils._rebuild_tensor_v2(persistent storage, 0, size, contiguous stride, False, OrderedDict()). */
  private tensor(t: Tensor, path: string): void {
    const type = STORAGE[t.dtype];
    if (!type) throw new FormatError(`torch writer: ${path} has dtype ${t.dtype}, which has no torch storage here`);
    const key = String(this.storages.length);
    const data = t.data as unknown as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    this.storages.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op(0x28); // MARK (args)
    this.op(0x28); // MARK (persistent id)
    this.str('storage');
    this.global('torch', type);
    this.str(key);
    this.str('cpu');
    this.int(t.size);
    this.op(0x74, 0x51); // TUPLE BINPERSID
    this.int(0);
    this.intTuple(t.shape);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.intTuple(stride);
    this.op(0x89); // False (requires_grad)
    this.global('collections', 'OrderedDict');
    this.op(0x29, 0x52); // EMPTY_TUPLE REDUCE
    this.op(0x74, 0x52); // TUPLE REDUCE
  }

  done(): Uint8Array {
    return Uint8Array.from([...this.bytes, 0x2e]);
  }
}

/** torch.save(value) bytes (zip format, archive name `archive`). */
export function writeTorchFile(value: TorchWritable): Uint8Array {
  const w = new PickleWriter();
  w.op(0x80, 2); // PROTO 2
  w.value(value, '<root>');
  const enc = new TextEncoder();
  return writeZip([
    { name: 'archive/data.pkl', data: w.done() },
    { name: 'archive/byteorder', data: enc.encode('little') },
    ...w.storages.map((data, i) => ({ name: `archive/data/${i}`, data })),
    { name: 'archive/version', data: enc.encode('3\n') },
  ]);
}
