import { writeZip } from '../../src/formats/zipWrite.js';

/**
 * Hand-assembles pickle byte streams for tests, opcode by opcode, so malicious and edge-case
 * inputs can be built without Python. Methods mirror the opcode names in pickletools.
 */
export class PickleBytes {
  private readonly out: number[] = [];

  raw(...bytes: (number | Uint8Array)[]): this {
    for (const b of bytes) {
      if (typeof b === 'number') this.out.push(b);
      else this.out.push(...b);
    }
    return this;
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  private text(s: string): Uint8Array {
    return new TextEncoder().encode(s);
  }

  proto(n: number): this {
    return this.raw(0x80, n);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.raw(0x4a, ...this.u32(n));
    return this.long1(BigInt(n));
  }
  /** LONG1 with little-endian two's-complement bytes. */
  long1(v: bigint): this {
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      const b = Number(x & 0xffn);
      bytes.push(b);
      x >>= 8n;
      if ((x === 0n && !(b & 0x80)) || (x === -1n && b & 0x80)) break;
    }
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, b);
  }
  str(s: string): this {
    const b = this.text(s);
    return this.raw(0x58, ...this.u32(b.length), b);
  }
  shortStr(s: string): this {
    const b = this.text(s);
    return this.raw(0x8c, b.length, b);
  }
  bytes(b: Uint8Array): this {
    return this.raw(0x42, ...this.u32(b.length), b);
  }
  /** GLOBAL 'module\nname\n' (protocols 0–3). */
  global(module: string, name: string): this {
    return this.raw(0x63, this.text(`${module}\n${name}\n`));
  }
  /** STACK_GLOBAL from two pushed strings (protocol 4+). */
  stackGlobal(module: string, name: string): this {
    return this.shortStr(module).shortStr(name).raw(0x93);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tupleN(n: 0 | 1 | 2 | 3): this {
    return this.raw(n === 0 ? 0x29 : 0x84 + n);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  emptySet(): this {
    return this.raw(0x8f);
  }
  additems(): this {
    return this.raw(0x90);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  binput(i: number): this {
    return this.raw(0x71, i);
  }
  binget(i: number): this {
    return this.raw(0x68, i);
  }
  memoize(): this {
    return this.raw(0x94);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  /** An int tuple (size or stride). */
  ints(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  /** `collections.OrderedDict()` via REDUCE. */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').tupleN(0).reduce();
  }
  /** `_rebuild_tensor_v2(<persistent storage>, offset, size, stride, False, OrderedDict())`. */
  tensorV2(
    storage: (p: this) => void,
    offset: number,
    size: readonly number[],
    stride: readonly number[],
  ): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    storage(this);
    return this.int(offset).ints(size).ints(stride).bool(false).orderedDict().tuple().reduce();
  }
  /** A zip-format persistent id ('storage', torch.<type>, key, 'cpu', numel) + BINPERSID. */
  zipStorage(type: string, key: string, numel: number): this {
    return this.mark()
      .str('storage')
      .global('torch', type)
      .str(key)
      .str('cpu')
      .int(numel)
      .tuple()
      .binpersid();
  }
  /** A legacy persistent id ('storage', torch.<type>, key, 'cpu', numel, view) + BINPERSID. */
  legacyStorage(type: string, key: string, numel: number, view?: [string, number, number]): this {
    this.mark().str('storage').global('torch', type).str(key).str('cpu').int(numel);
    if (view) this.str(view[0]).int(view[1]).int(view[2]).tupleN(3);
    else this.none();
    return this.tuple().binpersid();
  }

  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export const pickle = () => new PickleBytes();

/** A torch zip checkpoint from data.pkl bytes and storage records. */
export function torchZip(
  dataPkl: Uint8Array,
  storages: Record<string, Uint8Array>,
  prefix = 'archive',
): Uint8Array {
  return writeZip([
    { name: `${prefix}/data.pkl`, data: dataPkl },
    { name: `${prefix}/byteorder`, data: new TextEncoder().encode('little') },
    ...Object.entries(storages).map(([k, data]) => ({ name: `${prefix}/data/${k}`, data })),
    { name: `${prefix}/version`, data: new TextEncoder().encode('3\n') },
  ]);
}

/** A legacy torch.save stream: magic, protocol, sys_info, main pickle, keys, raw storages. */
export function legacyTorch(
  main: Uint8Array,
  storages: [key: string, numel: number, data: Uint8Array][],
  littleEndian = true,
): Uint8Array {
  const magic = pickle().proto(2).long1(0x1950a86a20f9469cfc6cn).stop().done();
  const protocol = pickle().proto(2).int(1001).stop().done();
  const sysInfo = pickle()
    .proto(2)
    .emptyDict()
    .mark()
    .str('protocol_version')
    .int(1001)
    .str('little_endian')
    .bool(littleEndian)
    .setitems()
    .stop()
    .done();
  const keys = pickle().proto(2).emptyList().mark();
  for (const [k] of storages) keys.str(k);
  const keyBytes = keys.appends().stop().done();
  const parts: Uint8Array[] = [magic, protocol, sysInfo, main, keyBytes];
  for (const [, numel, data] of storages) {
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigInt64(0, BigInt(numel), littleEndian);
    parts.push(n, data);
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Little-endian bytes of float32 values. */
export function f32(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
