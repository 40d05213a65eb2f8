import { crc32, inflateRawSync } from 'node:zlib';
import { FormatError } from '../core/errors.js';
import { inflatePrefix } from './inflate.js';
import { type ByteSource, toSource } from './byteSource.js';
import { EOCD_SIZE, SIG_CENTRAL, SIG_EOCD, SIG_EOCD64, SIG_EOCD64_LOCATOR, SIG_LOCAL } from './zipFormat.js';

/**
 * A minimal ZIP reader for torch checkpoints (.pt/.pth) and numpy .npz files (writer: zipWrite.ts).
 * Reading never touches bytes outside the buffer and checks every size the archive claims
 * against the archive itself before allocating anything.
 */

const MAX_COMMENT = 0xffff;
/** deflate cannot expand by more than ~1032:1; anything beyond is a lie (or a bomb). */
const MAX_DEFLATE_RATIO = 1032;

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's local header inside the buffer. */
  readonly localHeaderOffset: number;
}

export interface ZipArchive {
  readonly file: string;
  /** Entries in central-directory order. */
  readonly entries: readonly ZipEntry[];
  has(name: string): boolean;
  entry(name: string): ZipEntry | undefined;
  /** Entry contents; stored entries are views into the archive buffer (no copy). */
  read(name: string): Uint8Array;
  /**
   * The first `n` bytes of an entry (at most its size), inflating only what they need; the CRC is
   * checked only when the whole entry is read.
   */
  readPrefix(name: string, n: number): Uint8Array;
  /**
   * `length` bytes from `offset` inside a stored (method 0) entry, read from the source alone: a
   * file source reads just that range. The CRC is checked when the range is the whole entry.
   */
  readRange(name: string, offset: number, length: number): Uint8Array;
}

export interface ReadZipOptions {
  /** Name used in error messages. */
  file?: string;
  /** Check each entry's CRC-32 when it is read (default true). */
  verifyCrc?: boolean;
  /** Largest uncompressed entry accepted, in bytes (default 4 GiB - 1). */
  maxEntryBytes?: number;
}

/** A field outside the current window fetches this many bytes from it (local headers: one read each). */
const CHUNK = 1 << 12;

/**
 * Bounds-checked little-endian access to a source; every read names what it was reading when it
 * fails. A file source is read in windows (the directory and headers, never the records).
 */
class Bytes {
  private win: Uint8Array;
  private winStart = 0;
  private view: DataView;
  readonly size: number;
  constructor(
    readonly src: ByteSource,
    readonly file: string,
  ) {
    this.size = src.size;
    this.win = src.whole ?? new Uint8Array(0);
    this.view = new DataView(this.win.buffer, this.win.byteOffset, this.win.byteLength);
  }
  need(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new FormatError(
        `${this.file}: truncated or corrupt zip: ${what} at byte ${offset} (+${length}) lies outside the ${this.size}-byte file`,
      );
    }
  }
  /** Makes [start, end) the current window (one read; in-memory sources already hold everything). */
  prefetch(start: number, end: number): void {
    if (this.src.whole || (start >= this.winStart && end <= this.winStart + this.win.length)) return;
    this.win = this.src.read(start, end - start);
    this.winStart = start;
    this.view = new DataView(this.win.buffer, this.win.byteOffset, this.win.byteLength);
  }
  /** Position of `offset` inside the current window, fetching a window from it when needed. */
  private at(offset: number, length: number): number {
    if (offset < this.winStart || offset + length > this.winStart + this.win.length) {
      this.prefetch(offset, Math.min(this.size, offset + Math.max(length, CHUNK)));
    }
    return offset - this.winStart;
  }
  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    const p = this.at(offset, 2); // first: it may move the window (and replace the view)
    return this.view.getUint16(p, true);
  }
  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    const p = this.at(offset, 4);
    return this.view.getUint32(p, true);
  }
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const p = this.at(offset, 8);
    const v = this.view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new FormatError(`${this.file}: ${what} is too large (${v})`);
    return Number(v);
  }
  /** Small field bytes (names), copied out of the window. */
  small(offset: number, length: number, what: string): Uint8Array {
    this.need(offset, length, what);
    const p = this.at(offset, length);
    return this.win.subarray(p, p + length);
  }
}

function findEocd(b: Bytes): number {
  const n = b.size;
  const stop = Math.max(0, n - EOCD_SIZE - MAX_COMMENT);
  b.prefetch(stop, n);
  for (let p = n - EOCD_SIZE; p >= stop; p--) {
    if (b.u32(p, 'end record') === SIG_EOCD && p + EOCD_SIZE + b.u16(p + 20, 'comment length') <= n) return p;
  }
  throw new FormatError(
    `${b.file}: not a zip archive or truncated: end-of-central-directory record not found (${n} bytes)`,
  );
}

