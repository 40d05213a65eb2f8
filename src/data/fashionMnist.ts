import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError, FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { loadIdx } from '../formats/idx.js';
import type { ImageDataset } from './dataset.js';
import { InMemoryImageDataset } from './memory.js';

/** Where Debian's `dataset-fashion-mnist` installs the four IDX files. */
export const FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist';

/** Zalando's class names, index = label. */
export const FASHION_MNIST_LABELS: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

export interface FashionMnistOptions {
  /**
   * Image side: 32 pads the 28×28 images by 2 pixels of background (-1) on every side, the
   * power-of-two size GAN stacks want; 28 keeps them as they are. Default 32.
   */
  pad?: 32 | 28;
  /** Folder with the IDX files; default $LATENTLAB_FASHION_MNIST or FASHION_MNIST_ROOT. */
  root?: string;
  /** Keep only the first `limit` images (tests, quick runs). */
  limit?: number;
}

const INSTALL_HINT =
  'install it with `apt-get install -y dataset-fashion-mnist` or pass the folder holding the IDX files';

async function findFile(root: string, base: string): Promise<string> {
  for (const name of [`${base}.gz`, base]) {
    const path = join(root, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next spelling
    }
  }
  throw new ArgumentError(`Fashion-MNIST not found: no ${base}.gz in ${root}; ${INSTALL_HINT}`);
}

/**
 * Fashion-MNIST as an ImageDataset: 60k ('train') or 10k ('test') grey 1×R×R images scaled from
 * [0, 255] to [-1, 1] (v/127.5 − 1), with labels 0–9 named by FASHION_MNIST_LABELS.
 */
export async function loadFashionMnist(
  split: 'train' | 'test',
  options: FashionMnistOptions = {},
): Promise<ImageDataset> {
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`loadFashionMnist: split must be 'train' or 'test', got '${String(split)}'`);
  const size = options.pad ?? 32;
  if (size !== 32 && size !== 28)
    throw new ArgumentError(`loadFashionMnist: pad must be 32 or 28, got ${size}`);
  const root = options.root ?? process.env.LATENTLAB_FASHION_MNIST ?? FASHION_MNIST_ROOT;
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesPath = await findFile(root, `${prefix}-images-idx3-ubyte`);
  const labelsPath = await findFile(root, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([loadIdx(imagesPath), loadIdx(labelsPath)]);
  checkShapes(images, labels, imagesPath, labelsPath);
  let n = images.shape[0];
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new ArgumentError(`loadFashionMnist: limit must be a positive integer, got ${options.limit}`);
    n = Math.min(n, options.limit);
  }
  const src = images.data as Uint8Array;
  const pixels = new Float32Array(n * size * size).fill(-1);
  const off = (size - 28) / 2;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 28; y++) {
      const s = (i * 28 + y) * 28;
      const d = (i * size + y + off) * size + off;
      for (let x = 0; x < 28; x++) pixels[d + x] = src[s + x] / 127.5 - 1;
    }
  }
  const lab = new Int32Array(n);
  const rawLabels = labels.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (rawLabels[i] > 9)
      throw new FormatError(`${labelsPath}: label ${rawLabels[i]} at index ${i} is not in 0..9`);
    lab[i] = rawLabels[i];
  }
  return new InMemoryImageDataset({
    name: `fashion-mnist-${split}`,
    channels: 1,
    resolution: size,
    pixels,
    labels: lab,
    labelNames: FASHION_MNIST_LABELS,
  });
}

function checkShapes(images: Tensor, labels: Tensor, imagesPath: string, labelsPath: string): void {
  if (images.dtype !== 'uint8' || images.rank !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new FormatError(`${imagesPath}: expected uint8 [N, 28, 28] images, got ${images.describe()}`);
  }
  if (labels.dtype !== 'uint8' || labels.rank !== 1) {
    throw new FormatError(`${labelsPath}: expected uint8 [N] labels, got ${labels.describe()}`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new FormatError(
      `${labelsPath}: ${labels.shape[0]} labels for ${images.shape[0]} images in ${imagesPath}`,
    );
  }
}
