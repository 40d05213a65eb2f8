import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { DirectionSet, DirectionSpace } from '../../directions/direction.js';
import {
  GANSPACE_CHUNK,
  ganspaceDim,
  ganspaceFromCovariance,
  ganspaceMoments,
  type Moments,
  type PcaResult,
  StreamingCovariance,
} from '../../directions/ganspace.js';
import {
  type Attribute,
  type Boundary,
  fitInterfacegan,
  type InterfaceganFitOptions,
} from '../../directions/interfacegan.js';
import { LABEL_CHUNK, labelSeedRange } from '../../directions/labelled.js';
import type { BundleRef } from './bundles.js';
import { collectShards, float32From, float64From, seedRanges, toBase64 } from './seedShards.js';
import { contentId, type Shard } from './submit.js';
import type { TaskHandler } from './worker.js';

// directions interfacegan | ganspace --num N --queue: seeds in ranges that start on the single-process run's
// chunks; workers sample (and label) their range, the submitter joins the parts in seed order and fits, so the
// direction file equals a single-process run's byte for byte.

export interface InterfaceganShardData {
  model: BundleRef;
  classifier: BundleRef;
  space: DirectionSpace;
  psi: number;
  firstSeed: number;
  num: number;
}

/** A shard's labelled samples: the codes of the run's space [num, dim] and class log-probabilities [num, K]. */
export interface InterfaceganShardResult {
  num: number;
  dim: number;
  numClasses: number;
  codes: string;
  logProbs: string;
}

export interface InterfaceganOnQueue {
  url: string;
  model: BundleRef;
  classifier: BundleRef;
  attributes: readonly Attribute[];
  /** The options a single-process `interfacegan` gets (num, firstSeed, psi, space, SVM settings...). */
  options: InterfaceganFitOptions;
  /** Samples per task (rounded up to whole LABEL_CHUNKs). */
  shardSize: number;
  log?: (line: string) => void;
}

export function interfaceganShards(q: Omit<InterfaceganOnQueue, 'url' | 'attributes' | 'log'>): Shard[] {
  const num = q.options.num ?? 20_000;
  const firstSeed = q.options.firstSeed ?? 0;
  return seedRanges(num, q.shardSize, LABEL_CHUNK).map((r) => {
    const data: InterfaceganShardData = {
      model: q.model,
      classifier: q.classifier,
      space: q.options.space ?? 'w',
      psi: q.options.psi ?? 1,
      firstSeed: firstSeed + r.offset,
      num: r.num,
    };
    const { model, classifier, ...rest } = data;
    return {
      id: contentId('interfacegan', {
        model: model.contentHash,
        classifier: classifier.contentHash,
        ...rest,
      }),
      task: 'interfacegan-part',
      data,
      label: `seeds ${data.firstSeed}..${data.firstSeed + data.num - 1}`,
    };
  });
}

/** Worker side: sample and label one range of seeds. */
export const runInterfaceganShard: TaskHandler = async (raw, ctx, locator) => {
  const d = raw as InterfaceganShardData;
  const model = await locator.model(d.model);
  const classifier = await locator.classifier(d.classifier);
  const s = await labelSeedRange(model, classifier, {
    num: d.num,
    firstSeed: d.firstSeed,
    psi: d.psi,
    onProgress: (done, total) => {
      ctx.checkCancelled();
      ctx.report({ step: done, total });
    },
  });
  const codes = d.space === 'w' ? s.w : s.z;
  if (!codes) throw new ArgumentError(`InterFaceGAN: ${model.name} has no W space; use space 'z'`);
  const result: InterfaceganShardResult = {
    num: d.num,
    dim: codes.shape[1],
    numClasses: s.numClasses,
    codes: toBase64(codes.data),
    logProbs: toBase64(s.logProbs),
  };
  return result;
};

