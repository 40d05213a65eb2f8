import type { NoiseMode } from '../../models/stylegan2/synthesis.js';
import {
  type GeneratedFeatures,
  type GeneratorFcd,
  generatedFeatures,
  generatorFcdFromFeatures,
  type ReferenceStats,
} from '../../metrics/generatorFcd.js';
import type { Classifier } from '../../models/classifier/classifier.js';
import type { BundleRef } from './bundles.js';
import { collectShards, float32From, seedRanges, toBase64 } from './seedShards.js';
import { contentId, type Shard } from './submit.js';
import type { TaskHandler } from './worker.js';

// metrics fcd --num N --queue: workers generate and classify ranges of seeds (whole --batch es, so their ONNX
// Runtime calls are the single-process run's) and send the features back; the submitter accumulates them in seed
// order with the reference statistics it computed itself, so the FCD is the single-process one to the last digit.

export interface FcdShardOptions {
  psi: number;
  /** 'random' draws noise per process, so it is not shardable. */
  noiseMode: Exclude<NoiseMode, 'random'>;
  batchSize: number;
}

export interface FcdShardData {
  model: BundleRef;
  classifier: BundleRef;
  options: FcdShardOptions;
  firstSeed: number;
  /** Index of the shard's first image in the run (classes of conditional models cycle from it). */
  offset: number;
  num: number;
}

export interface FcdOnQueue {
  url: string;
  model: BundleRef;
  classifier: BundleRef;
  num: number;
  firstSeed: number;
  options: FcdShardOptions;
  /** Images per task (rounded up to whole batches). */
  shardSize: number;
  log?: (line: string) => void;
}

export function fcdShards(q: Omit<FcdOnQueue, 'url' | 'log'>): Shard[] {
  return seedRanges(q.num, q.shardSize, q.options.batchSize).map((r) => {
    const data: FcdShardData = {
      model: q.model,
      classifier: q.classifier,
      options: q.options,
      firstSeed: q.firstSeed,
      offset: r.offset,
      num: r.num,
    };
    const { model, classifier, ...rest } = data;
    return {
      id: contentId('fcd', { model: model.contentHash, classifier: classifier.contentHash, ...rest }),
      task: 'fcd-part',
      data,
      label: `seeds ${q.firstSeed + r.offset}..${q.firstSeed + r.offset + r.num - 1}`,
    };
  });
}

/** Worker side: features and class probabilities of one range (~0.5 KB per image for a 128-d feature). */
export const runFcdShard: TaskHandler = async (raw, ctx, locator) => {
  const d = raw as FcdShardData;
  const model = await locator.model(d.model);
  const classifier = await locator.classifier(d.classifier);
  ctx.report({ step: 0, total: d.num });
  const f = await generatedFeatures(
    model,
    classifier,
    {
      num: d.num,
      firstSeed: d.firstSeed,
      offset: d.offset,
      psi: d.options.psi,
      noiseMode: d.options.noiseMode,
      batchSize: d.options.batchSize,
    },
    (done) => {
      ctx.checkCancelled();
      ctx.report({ step: done, total: d.num });
    },
  );
  return { n: f.n, features: toBase64(f.features), probs: toBase64(f.probs) };
};

/** Submitter side: queue the ranges, then the FCD of the joined features against `reference`. */
export async function fcdOnQueue(
  q: FcdOnQueue,
  classifier: Classifier,
  reference: ReferenceStats,
): Promise<GeneratorFcd> {
  const t0 = performance.now();
  const { results } = await collectShards(q.url, fcdShards(q), q.log ?? (() => undefined));
  const k = classifier.config.numClasses;
  const parts: GeneratedFeatures[] = (results as { n: number; features: string; probs: string }[]).map(
    (r) => ({
      n: r.n,
      features: float32From(r.features, r.n * classifier.featureDim, 'features'),
      probs: float32From(r.probs, r.n * k, 'probabilities'),
    }),
  );
  return generatorFcdFromFeatures(classifier, parts, reference, (performance.now() - t0) / 1000);
}