interface Directory {
  count: number;
  size: number;
  offset: number;
  /** Position of the record after the central directory (EOCD or ZIP64 EOCD). */
  end: number;
}

function readDirectory(b: Bytes): Directory {
  const eocd = findEocd(b);
  let count = b.u16(eocd + 10, 'entry count');
  let size = b.u32(eocd + 12, 'central directory size');
  let offset = b.u32(eocd + 16, 'central directory offset');
  let end = eocd;
  // Writers such as torch's emit ZIP64 records even when the 32-bit fields suffice.
  const loc = eocd - 20;
  if (loc >= 0 && b.u32(loc, 'ZIP64 locator') === SIG_EOCD64_LOCATOR) {
    {
      const rec = b.u64(loc + 8, 'ZIP64 end record offset');
      if (b.u32(rec, 'ZIP64 end record') !== SIG_EOCD64) {
        throw new FormatError(`${b.file}: corrupt zip: ZIP64 end record not found at byte ${rec}`);
      }
      count = b.u64(rec + 32, 'ZIP64 entry count');
      size = b.u64(rec + 40, 'ZIP64 central directory size');
      offset = b.u64(rec + 48, 'ZIP64 central directory offset');
      end = rec;
    }
  }
  // Each central record is at least 46 bytes, so the count is bounded by the directory size.
  if (size > end || count * 46 > size) {
    throw new FormatError(
      `${b.file}: corrupt zip: central directory claims ${count} entries in ${size} bytes before byte ${end}`,
    );
  }
  return { count, size, offset, end };
}