/** The parts joined in seed order: codes [N, dim] and log-probabilities [N, K], as one sampleLabelled gives. */
export function joinLabelled(parts: readonly InterfaceganShardResult[]): {
  codes: Tensor<'float32'>;
  logProbs: Float64Array;
  numClasses: number;
} {
  const { dim, numClasses } = parts[0];
  const n = parts.reduce((s, p) => s + p.num, 0);
  const codes = Tensor.float32([n, dim]);
  const logProbs = new Float64Array(n * numClasses);
  let row = 0;
  for (const p of parts) {
    if (p.dim !== dim || p.numClasses !== numClasses)
      throw new ArgumentError(
        `InterFaceGAN: shards disagree on dimensions (${p.dim}/${p.numClasses} against ${dim}/${numClasses})`,
      );
    codes.data.set(float32From(p.codes, p.num * dim, 'codes'), row * dim);
    logProbs.set(float64From(p.logProbs, p.num * numClasses, 'log-probabilities'), row * numClasses);
    row += p.num;
  }
  return { codes, logProbs, numClasses };
}

/** Submitter side: queue the ranges, wait, join and fit (the same fit as a single-process run). */
export async function interfaceganOnQueue(
  q: InterfaceganOnQueue,
): Promise<{ set: DirectionSet; boundaries: Boundary[] }> {
  const shards = interfaceganShards(q);
  const { results } = await collectShards(q.url, shards, q.log ?? (() => undefined));
  const joined = joinLabelled(results as InterfaceganShardResult[]);
  return fitInterfacegan(joined.codes, joined, q.attributes, q.options);
}

export interface GanspaceShardData {
  model: BundleRef;
  space: 'w' | 'z';
  firstSeed: number;
  num: number;
  /** Samples per block (the single-process run's chunk): one set of moments each. */
  chunk: number;
}

interface EncodedMoments {
  count: number;
  mean: string;
  scatter: string;
}

export interface GanspaceOnQueue {
  url: string;
  model: BundleRef;
  num: number;
  firstSeed: number;
  space: 'w' | 'z';
  components?: number;
  /** Samples per task (rounded up to whole GANSPACE_CHUNKs). */
  shardSize: number;
  log?: (line: string) => void;
}

export function ganspaceShards(q: Omit<GanspaceOnQueue, 'url' | 'log' | 'components'>): Shard[] {
  return seedRanges(q.num, q.shardSize, GANSPACE_CHUNK).map((r) => {
    const data: GanspaceShardData = {
      model: q.model,
      space: q.space,
      firstSeed: q.firstSeed + r.offset,
      num: r.num,
      chunk: GANSPACE_CHUNK,
    };
    const { model, ...rest } = data;
    return {
      id: contentId('ganspace', { model: model.contentHash, ...rest }),
      task: 'ganspace-part',
      data,
      label: `seeds ${data.firstSeed}..${data.firstSeed + data.num - 1}`,
    };
  });
}

/** Worker side: the exact moments (count, mean, scatter) of each chunk of the range. */
export const runGanspaceShard: TaskHandler = async (raw, ctx, locator) => {
  const d = raw as GanspaceShardData;
  const model = await locator.model(d.model);
  const blocks: EncodedMoments[] = [];
  for (let start = 0; start < d.num; start += d.chunk) {
    ctx.checkCancelled();
    const m = await ganspaceMoments(model, d.space, d.firstSeed + start, Math.min(d.chunk, d.num - start));
    blocks.push({ count: m.count, mean: toBase64(m.mean), scatter: toBase64(m.scatter) });
    ctx.report({ step: Math.min(d.num, start + d.chunk), total: d.num });
  }
  return { dim: ganspaceDim(model, d.space), blocks };
};

/** Submitter side: queue the ranges, merge every chunk's moments in seed order, then PCA as one process would. */
export async function ganspaceOnQueue(
  q: GanspaceOnQueue,
  model: { name: string; contentHash: string },
): Promise<{ set: DirectionSet; pca: PcaResult }> {
  const shards = ganspaceShards(q);
  const { results } = await collectShards(q.url, shards, q.log ?? (() => undefined));
  let cov: StreamingCovariance | null = null;
  for (const r of results as { dim: number; blocks: EncodedMoments[] }[]) {
    cov ??= new StreamingCovariance(r.dim);
    for (const b of r.blocks) {
      const m: Moments = {
        count: b.count,
        mean: float64From(b.mean, r.dim, 'mean'),
        scatter: float64From(b.scatter, r.dim * r.dim, 'scatter'),
      };
      cov.merge(m);
    }
  }
  return ganspaceFromCovariance(cov!, {
    num: q.num,
    firstSeed: q.firstSeed,
    space: q.space,
    components: q.components,
    model,
  });
}
