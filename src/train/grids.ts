import { join } from 'node:path';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import { makeGrid, toImages, writePng } from '../formats/image.js';

/** Writes a square grid of images [N, C, R, R] (white 1-px gaps) to `path`. */
export async function writeGrid(path: string, images: Tensor): Promise<void> {
  const list = toImages(images);
  await writePng(path, makeGrid(list, Math.ceil(Math.sqrt(list.length)), 1, 255));
}

/** samples/reals.png: the dataset's first `n` images, for comparison with the fakes grids. */
export async function writeRealsGrid(samplesDir: string, dataset: ImageDataset, n: number): Promise<void> {
  const count = Math.min(n, dataset.size);
  const { channels: c, resolution: r } = dataset;
  const t = Tensor.float32([count, c, r, r]);
  for (let i = 0; i < count; i++) t.data.set(dataset.image(i), i * c * r * r);
  await writeGrid(join(samplesDir, 'reals.png'), t);
}

/** samples/fakes-<images seen>.png. */
export function fakesPath(samplesDir: string, imagesSeen: number): string {
  return join(samplesDir, `fakes-${String(imagesSeen).padStart(9, '0')}.png`);
}
