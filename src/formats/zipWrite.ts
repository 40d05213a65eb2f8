import { crc32, deflateRawSync } from 'node:zlib';
import { FormatError } from '../core/errors.js';
import { EOCD_SIZE, SIG_CENTRAL, SIG_EOCD, SIG_EOCD64, SIG_EOCD64_LOCATOR, SIG_LOCAL } from './zipFormat.js';

/** A ZIP writer (stored or deflate entries, ZIP64 where needed) for .npz files and tests. */


export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** Deflate this entry (default: store). */
  compress?: boolean;
}

export interface WriteZipOptions {
  /** Pad stored entries so their data starts at a multiple of this many bytes (default 64, like torch). */
  align?: number;
  /** Write ZIP64 records even when the sizes fit in 32 bits. */
  forceZip64?: boolean;
}

const DOS_DATE_1980 = 0x21; // 1980-01-01: fixed, so output is byte-for-byte reproducible.

/** Writes a ZIP archive (stored or deflate entries, ZIP64 where sizes, offsets or counts need it). */
export function writeZip(inputs: readonly ZipInput[], options: WriteZipOptions = {}): Uint8Array {
  const align = options.align ?? 64;
  const force = options.forceZip64 ?? false;
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.name)) throw new FormatError(`writeZip: duplicate entry '${input.name}'`);
    seen.add(input.name);
    const name = Buffer.from(input.name, 'utf8');
    const method = input.compress ? 8 : 0;
    const body = method === 8 ? new Uint8Array(deflateRawSync(input.data)) : input.data;
    const crc = crc32(input.data) >>> 0;
    const big = force || input.data.length >= 0xffffffff || body.length >= 0xffffffff || offset >= 0xffffffff;
    const z64Local = big ? 20 : 0;
    const headerEnd = offset + 30 + name.length + z64Local;
    const pad = method === 0 && align > 1 ? (align - ((headerEnd + 4) % align)) % align : 0;
    const extraLen = z64Local + (method === 0 && align > 1 ? 4 + pad : 0);
    const local = Buffer.alloc(30 + name.length + extraLen);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(big ? 45 : 20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(big ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(big ? 0xffffffff : input.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extraLen, 28);
    name.copy(local, 30);
    let q = 30 + name.length;
    if (big) {
      local.writeUInt16LE(1, q);
      local.writeUInt16LE(16, q + 2);
      local.writeBigUInt64LE(BigInt(input.data.length), q + 4);
      local.writeBigUInt64LE(BigInt(body.length), q + 12);
      q += 20;
    }
    if (method === 0 && align > 1) {
      local.writeUInt16LE(0x4246, q); // 'FB', the padding id torch uses
      local.writeUInt16LE(pad, q + 2);
    }
    const cExtra = big ? 28 : 0;
    const cen = Buffer.alloc(46 + name.length + cExtra);
    cen.writeUInt32LE(SIG_CENTRAL, 0);
    cen.writeUInt16LE(big ? 45 : 20, 4);
    cen.writeUInt16LE(big ? 45 : 20, 6);
    cen.writeUInt16LE(0x800, 8);
    cen.writeUInt16LE(method, 10);
    cen.writeUInt16LE(DOS_DATE_1980, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(big ? 0xffffffff : body.length, 20);
    cen.writeUInt32LE(big ? 0xffffffff : input.data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt16LE(cExtra, 30);
    cen.writeUInt32LE(big ? 0xffffffff : offset, 42);
    name.copy(cen, 46);
    if (big) {
      const e = 46 + name.length;
      cen.writeUInt16LE(1, e);
      cen.writeUInt16LE(24, e + 2);
      cen.writeBigUInt64LE(BigInt(input.data.length), e + 4);
      cen.writeBigUInt64LE(BigInt(body.length), e + 12);
      cen.writeBigUInt64LE(BigInt(offset), e + 20);
    }
    chunks.push(local, body);
    central.push(cen);
    offset += local.length + body.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const count = inputs.length;
  const big = force || count >= 0xffff || cdOffset >= 0xffffffff || cdSize >= 0xffffffff;
  const tail: Buffer[] = [];
  if (big) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(SIG_EOCD64, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(SIG_EOCD64_LOCATOR, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(EOCD_SIZE);
  eocd.writeUInt32LE(SIG_EOCD, 0);
  eocd.writeUInt16LE(big ? 0xffff : count, 8);
  eocd.writeUInt16LE(big ? 0xffff : count, 10);
  eocd.writeUInt32LE(big ? 0xffffffff : cdSize, 12);
  eocd.writeUInt32LE(big ? 0xffffffff : cdOffset, 16);
  tail.push(eocd);
  return new Uint8Array(Buffer.concat([...chunks, ...central, ...tail]));
}
