import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageDataset } from '../../data/dataset.js';
import { loadFashionMnist } from '../../data/fashionMnist.js';
import { loadImageFolder } from '../../data/imageFolder.js';
import { isBundleFolder, MANIFEST_FILE, recordEvaluation } from '../../models/io/bundle.js';
import { ArgumentError, loadModel, type NoiseMode } from '../../index.js';
import type { ClassConfidence } from '../../metrics/confidence.js';
import { fcdRecords, generatorFcd, referenceStats } from '../../metrics/generatorFcd.js';
import { readClassifierBundle } from '../../models/classifier/bundle.js';
import type { FlagSpec, ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { conditioningMetric, pplMetric } from './metricsPaths.js';
import { queueFlags } from './directionsQueue.js';
import { fcdFromQueue } from './metricsQueue.js';

/**
 * `latentlab metrics <metric> [flags]`: one verb, one entry per metric in METRICS. A metric lists
 * its flags (they join the verb's list; flags of other metrics are refused by name) and runs.
 */
export interface MetricSubcommand {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  run(flags: ParsedFlags, out: (line: string) => void): Promise<void>;
}

function str(flags: ParsedFlags, name: string, metric: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || !v) throw new ArgumentError(`metrics ${metric}: --${name} is required`);
  return v;
}

