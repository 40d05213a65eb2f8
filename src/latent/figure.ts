import { Tensor } from '../core/tensor.js';
import { type RgbImage, toImages, upscale } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { type Latent, renderLatent, selectRows } from './latent.js';

export type Progress = (done: number, total: number) => void;

/**
 * Renders a latent in chunks of `batchSize` rows, reporting progress after each chunk. Explicit noise maps
 * are split with the rows; a latent with unmaterialised random noise renders in one call (its maps depend
 * on the whole batch).
 */
export async function renderFrames(model: GanModel, latent: Latent, opts: { batchSize?: number; onProgress?: Progress } = {}): Promise<Tensor<'float32'>> {
  const n = latent.codes.shape[0];
  const batch = opts.batchSize ?? 8;
  if (latent.noiseMode === 'random' && !latent.noise) {
    const out = await renderLatent(model, latent, { batchSize: batch });
    opts.onProgress?.(n, n);
    return out;
  }
  const parts: Tensor<'float32'>[] = [];
  for (let at = 0; at < n; at += batch) {
    const rows = Array.from({ length: Math.min(batch, n - at) }, (_, i) => at + i);
    parts.push(await renderLatent(model, selectRows(latent, rows), { batchSize: batch }));
    opts.onProgress?.(at + rows.length, n);
  }
  return parts.length === 1 ? parts[0] : concatImages(parts);
}

function concatImages(parts: readonly Tensor<'float32'>[]): Tensor<'float32'> {
  const total = parts.reduce((s, p) => s + p.shape[0], 0);
  const out = Tensor.float32([total, ...parts[0].shape.slice(1)]);
  let at = 0;
  for (const p of parts) {
    out.data.set(p.data, at);
    at += p.size;
  }
  return out;
}

/** Generator output -> 8-bit images, each upscaled by `factor` (nearest neighbour). */
export function imagesOf(batch: Tensor, factor = 1): RgbImage[] {
  return toImages(batch).map((im) => upscale(im, factor));
}

export { blankLike, drawText, type LabelledGridOptions, labelledGrid, sideBySide } from '../formats/imageGrid.js';
