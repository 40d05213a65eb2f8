import { ArgumentError } from '../../core/errors.js';
import { JobCancelled } from '../errors.js';
import { runShards, type Shard } from './submit.js';

/** A contiguous part of a seeded run: samples offset..offset + num − 1 (seeds firstSeed + offset..). */
export interface SeedRange {
  offset: number;
  num: number;
}

/**
 * Samples 0..num − 1 in ranges of `shardSize` rounded up to a multiple of `align` (the run's chunk or batch),
 * so every range starts where a single-process run starts a chunk and repeats its ONNX Runtime calls.
 */
export function seedRanges(num: number, shardSize: number, align: number): SeedRange[] {
  if (!Number.isInteger(num) || num < 1)
    throw new ArgumentError(`sharding: sample count must be a positive integer, got ${num}`);
  if (!Number.isInteger(shardSize) || shardSize < 1)
    throw new ArgumentError(`--shard-size must be a positive integer, got ${shardSize}`);
  const size = Math.ceil(shardSize / align) * align;
  const out: SeedRange[] = [];
  for (let offset = 0; offset < num; offset += size) out.push({ offset, num: Math.min(size, num - offset) });
  return out;
}

// Typed arrays travel through Redis as base64 of their little-endian bytes (JSON numbers would lose float32 bits
// to printing and take 3x the room).
export const toBase64 = (a: Float32Array | Float64Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function fromBase64<T extends Float32Array | Float64Array>(
  b64: string,
  make: (buf: ArrayBuffer, n: number) => T,
  bytes: number,
  length: number,
  what: string,
): T {
  const buf = Buffer.from(b64, 'base64');
  if (buf.byteLength !== length * bytes)
    throw new ArgumentError(
      `queue result: ${what} holds ${buf.byteLength} bytes, ${length * bytes} expected`,
    );
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return make(copy, length);
}

export const float32From = (b64: string, length: number, what: string): Float32Array =>
  fromBase64(b64, (b, n) => new Float32Array(b, 0, n), 4, length, what);
export const float64From = (b64: string, length: number, what: string): Float64Array =>
  fromBase64(b64, (b, n) => new Float64Array(b, 0, n), 8, length, what);

/**
 * Seeded shards return megabytes (500k InterFaceGAN samples of a 512-d model: ~1.5 GB), so Redis keeps them an
 * hour, long enough for a rerun after the submitter died to reuse them, not a week.
 */
export const SEEDED_KEEP_SECONDS = 3600;

/**
 * Runs the shards of one seeded run and returns their results in shard order (the order the parts combine
 * in). Any failed shard fails the run, naming the first; Ctrl-C (SIGINT) cancels the shards.
 */
export async function collectShards(
  url: string,
  shards: readonly Shard[],
  log: (line: string) => void,
): Promise<{ results: unknown[]; reused: number }> {
  const results = new Map<string, unknown>();
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once('SIGINT', onInt);
  try {
    const report = await runShards({
      url,
      shards,
      signal: controller.signal,
      keepSeconds: SEEDED_KEEP_SECONDS,
      onResult: async (s, r) => {
        results.set(s.id, r);
        log(`[${results.size}/${shards.length}] ${s.label}`);
      },
    });
    if (report.failed.length)
      throw new ArgumentError(
        `${report.failed.length} of ${shards.length} shards failed (first: ${report.failed[0].shard.label}: ${report.failed[0].error})`,
      );
    return { results: shards.map((s) => results.get(s.id)), reused: report.reused };
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof JobCancelled)) throw new JobCancelled('cancelled');
    throw err;
  } finally {
    process.off('SIGINT', onInt);
  }
}