function zip64Extra(b: Bytes, start: number, length: number, fields: number[]): number[] {
  const out = fields.slice();
  let p = start;
  const stop = start + length;
  while (p + 4 <= stop) {
    const id = b.u16(p, 'extra field id');
    const len = b.u16(p + 2, 'extra field length');
    if (p + 4 + len > stop) break;
    if (id === 0x0001) {
      let q = p + 4;
      for (let i = 0; i < out.length; i++) {
        const limit = i === 3 ? 0xffff : 0xffffffff;
        if (out[i] !== limit) continue;
        if (q + (i === 3 ? 4 : 8) > p + 4 + len) break;
        out[i] = i === 3 ? b.u32(q, 'ZIP64 disk') : b.u64(q, 'ZIP64 extra value');
        q += i === 3 ? 4 : 8;
      }
      return out;
    }
    p += 4 + len;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/**
 * Parses the central directory of a ZIP archive, in memory or behind a file source. Entry data is
 * read lazily: from a file, only the records (or the ranges of them) asked for.
 */
export function readZip(data: Uint8Array | ByteSource, options: ReadZipOptions = {}): ZipArchive {
  const file = options.file ?? '<zip>';
  const verifyCrc = options.verifyCrc ?? true;
  const maxEntryBytes = options.maxEntryBytes ?? 0xffffffff;
  const src = toSource(data);
  const b = new Bytes(src, file);
  const dir = readDirectory(b);
  // Archives with bytes prepended (self-extractors) shift every offset by the same amount.
  const shift = dir.end - dir.size - dir.offset;
  if (shift < 0) {
    throw new FormatError(
      `${file}: corrupt zip: central directory (${dir.size} bytes at ${dir.offset}) overlaps its end record`,
    );
  }
  const cdStart = dir.offset + shift;
  b.prefetch(cdStart, dir.end);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let p = cdStart;
  for (let i = 0; i < dir.count; i++) {
    if (b.u32(p, 'central directory entry') !== SIG_CENTRAL) {
      throw new FormatError(
        `${file}: corrupt zip: central directory entry ${i} has a bad signature at byte ${p}`,
      );
    }
    const flags = b.u16(p + 8, 'flags');
    const method = b.u16(p + 10, 'compression method');
    const crc = b.u32(p + 16, 'crc32');
    const nameLen = b.u16(p + 28, 'name length');
    const extraLen = b.u16(p + 30, 'extra length');
    const commentLen = b.u16(p + 32, 'comment length');
    b.need(p + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const nameBytes = b.small(p + 46, nameLen, `central directory entry ${i} name`);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    const [size, compressedSize, localOffset] = zip64Extra(b, p + 46 + nameLen, extraLen, [
      b.u32(p + 24, 'size'),
      b.u32(p + 20, 'compressed size'),
      b.u32(p + 42, 'local header offset'),
      b.u16(p + 34, 'disk'),
    ]);
    const what = `entry '${name}'`;
    if (flags & 0x1) throw new FormatError(`${file}: ${what} is encrypted, which is not supported`);
    if (method !== 0 && method !== 8) {
      throw new FormatError(
        `${file}: ${what} uses compression method ${method}; only stored (0) and deflate (8) are supported`,
      );
    }
    if (localOffset + shift + 30 + compressedSize > cdStart) {
      throw new FormatError(
        `${file}: truncated or corrupt zip: ${what} claims ${compressedSize} bytes at ${localOffset}, past the central directory at ${cdStart}`,
      );
    }
    const sizeLimit =
      method === 0 ? compressedSize : Math.min(maxEntryBytes, compressedSize * MAX_DEFLATE_RATIO + 64);
    if (size > sizeLimit || (method === 0 && size !== compressedSize) || size > maxEntryBytes) {
      throw new FormatError(
        `${file}: corrupt zip: ${what} claims ${size} bytes uncompressed from ${compressedSize} stored (method ${method}); refusing`,
      );
    }
    if (byName.has(name)) throw new FormatError(`${file}: corrupt zip: duplicate entry '${name}'`);
    const entry: ZipEntry = {
      name,
      method,
      compressedSize,
      size,
      crc32: crc,
      localHeaderOffset: localOffset + shift,
    };
    entries.push(entry);
    byName.set(name, entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (p > cdStart + dir.size) {
    throw new FormatError(`${file}: corrupt zip: central directory runs past its declared ${dir.size} bytes`);
  }

  const cache = new Map<string, Uint8Array>();
  /** Where an entry's data starts (after its local header). */
  const dataStart = (name: string): { e: ZipEntry; start: number } => {
    const e = byName.get(name);
    if (!e) throw new FormatError(`${file}: zip has no entry '${name}'`);
    const lh = e.localHeaderOffset;
    if (b.u32(lh, `local header of '${name}'`) !== SIG_LOCAL) {
      throw new FormatError(`${file}: corrupt zip: local header of '${name}' not found at byte ${lh}`);
    }
    const start = lh + 30 + b.u16(lh + 26, 'local name length') + b.u16(lh + 28, 'local extra length');
    if (start + e.compressedSize > cdStart) {
      throw new FormatError(
        `${file}: truncated or corrupt zip: data of '${name}' runs past the central directory`,
      );
    }
    return { e, start };
  };
  const rawData = (name: string): { e: ZipEntry; raw: Uint8Array } => {
    const { e, start } = dataStart(name);
    return { e, raw: src.read(start, e.compressedSize) };
  };
  const read = (name: string): Uint8Array => {
    const hit = cache.get(name);
    if (hit) return hit;
    const { e, raw } = rawData(name);
    let out: Uint8Array;
    if (e.method === 0) {
      out = raw;
    } else {
      try {
        const inflated = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
        out = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      } catch (err) {
        throw new FormatError(`${file}: corrupt zip: cannot inflate '${name}': ${(err as Error).message}`);
      }
      if (out.length !== e.size) {
        throw new FormatError(
          `${file}: corrupt zip: '${name}' inflates to ${out.length} bytes, directory says ${e.size}`,
        );
      }
      cache.set(name, out);
    }
    if (verifyCrc && crc32(out) >>> 0 !== e.crc32) {
      throw new FormatError(`${file}: corrupt zip: CRC-32 mismatch in '${name}'`);
    }
    return out;
  };
  const readPrefix = (name: string, n: number): Uint8Array => {
    const e = byName.get(name);
    if (e && (e.method === 0 || n >= e.size || cache.has(name))) return read(name).subarray(0, n);
    const { raw } = rawData(name);
    return inflatePrefix(raw, Math.min(n, e!.size), `${file}: zip entry '${name}'`);
  };
  const readRange = (name: string, offset: number, length: number): Uint8Array => {
    const { e, start } = dataStart(name);
    if (e.method !== 0) throw new FormatError(`${file}: zip entry '${name}' is compressed; cannot read a range of it`);
    if (offset < 0 || length < 0 || offset + length > e.size) {
      throw new FormatError(`${file}: zip entry '${name}': range ${offset}+${length} lies outside its ${e.size} bytes`);
    }
    const out = src.read(start + offset, length);
    if (verifyCrc && offset === 0 && length === e.size && crc32(out) >>> 0 !== e.crc32) {
      throw new FormatError(`${file}: corrupt zip: CRC-32 mismatch in '${name}'`);
    }
    return out;
  };
  return {
    file,
    entries,
    has: (name) => byName.has(name),
    entry: (name) => byName.get(name),
    read,
    readPrefix,
    readRange,
  };
}
