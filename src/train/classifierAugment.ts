import { ArgumentError } from '../core/errors.js';
import type { RandomState } from '../core/rng.js';

export interface AugmentOptions {
  /** Mirror left–right with probability 1/2. Default true. */
  flip?: boolean;
  /** Shift by up to ± this many pixels on each axis (integer, uniform). Default 2. */
  maxShift?: number;
  /** Value shifted-in pixels take: the background, −1 for Fashion-MNIST in [−1, 1]. Default −1. */
  fill?: number;
}

/**
 * Copies image `src` (C·R·R floats) into `dst` at `offset`, randomly flipped and translated. The
 * draws come from `rng` in a fixed order (flip, dy, dx), so a seeded run augments identically.
 */
export function augmentInto(
  dst: Float32Array,
  offset: number,
  src: Float32Array,
  channels: number,
  resolution: number,
  rng: RandomState,
  o: AugmentOptions = {},
): void {
  const { flip = true, maxShift = 2, fill = -1 } = o;
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= resolution) {
    throw new ArgumentError(`augment: maxShift must be an integer in [0, ${resolution}), got ${maxShift}`);
  }
  const mirror = flip && rng.randomSample() < 0.5;
  const dy = maxShift ? rng.randint(-maxShift, maxShift + 1) : 0;
  const dx = maxShift ? rng.randint(-maxShift, maxShift + 1) : 0;
  const r = resolution;
  for (let c = 0; c < channels; c++) {
    const plane = c * r * r;
    for (let y = 0; y < r; y++) {
      const sy = y - dy;
      const row = offset + plane + y * r;
      if (sy < 0 || sy >= r) {
        dst.fill(fill, row, row + r);
        continue;
      }
      for (let x = 0; x < r; x++) {
        const sx0 = x - dx;
        const sx = mirror ? r - 1 - sx0 : sx0;
        dst[row + x] = sx0 < 0 || sx0 >= r ? fill : src[plane + sy * r + sx];
      }
    }
  }
}
