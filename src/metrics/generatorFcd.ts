import { ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import type { EvaluationRecord } from '../models/manifest.js';
import { type ClassConfidence, ClassConfidenceAccumulator } from './confidence.js';
import { classifierFeatureStats, type FrechetResult, frechetDistance, type ImageSource } from './fcd.js';
import { type GeneratedImagesOptions, generatedImages } from './generated.js';
import { type FeatureStats, FeatureStatsAccumulator } from './stats.js';

/** Feature statistics and class confidence of the reference images, computed once and reused. */
export interface ReferenceStats {
  name: string;
  stats: FeatureStats;
  confidence: ClassConfidence;
}

export async function referenceStats(
  c: Classifier,
  images: ImageSource,
  name: string,
  opts: { batchSize?: number; limit?: number } = {},
): Promise<ReferenceStats> {
  const conf = new ClassConfidenceAccumulator(c.config.numClasses);
  const stats = await classifierFeatureStats(c, images, { ...opts, onPredictions: (p) => conf.add(p.probs) });
  return { name, stats, confidence: conf.finish() };
}

/** FCD of a generator's samples against reference images, and the classifier's confidence on both. */
export interface GeneratorFcd extends FrechetResult {
  /** Generated images measured. */
  num: number;
  confidence: ClassConfidence;
  reference: ReferenceStats;
  seconds: number;
}

export async function generatorFcd(
  model: GanModel,
  c: Classifier,
  reference: ReferenceStats,
  opts: GeneratedImagesOptions,
): Promise<GeneratorFcd> {
  const t0 = performance.now();
  const conf = new ClassConfidenceAccumulator(c.config.numClasses);
  const fake = await classifierFeatureStats(c, generatedImages(model, opts), {
    batchSize: opts.batchSize,
    onPredictions: (p) => conf.add(p.probs),
  });
  return {
    ...frechetDistance(fake, reference.stats),
    num: fake.n,
    confidence: conf.finish(),
    reference,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Classifier outputs of a range of generated images (a shard of a sharded FCD): features [n, featureDim], probs [n, K]. */
export interface GeneratedFeatures {
  n: number;
  features: Float32Array;
  probs: Float32Array;
}

/** The features and class probabilities of generated images offset..offset + num − 1 (see generatedImages). */
export async function generatedFeatures(
  model: GanModel,
  c: Classifier,
  opts: GeneratedImagesOptions,
  onProgress?: (done: number) => void,
): Promise<GeneratedFeatures> {
  const k = c.config.numClasses;
  const features = new Float32Array(opts.num * c.featureDim);
  const probs = new Float32Array(opts.num * k);
  let n = 0;
  // the batches and ORT calls of generatorFcd (classifierFeatureStats over generatedImages), kept per image
  for await (const images of generatedImages(model, opts)) {
    if (c.config.head === 'avgpool' && images.shape[2] !== c.manifest.resolution)
      throw new ShapeError(`FCD: ${c.name} was trained on ${c.manifest.resolution}px images, got ${images.shape[2]}px`);
    const p = await predict(c, images, { batchSize: opts.batchSize ?? 100 });
    features.set(p.features.data, n * c.featureDim);
    probs.set(p.probs.data, n * k);
    n += images.shape[0];
    onProgress?.(n);
  }
  return { n, features, probs };
}

/**
 * generatorFcd from the features of generated images in seed order (the shards of a sharded run, joined):
 * the statistics accumulate row by row, so the result equals the single-process one to the last bit.
 */
export function generatorFcdFromFeatures(
  c: Classifier,
  parts: readonly GeneratedFeatures[],
  reference: ReferenceStats,
  seconds: number,
): GeneratorFcd {
  const k = c.config.numClasses;
  const acc = new FeatureStatsAccumulator(c.featureDim);
  const conf = new ClassConfidenceAccumulator(k);
  for (const p of parts) {
    if (p.features.length !== p.n * c.featureDim || p.probs.length !== p.n * k)
      throw new ShapeError(`FCD: a part of ${p.n} images holds ${p.features.length} feature and ${p.probs.length} probability values (${c.featureDim} and ${k} per image expected)`);
    acc.add(new Tensor('float32', [p.n, c.featureDim], p.features));
    conf.add(new Tensor('float32', [p.n, k], p.probs));
  }
  const fake = acc.finish();
  return {
    ...frechetDistance(fake, reference.stats),
    num: fake.n,
    confidence: conf.finish(),
    reference,
    seconds,
  };
}

/** The card records (model.json `evaluation`) of a measurement: 'fcd' and 'classifierConfidence'. */
export function fcdRecords(
  r: GeneratorFcd,
  model: GanModel,
  c: Classifier,
  command: string,
): Record<'fcd' | 'classifierConfidence', EvaluationRecord> {
  const common = {
    modelHash: model.manifest.contentHash,
    command,
    num: r.num,
    classifier: { name: c.name, contentHash: c.manifest.contentHash },
    measured: new Date().toISOString(),
  };
  return {
    fcd: {
      ...common,
      value: r.value,
      details: {
        meanTerm: r.meanTerm,
        covTerm: r.covTerm,
        reference: r.reference.name,
        referenceNum: r.reference.stats.n,
      },
    },
    classifierConfidence: {
      ...common,
      value: r.confidence.meanTopProbability,
      details: {
        confidentShare: r.confidence.confidentShare,
        threshold: r.confidence.threshold,
        reference: r.reference.confidence.meanTopProbability,
      },
    },
  };
}
