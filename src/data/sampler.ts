import { ArgumentError } from '../core/errors.js';
import { RandomState, type RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { Batch, ImageDataset } from './dataset.js';

/** Where a sampler stands, JSON-serialisable (checkpoints store it for an exact --resume). */
export interface BatchSamplerState {
  /** Epochs started so far (the current one included). */
  epoch: number;
  /** Position in the current epoch's order. */
  position: number;
  /** The RNG state just before the current epoch's permutation was drawn (it is redrawn on restore). */
  epochRng: RandomStateSnapshot;
  /** The RNG state now (after the current permutation). */
  rng: RandomStateSnapshot;
  /** Items sampled from (the dataset size, or the subset), checked on restore. */
  size: number;
  batchSize: number;
}

export interface BatchSamplerOptions {
  /** Sample only the first `subset` items (tests, overfitting checks). */
  subset?: number;
}

/**
 * Fixed-size batches in a fresh random order every epoch: `RandomState(seed).permutation(n)`,
 * numpy-exact. A batch that runs past the end of an epoch continues with the next epoch's order,
 * so every batch has `batchSize` rows (static graph shapes) and each image appears once per epoch.
 * getState/setState restore the exact position without storing the permutation.
 */
export class BatchSampler {
  private readonly rng: RandomState;
  private readonly n: number;
  private order: number[] = [];
  private position = 0;
  private epoch = 0;
  private epochRng: RandomStateSnapshot;

  constructor(
    readonly dataset: ImageDataset,
    readonly batchSize: number,
    /** A RandomState seed: an integer, or an array (`init_by_array`) to derive independent streams. */
    seed: number | readonly number[],
    options: BatchSamplerOptions = {},
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ArgumentError(`BatchSampler: batch size must be a positive integer, got ${batchSize}`);
    this.n = options.subset === undefined ? dataset.size : Math.min(options.subset, dataset.size);
    if (!Number.isInteger(this.n) || this.n < 1)
      throw new ArgumentError(
        `BatchSampler: ${dataset.name} has no items to sample (subset ${options.subset})`,
      );
    this.rng = new RandomState(seed);
    this.epochRng = this.rng.getState();
    this.startEpoch();
  }

  /** Items per epoch. */
  get size(): number {
    return this.n;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  private startEpoch(): void {
    this.epochRng = this.rng.getState();
    this.order = this.rng.permutation(this.n);
    this.position = 0;
    this.epoch++;
  }

  /** The next `batchSize` dataset indices. */
  nextIndices(): Int32Array {
    const out = new Int32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) {
      if (this.position === this.n) this.startEpoch();
      out[i] = this.order[this.position++];
    }
    return out;
  }

  /** The next batch: images [B, C, R, R], labels and dataset indices. */
  next(): Batch {
    const indices = this.nextIndices();
    const { channels: c, resolution: r } = this.dataset;
    const stride = c * r * r;
    const images = Tensor.float32([this.batchSize, c, r, r]);
    const labels = new Int32Array(this.batchSize);
    indices.forEach((idx, i) => {
      images.data.set(this.dataset.image(idx), i * stride);
      labels[i] = this.dataset.label(idx);
    });
    return { images, labels, indices };
  }

  getState(): BatchSamplerState {
    return {
      epoch: this.epoch,
      position: this.position,
      epochRng: this.epochRng,
      rng: this.rng.getState(),
      size: this.n,
      batchSize: this.batchSize,
    };
  }

  setState(s: BatchSamplerState): void {
    if (s.size !== this.n || s.batchSize !== this.batchSize) {
      throw new ArgumentError(
        `BatchSampler.setState: state is for ${s.size} items in batches of ${s.batchSize}, this sampler has ${this.n} in batches of ${this.batchSize}`,
      );
    }
    if (!Number.isInteger(s.position) || s.position < 0 || s.position > this.n)
      throw new ArgumentError(`BatchSampler.setState: position ${s.position} outside 0..${this.n}`);
    this.rng.setState(s.epochRng);
    this.epochRng = this.rng.getState();
    this.order = this.rng.permutation(this.n);
    const after = this.rng.getState();
    if (after.pos !== s.rng.pos || after.key.some((w, i) => w !== s.rng.key[i])) {
      throw new ArgumentError('BatchSampler.setState: epoch RNG state does not lead to the saved RNG state');
    }
    this.position = s.position;
    this.epoch = s.epoch;
  }
}
