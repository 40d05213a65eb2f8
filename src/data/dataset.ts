import type { Tensor } from '../core/tensor.js';

/**
 * An in-memory image dataset: images in [-1, 1], NCHW order, with integer labels.
 * Fashion-MNIST (70k 28x28 images, padded to 32x32) is the one the shipped models train on.
 */
export interface ImageDataset {
  readonly name: string;
  readonly size: number;
  readonly channels: number;
  readonly resolution: number;
  /** Number of label classes (0 when unlabelled). */
  readonly numClasses: number;
  readonly labelNames: readonly string[];
  /** Image i as C·R·R floats in [-1, 1] (a view, do not mutate). */
  image(i: number): Float32Array;
  label(i: number): number;
}

/** A batch drawn from a dataset. */
export interface Batch {
  /** [B, C, R, R] in [-1, 1]. */
  images: Tensor<'float32'>;
  labels: Int32Array;
  /** Dataset indices of the rows. */
  indices: Int32Array;
}
