import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { FormatError } from '../core/errors.js';

/**
 * The first `need` bytes of a deflate (or gzip) stream, inflating no more than about
 * `need + 64 KiB` however much the whole stream would expand: a record that really inflates to
 * 3 GiB costs a few KiB when a tensor uses 4 bytes of it. Prefixes of the compressed input are
 * inflated with a sync flush (what a streaming reader would have seen by then); the prefix grows
 * geometrically while the output falls short and is bisected when it overshoots the cap.
 */
export function inflatePrefix(
  raw: Uint8Array,
  need: number,
  what: string,
  format: 'raw' | 'gzip' = 'raw',
): Uint8Array {
  if (need <= 0) return new Uint8Array(0);
  const cap = need + (1 << 16);
  const run = format === 'gzip' ? gunzipSync : inflateRawSync;
  let lo = 0;
  let hi = Infinity;
  let c = Math.min(raw.length, Math.ceil(need / 1032) + 64);
  for (let round = 0; round < 200; round++) {
    let out: Buffer;
    try {
      out = run(raw.subarray(0, c), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: cap });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE')
        throw new FormatError(`${what}: corrupt or truncated gzip/deflate data: ${(err as Error).message}`);
      hi = c;
      c = Math.floor((lo + hi) / 2);
      if (c <= lo) throw new FormatError(`${what}: compressed data expands too fast to read ${need} bytes`);
      continue;
    }
    if (out.length >= need) return new Uint8Array(out.buffer, out.byteOffset, need).slice();
    if (c >= raw.length)
      throw new FormatError(`${what}: corrupt or truncated gzip/deflate data: inflates to only ${out.length} bytes, ${need} needed`);
    lo = c;
    c = hi === Infinity ? Math.min(raw.length, 2 * c) : Math.floor((lo + hi) / 2);
    if (c <= lo) throw new FormatError(`${what}: compressed data expands too fast to read ${need} bytes`);
  }
  throw new FormatError(`${what}: could not inflate ${need} bytes`);
}
