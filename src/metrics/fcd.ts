import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { type Predictions, predict } from '../models/classifier/predict.js';
import { traceSqrtProduct } from '../core/linalg.js';
import { type FeatureStats, FeatureStatsAccumulator } from './stats.js';

/**
 * Fréchet classifier distance: the Fréchet (2-Wasserstein) distance between Gaussians fitted to
 * the classifier's penultimate features of two image sets, as FID does with Inception features:
 *   ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½).
 * Statistics and the matrix square root are float64; Tr (Σ1Σ2)^½ comes from the symmetric
 * Σ1^½Σ2Σ1^½ (see traceSqrtProduct), so no complex sqrtm is needed.
 */

export interface FrechetResult {
  /** The distance (≥ 0 up to rounding; tiny negative rounding is clamped to 0). */
  value: number;
  /** ‖μ1 − μ2‖². */
  meanTerm: number;
  /** Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½). */
  covTerm: number;
}

export function frechetDistance(a: FeatureStats, b: FeatureStats): FrechetResult {
  if (a.dim !== b.dim) throw new ShapeError(`Fréchet distance: ${a.dim}-d features against ${b.dim}-d`);
  let meanTerm = 0;
  for (let i = 0; i < a.dim; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let tr = 0;
  for (let i = 0; i < a.dim; i++) tr += a.cov[i * a.dim + i] + b.cov[i * a.dim + i];
  const covTerm = tr - 2 * traceSqrtProduct(a.cov, b.cov);
  return { value: Math.max(0, meanTerm + covTerm), meanTerm, covTerm };
}

/** Images to measure: a tensor [N, C, R, R], a dataset, or batches from a generator. */
export type ImageSource = Tensor | ImageDataset | AsyncIterable<Tensor>;

export interface FeatureOptions {
  /** Images per classifier run. Default 100. */
  batchSize?: number;
  /** Use at most this many images of the source. */
  limit?: number;
  /** Called after each batch with the images done so far. */
  onProgress?: (done: number) => void;
  /** Called with each batch's predictions (e.g. to measure class confidence in the same pass). */
  onPredictions?: (p: Predictions) => void;
}

function isDataset(s: ImageSource): s is ImageDataset {
  return typeof (s as ImageDataset).image === 'function' && typeof (s as ImageDataset).size === 'number';
}

/** Batches of a source, each [B, C, R, R], at most `limit` images in all. */
async function* batchesOf(source: ImageSource, batchSize: number, limit: number): AsyncGenerator<Tensor> {
  if (source instanceof Tensor) {
    const [n, ...rest] = source.shape;
    const row = rest.reduce((p, d) => p * d, 1);
    const data = source.toFloat32().data;
    for (let s = 0; s < Math.min(n, limit); s += batchSize) {
      const count = Math.min(batchSize, Math.min(n, limit) - s);
      yield new Tensor('float32', [count, ...rest], data.subarray(s * row, (s + count) * row));
    }
    return;
  }
  if (isDataset(source)) {
    const { channels: c, resolution: r } = source;
    const n = Math.min(source.size, limit);
    for (let s = 0; s < n; s += batchSize) {
      const count = Math.min(batchSize, n - s);
      const t = Tensor.float32([count, c, r, r]);
      for (let i = 0; i < count; i++) t.data.set(source.image(s + i), i * c * r * r);
      yield t;
    }
    return;
  }
  let seen = 0;
  for await (const t of source) {
    if (seen >= limit) return;
    const take = Math.min(t.shape[0], limit - seen);
    yield take === t.shape[0]
      ? t
      : new Tensor(
          'float32',
          [take, ...t.shape.slice(1)],
          t.toFloat32().data.subarray(0, (take * t.size) / t.shape[0]),
        );
    seen += take;
  }
}

/** Classifier feature statistics of a set of images in [-1, 1], computed batch by batch. */
export async function classifierFeatureStats(
  c: Classifier,
  source: ImageSource,
  opts: FeatureOptions = {},
): Promise<FeatureStats> {
  const batchSize = opts.batchSize ?? 100;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ArgumentError(`FCD: batch size must be a positive integer, got ${batchSize}`);
  const acc = new FeatureStatsAccumulator(c.featureDim);
  for await (const images of batchesOf(source, batchSize, limit)) {
    if (images.rank !== 4 || images.shape[1] !== c.config.inChannels) {
      throw new ShapeError(
        `FCD: ${c.name} takes [N, ${c.config.inChannels}, R, R] images, got ${formatShape(images.shape)}`,
      );
    }
    // Global-average features of other sizes are not comparable; the dense head pads 28 → 32 itself.
    if (c.config.head === 'avgpool' && images.shape[2] !== c.manifest.resolution) {
      throw new ShapeError(
        `FCD: ${c.name} was trained on ${c.manifest.resolution}px images, got ${images.shape[2]}px`,
      );
    }
    const p = await predict(c, images, { batchSize });
    acc.add(p.features);
    opts.onPredictions?.(p);
    opts.onProgress?.(acc.count);
  }
  return acc.finish();
}

export interface FcdResult extends FrechetResult {
  /** Images measured in each set. */
  n1: number;
  n2: number;
}

/** FCD between two image sources (e.g. generated images and a test split). */
export async function fcd(
  c: Classifier,
  a: ImageSource,
  b: ImageSource,
  opts: FeatureOptions = {},
): Promise<FcdResult> {
  const sa = await classifierFeatureStats(c, a, opts);
  const sb = await classifierFeatureStats(c, b, opts);
  return { ...frechetDistance(sa, sb), n1: sa.n, n2: sb.n };
}
