import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { classLabels, mapZ, sampleZ, synthesize } from '../models/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';

export interface GeneratedImagesOptions {
  /** Images in all. */
  num: number;
  /** Seeds are firstSeed, firstSeed + 1, ... (z exactly as `generate --seeds`). Default 0. */
  firstSeed?: number;
  /** Truncation psi (StyleGAN2). Default 1: metrics measure the untruncated distribution. */
  psi?: number;
  noiseMode?: NoiseMode;
  /** Images per yielded batch (and per ORT call inside). Default 100. */
  batchSize?: number;
  /**
   * Index of the first image in the whole run (default 0): a shard of a sharded run generates images
   * offset.. of seeds firstSeed + offset.., classes cycling from there. A shard whose offset is a
   * multiple of batchSize repeats the single run's batches exactly.
   */
  offset?: number;
}

/**
 * Generator samples for metrics, batch by batch so 10k images never sit in memory at once:
 * seeds firstSeed.. through mapping and synthesis, clamped to [-1, 1] (the range images have once
 * written; metrics should not reward values outside it). Conditional models cycle through their
 * classes, so every class gets num/cDim images.
 */
export async function* generatedImages(
  model: GanModel,
  o: GeneratedImagesOptions,
): AsyncGenerator<Tensor<'float32'>> {
  const { num, firstSeed = 0, psi = 1, batchSize = 100, offset = 0 } = o;
  if (!Number.isInteger(num) || num < 1)
    throw new ArgumentError(`generated images: num must be a positive integer, got ${num}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ArgumentError(`generated images: batch size must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new ArgumentError(`generated images: offset must be a non-negative integer, got ${offset}`);
  for (let start = offset; start < offset + num; start += batchSize) {
    const count = Math.min(batchSize, offset + num - start);
    const seeds = Array.from({ length: count }, (_, i) => firstSeed + start + i);
    const z = sampleZ(model, seeds);
    let img: Tensor<'float32'>;
    if (model.hasWSpace) {
      const c = model.cDim
        ? classLabels(
            model,
            seeds.map((_, i) => (start + i) % model.cDim),
          )
        : undefined;
      const ws = await mapZ(model, z, { psi, c, batchSize: count });
      img = await synthesize(model, ws, { noiseMode: o.noiseMode ?? 'const', batchSize: count });
    } else {
      img = await synthesize(model, z, { batchSize: count });
    }
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(-1, d[i]));
    yield new Tensor('float32', img.shape, d);
  }
}