function int(flags: ParsedFlags, name: string, dflt: number, metric: string, min = 0): number {
  const v = flags[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ArgumentError(`metrics ${metric}: --${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

const fcdMetric: MetricSubcommand = {
  name: 'fcd',
  summary:
    "Fréchet classifier distance between a generator's images and a test set, in a classifier's feature space",
  usage:
    'latentlab metrics fcd --model GENERATOR --classifier DIR [--num 10000] [--data fashion-mnist|DIR] [--trunc 1] [--seed-start 0] [--json FILE] [--record]',
  flags: [
    { name: 'model', type: 'string', help: 'generator: bundle folder or checkpoint (.pkl, .pt, .pth)' },
    { name: 'classifier', type: 'string', help: 'classifier bundle folder (e.g. models/fmnist-classifier)' },
    { name: 'num', type: 'number', help: 'generated images (seeds seed-start..; default 10000)' },
    { name: 'data', type: 'string', help: "reference images: 'fashion-mnist' (its test split; default) or an image folder" },
    { name: 'ref-num', type: 'number', help: 'use at most this many reference images (default all)' },
    { name: 'trunc', type: 'number', help: 'truncation psi of the generated images (default 1)' },
    { name: 'seed-start', type: 'number', help: 'first seed (default 0)' },
    { name: 'noise-mode', type: 'string', help: 'const | random | none (default const)' },
    { name: 'batch', type: 'number', help: 'images per ONNX Runtime call (default 100)' },
    { name: 'json', type: 'string', help: 'also write the result as JSON to this file' },
    { name: 'record', type: 'boolean', help: "write FCD and class confidence into the bundle's card (model.json)" },
    // no parser default: the verb's flag list is shared by every metric, and a default would reach ppl too
    ...queueFlags(1000, 'generated images (rounded up to whole --batch es)', false),
  ],
  async run(flags, out) {
    const modelPath = str(flags, 'model', 'fcd');
    if (flags.record && !isBundleFolder(modelPath))
      throw new ArgumentError(`metrics fcd: --record writes into a bundle folder's ${MANIFEST_FILE}; ${modelPath} is not one (latentlab import makes one)`);
    const num = int(flags, 'num', 10_000, 'fcd', 2);
    const batchSize = int(flags, 'batch', 100, 'fcd', 1);
    const firstSeed = int(flags, 'seed-start', 0, 'fcd');
    const noiseMode = String(flags['noise-mode'] ?? 'const');
    if (!['const', 'random', 'none'].includes(noiseMode))
      throw new ArgumentError(`metrics fcd: --noise-mode must be const, random or none, got '${noiseMode}'`);
    if (flags.queue && noiseMode === 'random')
      throw new ArgumentError('metrics fcd --queue: --noise-mode random draws noise per process; use const or none');
    const psi = flags.trunc === undefined ? 1 : Number(flags.trunc);
    const data = String(flags.data ?? 'fashion-mnist');
    const classifier = await readClassifierBundle(str(flags, 'classifier', 'fcd'));
    const model = await loadModel(modelPath);
    if (model.imgChannels !== classifier.config.inChannels) {
      throw new ArgumentError(
        `metrics fcd: ${model.name} makes ${model.imgChannels}-channel images, ${classifier.name} reads ${classifier.config.inChannels}`,
      );
    }
    const size = classifier.manifest.resolution;
    let reference: ImageDataset;
    if (data === 'fashion-mnist') {
      if (size !== 32 && size !== 28)
        throw new ArgumentError(`metrics fcd: ${classifier.name} is for ${size}px images; fashion-mnist is 28 or 32`);
      reference = await loadFashionMnist('test', { pad: size });
    } else {
      // An image folder (e.g. the training images, as NVIDIA's fid50k_full), at the classifier's size.
      reference = await loadImageFolder(data, { size, channels: classifier.config.inChannels as 1 | 3 });
    }
    const refNum =
      flags['ref-num'] === undefined ? reference.size : int(flags, 'ref-num', reference.size, 'fcd', 2);
    out(
      `FCD: ${num} images of ${model.name} (psi ${psi}) against ${Math.min(refNum, reference.size)} ${reference.name} images, features of ${classifier.name} (${classifier.featureDim}-d)`,
    );
    const refStats = await referenceStats(classifier, reference, reference.name, { batchSize, limit: refNum });
    const run = { num, firstSeed, psi, noiseMode: noiseMode as NoiseMode, batchSize };
    const r = flags.queue
      ? await fcdFromQueue(flags, { model: modelPath, classifier: str(flags, 'classifier', 'fcd') }, classifier, refStats, run, out)
      : await generatorFcd(model, classifier, refStats, run);
    const [cf, cr] = [r.confidence, refStats.confidence];
    out(
      `fcd ${r.value.toFixed(4)}  (mean term ${r.meanTerm.toFixed(4)}, covariance term ${r.covTerm.toFixed(4)}; ${r.seconds.toFixed(1)} s)`,
    );
    out(
      `classifier confidence ${cf.meanTopProbability.toFixed(3)} (reference images ${cr.meanTopProbability.toFixed(3)}); above ${cf.threshold}: ${pct(cf.confidentShare)} (reference ${pct(cr.confidentShare)})`,
    );
    out(`predicted classes: ${classShares(cf, classifier.labelNames)}`);
    if (typeof flags.json === 'string') {
      const record = {
        metric: 'fcd',
        value: r.value,
        meanTerm: r.meanTerm,
        covTerm: r.covTerm,
        model: String(flags.model),
        classifier: String(flags.classifier),
        num: r.num,
        reference: reference.name,
        referenceNum: refStats.stats.n,
        psi,
        firstSeed,
        noiseMode,
        seconds: r.seconds,
        confidence: cf,
        referenceConfidence: cr,
      };
      await writeFile(flags.json, `${JSON.stringify(record, null, 2)}\n`);
      out(`wrote ${flags.json}`);
    }
    if (flags.record) {
      const command = [
        `latentlab metrics fcd --model ${modelPath} --classifier ${String(flags.classifier)} --data ${data} --num ${num}`,
        `--trunc ${psi} --seed-start ${firstSeed} --noise-mode ${noiseMode} --ref-num ${refStats.stats.n}`,
      ].join(' ');
      await recordEvaluation(modelPath, fcdRecords(r, model, classifier, command));
      out(`recorded fcd and classifierConfidence in ${join(modelPath, MANIFEST_FILE)}`);
    }
  },
};

function pct(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

function classShares(c: ClassConfidence, labels: readonly string[]): string {
  return c.classShares.map((s, i) => `${labels[i] ?? i} ${pct(s)}`).join(', ');
}

/** Metrics by subcommand name; 'ppl' and 'conditioning' register here. */
export const METRICS: Readonly<Record<string, MetricSubcommand>> = {
  fcd: fcdMetric,
  ppl: pplMetric,
  conditioning: conditioningMetric,
};

function allFlags(): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const f of Object.values(METRICS).flatMap((m) => m.flags)) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

export const metricsCommand: Command = {
  name: 'metrics',
  summary: `Measure a generator (${Object.keys(METRICS).join(', ')})`,
  usage: ['latentlab metrics <metric> [flags]', ...Object.values(METRICS).map((m) => `  ${m.usage}`)].join(
    '\n',
  ),
  flags: allFlags(),
  async run({ flags, positionals }, out) {
    const [name, ...extra] = positionals;
    const metric = name === undefined ? undefined : METRICS[name];
    if (!metric) {
      throw new ArgumentError(
        `metrics: ${name === undefined ? 'which metric?' : `unknown metric '${name}'`} (one of: ${Object.keys(METRICS).join(', ')})`,
      );
    }
    if (extra.length) throw new ArgumentError(`metrics ${name}: unexpected argument '${extra[0]}'`);
    const accepted = new Set(metric.flags.map((f) => f.name));
    for (const [k, v] of Object.entries(flags)) {
      if (v !== undefined && !accepted.has(k))
        throw new ArgumentError(`metrics ${name}: --${k} is not a ${name} flag`);
    }
    await metric.run(flags, out);
  },
};
