import { writeFile } from 'node:fs/promises';
import { ArgumentError } from '../core/errors.js';
import { formatCommand, type VerbSpec } from '../core/options.js';
import type { ImageDataset } from '../data/dataset.js';
import { loadFashionMnist } from '../data/fashionMnist.js';
import { loadImageFolder } from '../data/imageFolder.js';
import { NOISE_MODES } from '../latent/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { isBundleFolder, MANIFEST_FILE, recordEvaluation } from '../models/io/bundle.js';
import { loadModel } from '../models/io/loadModel.js';
import { fcdRecords, type GeneratorFcd, generatorFcd, type ReferenceStats, referenceStats } from './generatorFcd.js';

/** `latentlab metrics fcd`, resolved. */
export interface FcdOptions {
  readonly model: string;
  readonly classifier: string;
  /** Generated images (seeds seedStart..). */
  readonly num: number;
  /** 'fashion-mnist' (its test split) or an image folder. */
  readonly data: string;
  /** At most this many reference images (null: all). */
  readonly refNum: number | null;
  readonly trunc: number;
  readonly seedStart: number;
  readonly noiseMode: NoiseMode;
  readonly batch: number;
  readonly json: string | null;
  /** Write FCD and class confidence into the bundle's card. */
  readonly record: boolean;
}

export const FCD_SPEC: VerbSpec = {
  words: ['metrics', 'fcd'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'generator: bundle folder or checkpoint (.pkl, .pt, .pth)' },
    { key: 'classifier', flag: 'classifier', kind: 'string', help: 'classifier bundle folder (e.g. models/fmnist-classifier)' },
    { key: 'num', flag: 'num', kind: 'number', help: 'generated images (seeds seed-start..)', default: 10_000 },
    {
      key: 'data',
      flag: 'data',
      kind: 'string',
      help: "reference images: 'fashion-mnist' (its test split) or an image folder",
      default: 'fashion-mnist',
    },
    { key: 'refNum', flag: 'ref-num', kind: 'number', help: 'use at most this many reference images', defaultText: 'all' },
    { key: 'trunc', flag: 'trunc', kind: 'number', help: 'truncation psi of the generated images', default: 1 },
    { key: 'seedStart', flag: 'seed-start', kind: 'number', help: 'first seed', default: 0 },
    { key: 'noiseMode', flag: 'noise-mode', kind: 'string', help: 'const | random | none', default: 'const', choices: NOISE_MODES },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'images per ONNX Runtime call', default: 100 },
    { key: 'json', flag: 'json', kind: 'string', help: 'also write the result as JSON to this file' },
    {
      key: 'record',
      flag: 'record',
      kind: 'boolean',
      help: "write FCD and class confidence into the bundle's card (model.json)",
      default: false,
    },
  ],
};

function int(v: number, min: number, flag: string): number {
  if (!Number.isInteger(v) || v < min)
    throw new ArgumentError(`metrics fcd: --${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function resolveFcdOptions(p: Partial<FcdOptions>): FcdOptions {
  if (!p.model) throw new ArgumentError('metrics fcd: --model is required');
  if (!p.classifier) throw new ArgumentError('metrics fcd: --classifier is required');
  const noiseMode = p.noiseMode ?? 'const';
  if (!NOISE_MODES.includes(noiseMode))
    throw new ArgumentError(`metrics fcd: --noise-mode must be const, random or none, got '${noiseMode}'`);
  const trunc = p.trunc ?? 1;
  if (!Number.isFinite(trunc)) throw new ArgumentError(`metrics fcd: --trunc must be a number, got ${trunc}`);
  const record = p.record ?? false;
  if (record && !isBundleFolder(p.model))
    throw new ArgumentError(
      `metrics fcd: --record writes into a bundle folder's ${MANIFEST_FILE}; ${p.model} is not one (latentlab import makes one)`,
    );
  return {
    model: p.model,
    classifier: p.classifier,
    num: int(p.num ?? 10_000, 2, 'num'),
    data: p.data ?? 'fashion-mnist',
    refNum: p.refNum === undefined || p.refNum === null ? null : int(p.refNum, 2, 'ref-num'),
    trunc,
    seedStart: int(p.seedStart ?? 0, 0, 'seed-start'),
    noiseMode,
    batch: int(p.batch ?? 100, 1, 'batch'),
    json: p.json ?? null,
    record,
  };
}

