import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Rows [start, start + count) of a float tensor, padded by repeating the last row up to `size`. */
export function takeRows(t: Tensor, start: number, count: number, size = count): Tensor<'float32'> {
  const rowSize = t.size / t.shape[0];
  const out = Tensor.float32([size, ...t.shape.slice(1)]);
  const src = t.toFloat32().data;
  for (let i = 0; i < size; i++) {
    const row = start + Math.min(i, count - 1);
    out.data.set(src.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
  }
  return out;
}

/** Concatenates the first `counts[i]` rows of each part along axis 0. */
export function concatRows(parts: readonly Tensor[], counts: readonly number[]): Tensor<'float32'> {
  const rest = parts[0].shape.slice(1);
  const rowSize = rest.reduce((p, d) => p * d, 1);
  const total = counts.reduce((a, b) => a + b, 0);
  const out = Tensor.float32([total, ...rest]);
  let at = 0;
  parts.forEach((p, i) => {
    out.data.set(p.toFloat32().data.subarray(0, counts[i] * rowSize), at);
    at += counts[i] * rowSize;
  });
  return out;
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
  return results[0].map((_, k) => concatRows(results.map((r) => r[k]), counts));
}

export function expectRank(name: string, t: Tensor, shape: readonly number[]): void {
  const ok = t.rank === shape.length && t.shape.every((d, i) => shape[i] < 0 || d === shape[i]);
  if (!ok) throw new ShapeError(`${name}: expected shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
}
