import { constants, crc32, deflateRawSync } from 'node:zlib';
import { legacyTorch, pickle, torchZip } from './pickleBytes.js';

/**
 * Crafted hostile files for the regression tests of issue 16, built byte by byte (no Python): each
 * is small on disk and asks a naive reader for minutes of work or gigabytes of memory.
 */

/** A list holding the previous level twice, `levels` deep through the memo: 2^levels leaves. */
function sharedLevels(p: ReturnType<typeof pickle>, levels: number, first = 0): void {
  p.emptyList().binput(first);
  for (let i = 1; i <= levels; i++) p.emptyList().mark().binget(first + i - 1).binget(first + i - 1).appends().binput(first + i);
}

/** A tuple holding the previous level three times, `levels` deep (3^levels leaves) via DUP. */
function sharedTuples(p: ReturnType<typeof pickle>, levels: number): void {
  p.int(1);
  for (let i = 0; i < levels; i++) p.raw(0x32, 0x32).tupleN(3); // DUP DUP TUPLE3
}

/** NVIDIA snapshot whose extra entry is shared 2^40 ways (toPlain used to expand it). */
export function nvidiaSharedExtras(): Uint8Array {
  const p = pickle().proto(2).emptyDict().mark().str('G');
  p.global('torch_utils.persistence', '_reconstruct_persistent_obj').emptyDict().mark();
  p.str('type').str('class').str('version').int(6).str('module_src').str('');
  p.str('class_name').str('Generator').str('state').emptyDict().mark();
  p.str('_modules').orderedDict().str('_parameters').orderedDict().str('_init_kwargs').emptyDict().mark();
  p.str('shared');
  sharedLevels(p, 40, 10);
  p.setitems().setitems().setitems().tupleN(1).reduce();
  p.str('augment_kwargs');
  sharedTuples(p, 40);
  return p.setitems().stop().done();
}

/** torch zip whose state dict has a 3^40-way shared tuple as a key (String() of it never finished). */
export function torchSharedKey(): Uint8Array {
  const p = pickle().proto(2).emptyDict();
  sharedTuples(p, 40);
  p.int(7).setitem().stop();
  return torchZip(p.done(), {});
}

/** Legacy torch stream: a dict keyed by 100,000 nested lists (String() overflowed the stack). */
export function legacyDeepNesting(depth = 100_000): Uint8Array {
  const p = pickle().proto(2).emptyDict();
  for (let i = 0; i < depth; i++) p.emptyList();
  for (let i = 1; i < depth; i++) p.append();
  p.none().setitem().stop();
  return legacyTorch(p.done(), []);
}

/** One `_rebuild_tensor_v2` call memoised and repeated: `copies` stride-0 tensors of 256 MiB each. */
export function strideZeroRepeats(copies = 12): Uint8Array {
  const p = pickle().proto(2).emptyDict().mark();
  p.global('torch._utils', '_rebuild_tensor_v2').binput(0);
  p.mark().zipStorage('FloatStorage', '0', 1).int(0).ints([2 ** 26]).ints([0]).bool(false).orderedDict().tuple().binput(1);
  for (let i = 0; i < copies; i++) p.str(`t${i}`).binget(0).binget(1).reduce();
  return torchZip(p.setitems().stop().done(), { '0': new Uint8Array(4) });
}

/** `n` deflate chunks of 1 MiB of zeros each, full-flushed (self-contained), then a final empty block. */
function zeroDeflate(mib: number): Uint8Array {
  const chunk = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const out = new Uint8Array(chunk.length * mib + 2);
  for (let i = 0; i < mib; i++) out.set(chunk, i * chunk.length);
  out.set([0x03, 0x00], chunk.length * mib); // final fixed-Huffman block holding only end-of-block
  return out;
}

/** A one-entry zip from raw deflate data (sizes as given: honest here, CRC of the real content not computed). */
function zipWithDeflated(entries: { name: string; data: Uint8Array; size: number; method: number; crc: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const lh = new Uint8Array(30 + name.length);
    const v = new DataView(lh.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true);
    v.setUint16(8, e.method, true);
    v.setUint32(14, e.crc, true);
    v.setUint32(18, e.data.length, true);
    v.setUint32(22, e.size, true);
    v.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(10, e.method, true);
    c.setUint32(16, e.crc, true);
    c.setUint32(20, e.data.length, true);
    c.setUint32(24, e.size, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    parts.push(lh, e.data);
    central.push(ch);
    offset += lh.length + e.data.length;
  }
  const cdSize = central.reduce((s, x) => s + x.length, 0);
  const eocd = new Uint8Array(22);
  const d = new DataView(eocd.buffer);
  d.setUint32(0, 0x06054b50, true);
  d.setUint16(8, entries.length, true);
  d.setUint16(10, entries.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of all) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

const stored = (name: string, data: Uint8Array) => ({ name, data, size: data.length, method: 0, crc: crc32(data) >>> 0 });

/**
 * torch zip whose storage record really inflates to `gib` GiB (ratio ~1018:1, under the 1032:1
 * deflate limit) while its tensor uses `numel` floats of it.
 */
export function honestDeflateBomb(numel = 1, gib = 3): Uint8Array {
  const data = pickle().proto(2).emptyDict().mark().str('w');
  data.tensorV2((p) => p.zipStorage('FloatStorage', '0', numel), 0, [numel], [1]);
  const pkl = data.setitems().stop().done();
  return zipWithDeflated([
    stored('archive/data.pkl', pkl),
    stored('archive/byteorder', new TextEncoder().encode('little')),
    { name: 'archive/data/0', data: zeroDeflate(gib * 1024), size: gib * 2 ** 30, method: 8, crc: 0 },
  ]);
}

/** .npz whose member inflates to `gib` GiB while its .npy header declares a 4-byte array. */
export function npzDeflateBomb(gib = 3): Uint8Array {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  const text = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = new Uint8Array(10 + text.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) head[10 + i] = text.charCodeAt(i);
  // the header stored as its own full-flushed deflate chunk, then gigabytes of zeros
  const first = deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH });
  const rest = zeroDeflate(gib * 1024);
  const data = new Uint8Array(first.length + rest.length);
  data.set(first);
  data.set(rest, first.length);
  return zipWithDeflated([{ name: 'a.npy', data, size: Math.min(0xfffffffe, head.length + gib * 2 ** 30), method: 8, crc: 0 }]);
}

/** gzipped IDX float64 [n]: ~1.6 MB on disk declaring 1.6 GB of data (under the 2 GiB cap). */
export function idxGzipBomb(mib = 1600): Uint8Array {
  const n = (mib * 2 ** 20) / 8;
  const head = new Uint8Array(8);
  head.set([0, 0, 0x0e, 1]);
  new DataView(head.buffer).setUint32(4, n, false);
  const first = deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH });
  const rest = zeroDeflate(mib);
  const gz = new Uint8Array(10 + first.length + rest.length + 8);
  gz.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  gz.set(first, 10);
  gz.set(rest, 10 + first.length);
  // trailer: CRC-32 (not computed) and ISIZE mod 2^32
  new DataView(gz.buffer).setUint32(gz.length - 4, (8 + mib * 2 ** 20) >>> 0, true);
  return gz;
}