export interface FcdRun {
  result: GeneratorFcd;
  reference: ReferenceStats;
  model: GanModel;
  classifier: Classifier;
  /** Reference images used, and the set's name. */
  referenceName: string;
}

/** `latentlab metrics fcd`: FCD and class confidence of `num` generated images against the reference set. */
export async function measureFcd(
  o: FcdOptions,
  hooks: {
    onStart?: (line: string) => void;
    model?: GanModel;
    classifier?: Classifier;
    /** Computes the generated side elsewhere (e.g. sharded on a queue); same result as generatorFcd. */
    generated?: (
      classifier: Classifier,
      reference: ReferenceStats,
      run: { num: number; firstSeed: number; psi: number; noiseMode: NoiseMode; batchSize: number },
    ) => Promise<GeneratorFcd>;
  } = {},
): Promise<FcdRun> {
  const classifier = hooks.classifier ?? (await readClassifierBundle(o.classifier));
  const model = hooks.model ?? (await loadModel(o.model));
  if (model.imgChannels !== classifier.config.inChannels)
    throw new ArgumentError(
      `metrics fcd: ${model.name} makes ${model.imgChannels}-channel images, ${classifier.name} reads ${classifier.config.inChannels}`,
    );
  const size = classifier.manifest.resolution;
  let reference: ImageDataset;
  if (o.data === 'fashion-mnist') {
    if (size !== 32 && size !== 28)
      throw new ArgumentError(`metrics fcd: ${classifier.name} is for ${size}px images; fashion-mnist is 28 or 32`);
    reference = await loadFashionMnist('test', { pad: size });
  } else {
    // An image folder (e.g. the training images, as NVIDIA's fid50k_full), at the classifier's size.
    reference = await loadImageFolder(o.data, { size, channels: classifier.config.inChannels as 1 | 3 });
  }
  const limit = Math.min(o.refNum ?? reference.size, reference.size);
  hooks.onStart?.(
    `FCD: ${o.num} images of ${model.name} (psi ${o.trunc}) against ${limit} ${reference.name} images, features of ${classifier.name} (${classifier.featureDim}-d)`,
  );
  const refStats = await referenceStats(classifier, reference, reference.name, { batchSize: o.batch, limit });
  const run = { num: o.num, firstSeed: o.seedStart, psi: o.trunc, noiseMode: o.noiseMode, batchSize: o.batch };
  const r = hooks.generated
    ? await hooks.generated(classifier, refStats, run)
    : await generatorFcd(model, classifier, refStats, run);
  if (o.json) {
    const record = {
      metric: 'fcd',
      value: r.value,
      meanTerm: r.meanTerm,
      covTerm: r.covTerm,
      model: o.model,
      classifier: o.classifier,
      num: r.num,
      reference: reference.name,
      referenceNum: refStats.stats.n,
      psi: o.trunc,
      firstSeed: o.seedStart,
      noiseMode: o.noiseMode,
      seconds: r.seconds,
      confidence: r.confidence,
      referenceConfidence: refStats.confidence,
    };
    await writeFile(o.json, `${JSON.stringify(record, null, 2)}\n`);
  }
  if (o.record) {
    // the card names the command that measured it, reference count made explicit (without the output flags)
    const command = formatCommand(FCD_SPEC, { ...o, refNum: refStats.stats.n, json: null, record: false }).replace(
      /^npx /,
      '',
    );
    await recordEvaluation(o.model, fcdRecords(r, model, classifier, command));
  }
  return { result: r, reference: refStats, model, classifier, referenceName: reference.name };
}
