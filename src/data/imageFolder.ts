import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { IMAGE_EXTENSIONS, readImage } from '../formats/image.js';
import type { ImageDataset } from './dataset.js';
import { InMemoryImageDataset } from './memory.js';

/** Extensions sharp decodes that image folders commonly hold. */

export interface ImageFolderOptions {
  /** Square side in pixels: images are resized to cover it and centre-cropped. */
  size: number;
  /** 1 = greyscale, 3 = RGB (default 3). */
  channels?: 1 | 3;
  /** Keep only the first `limit` files in sorted order. */
  limit?: number;
  /** Files decoded at once (default 8). */
  concurrency?: number;
}

function isImage(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A folder of images as an ImageDataset. With sub-folders, each sub-folder is a class (labels are
 * the sub-folder names in sorted order, like torchvision's ImageFolder) and loose files in the root
 * are refused; without, every image in the root is unlabelled (label 0, numClasses 0).
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<ImageDataset> {
  const { size, channels = 3, concurrency = 8 } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new ArgumentError(`loadImageFolder: size must be a positive integer, got ${size}`);
  if (channels !== 1 && channels !== 3)
    throw new ArgumentError(`loadImageFolder: channels must be 1 or 3, got ${channels}`);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new ArgumentError(`image folder ${dir}: cannot read: ${(err as Error).message}`);
  }
  const classes = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byName);
  const loose = entries
    .filter((e) => e.isFile() && isImage(e.name))
    .map((e) => e.name)
    .sort(byName);
  const files: { path: string; label: number }[] = [];
  if (classes.length > 0) {
    if (loose.length > 0) {
      throw new ArgumentError(
        `image folder ${dir}: has both class sub-folders (${classes.slice(0, 3).join(', ')}...) and loose images (${loose[0]}...); put every image in a class folder`,
      );
    }
    for (const [label, name] of classes.entries()) {
      const sub = join(dir, name);
      const inner = (await readdir(sub, { withFileTypes: true }))
        .filter((e) => e.isFile() && isImage(e.name))
        .map((e) => e.name)
        .sort(byName);
      for (const f of inner) files.push({ path: join(sub, f), label });
    }
  } else {
    for (const f of loose) files.push({ path: join(dir, f), label: 0 });
  }
  if (options.limit !== undefined) files.splice(options.limit);
  if (files.length === 0) {
    throw new ArgumentError(`image folder ${dir}: no images (${[...IMAGE_EXTENSIONS].join(' ')}) found`);
  }
  const stride = channels * size * size;
  const pixels = new Float32Array(files.length * stride);
  const labels = new Int32Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const img = await readImage(files[i].path, { size, channels });
      if (img.channels !== channels || img.width !== size || img.height !== size) {
        throw new ArgumentError(
          `${files[i].path}: decoded to ${img.width}×${img.height}×${img.channels}, expected ${size}×${size}×${channels}`,
        );
      }
      // HWC bytes → CHW floats in [-1, 1].
      const base = i * stride;
      for (let c = 0; c < channels; c++) {
        for (let p = 0; p < size * size; p++)
          pixels[base + c * size * size + p] = img.data[p * channels + c] / 127.5 - 1;
      }
      labels[i] = files[i].label;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return new InMemoryImageDataset({
    name: basename(dir),
    channels,
    resolution: size,
    pixels,
    labels,
    labelNames: classes,
  });
}
