import { ArgumentError, ShapeError } from '../core/errors.js';
import type { ImageDataset } from './dataset.js';

/** What an in-memory dataset is built from: every image packed C·R·R floats after the previous one. */
export interface ImageArrays {
  name: string;
  channels: number;
  resolution: number;
  /** [size, C, R, R] floats in [-1, 1], row-major. */
  pixels: Float32Array;
  /** One label per image (all 0 when unlabelled). */
  labels: Int32Array;
  labelNames: readonly string[];
}

/** An ImageDataset over packed arrays (Fashion-MNIST, decoded image folders). */
export class InMemoryImageDataset implements ImageDataset {
  readonly name: string;
  readonly size: number;
  readonly channels: number;
  readonly resolution: number;
  readonly numClasses: number;
  readonly labelNames: readonly string[];
  private readonly pixels: Float32Array;
  private readonly labels: Int32Array;
  private readonly stride: number;

  constructor(a: ImageArrays) {
    this.stride = a.channels * a.resolution * a.resolution;
    if (a.pixels.length % this.stride !== 0 || a.pixels.length / this.stride !== a.labels.length) {
      throw new ShapeError(
        `${a.name}: ${a.pixels.length} pixel values do not make ${a.labels.length} images of ${a.channels}×${a.resolution}×${a.resolution}`,
      );
    }
    this.name = a.name;
    this.size = a.labels.length;
    this.channels = a.channels;
    this.resolution = a.resolution;
    this.labelNames = Object.freeze([...a.labelNames]);
    this.numClasses = a.labelNames.length;
    this.pixels = a.pixels;
    this.labels = a.labels;
  }

  image(i: number): Float32Array {
    this.check(i);
    return this.pixels.subarray(i * this.stride, (i + 1) * this.stride);
  }

  label(i: number): number {
    this.check(i);
    return this.labels[i];
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new ArgumentError(`${this.name}: image index ${i} out of range 0..${this.size - 1}`);
    }
  }
}

/** The first `n` items of a dataset (tests and quick runs), sharing its memory. */
export function takeFirst(dataset: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 1)
    throw new ArgumentError(`takeFirst: n must be a positive integer, got ${n}`);
  if (n >= dataset.size) return dataset;
  return {
    name: `${dataset.name}[:${n}]`,
    size: n,
    channels: dataset.channels,
    resolution: dataset.resolution,
    numClasses: dataset.numClasses,
    labelNames: dataset.labelNames,
    image: (i) => dataset.image(checkIndex(i, n, dataset.name)),
    label: (i) => dataset.label(checkIndex(i, n, dataset.name)),
  };
}

function checkIndex(i: number, n: number, name: string): number {
  if (!Number.isInteger(i) || i < 0 || i >= n)
    throw new ArgumentError(`${name}: image index ${i} out of range 0..${n - 1}`);
  return i;
}
