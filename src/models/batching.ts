import { concatRows, sliceRows, takeRows, type Tensor } from '../core/tensor.js';

/** Rows [start, start + count) of a float tensor as float32, padded by repeating the last row up to `size`. */
export function batchRows(t: Tensor, start: number, count: number, size = count): Tensor<'float32'> {
  return takeRows(t.toFloat32(), Array.from({ length: size }, (_, i) => start + Math.min(i, count - 1)));
}

/**
 * Runs `fn` over a batch in chunks of `batchSize` rows (the last chunk padded, so one compiled
 * program serves every chunk) and stitches the results. Only for per-sample computations.
 */
export async function mapBatches(
  n: number,
  batchSize: number,
  fn: (start: number, count: number, size: number) => Promise<Tensor[]>,
): Promise<Tensor<'float32'>[]> {
  const size = Math.min(batchSize, n);
  const results: Tensor[][] = [];
  const counts: number[] = [];
  for (let start = 0; start < n; start += size) {
    const count = Math.min(size, n - start);
    results.push(await fn(start, count, size));
    counts.push(count);
  }
  // Only the padded last chunk needs trimming; full chunks join as they are.
  const trimmed = (t: Tensor, count: number) => (t.shape[0] === count ? t.toFloat32() : sliceRows(t.toFloat32(), 0, count));
  return results[0].map((_, k) => concatRows(results.map((r, j) => trimmed(r[k], counts[j]))));
}
