import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { fromImages, IMAGE_EXTENSIONS, readImage } from '../formats/image.js';

/** Image files named by `paths` (files, or folders whose image files are taken in name order). */
export async function listImageFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new ArgumentError(`${p}: no such file or folder`);
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
      if (!names.length) throw new ArgumentError(`${p}: no image files (${[...IMAGE_EXTENSIONS].join(' ')})`);
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  if (!files.length) throw new ArgumentError('no input images');
  return files;
}

/** A file's name without folder and extension, for output names. */
export function imageStem(path: string): string {
  return basename(path, extname(path));
}

/**
 * Reads images as a model's input [N, C, R, R] in [-1, 1]: converted to C channels; images of
 * exactly R px are taken as they are, smaller ones are centred on background (-1, as the 28×28
 * Fashion-MNIST images are padded to 32), larger or non-square ones resized (cover + centre crop).
 * Corrupt files and decompression bombs are refused with the file's name (see readImage).
 */
export async function readImageInputs(files: readonly string[], resolution: number, channels: 1 | 3): Promise<Tensor<'float32'>> {
  const out = Tensor.float32([files.length, channels, resolution, resolution]);
  const plane = resolution * resolution;
  for (let i = 0; i < files.length; i++) {
    let img = await readImage(files[i], { channels });
    const fits = img.width <= resolution && img.height <= resolution;
    if (!fits || img.width !== img.height) img = await readImage(files[i], { channels, size: resolution });
    const t = fromImages([img]);
    const [h, w] = [img.height, img.width];
    const top = Math.floor((resolution - h) / 2);
    const left = Math.floor((resolution - w) / 2);
    const base = i * channels * plane;
    out.data.fill(-1, base, base + channels * plane);
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < h; y++)
        out.data.set(t.data.subarray((c * h + y) * w, (c * h + y + 1) * w), base + c * plane + (top + y) * resolution + left);
  }
  return out;
}
