import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import type { EvaluationRecord } from '../models/manifest.js';
import { type ClassConfidence, ClassConfidenceAccumulator } from './confidence.js';
import { classifierFeatureStats, type FrechetResult, frechetDistance, type ImageSource } from './fcd.js';
import { type GeneratedImagesOptions, generatedImages } from './generated.js';
import type { FeatureStats } from './stats.js';

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
