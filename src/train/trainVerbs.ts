import { resolve } from 'node:path';
import { formatOptionArgs, shellJoin, type VerbSpec } from '../core/options.js';
import type { ImageDataset } from '../data/dataset.js';
import { loadFashionMnist } from '../data/fashionMnist.js';
import { loadImageFolder } from '../data/imageFolder.js';
import { CLASSIFIER_PRESETS } from '../models/classifier/config.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import { loadModel } from '../models/io/loadModel.js';
import { ArgumentError } from '../core/errors.js';
import { type ClassifierRunResult, trainClassifier } from './classifier.js';
import { classifierAugment, TRAIN_CLASSIFIER_SPEC, type TrainClassifierOptions } from './classifierOptions.js';
import { trainDcgan } from './dcganRun.js';
import { TRAIN_DCGAN_SPEC, type TrainDcganOptions } from './dcganOptions.js';
import { type EncoderRunResult, trainEncoder } from './encoderRun.js';
import { TRAIN_ENCODER_SPEC, type TrainEncoderOptions } from './encoderOptions.js';
import type { LoopOptions } from './loop.js';
import type { FolderRunResult } from './run.js';
import type { SnapshotFcdOptions } from './snapshotFcd.js';
import { trainStyleGAN2 } from './stylegan2Run.js';
import { TRAIN_STYLEGAN2_SPEC, type TrainStylegan2Options } from './stylegan2Options.js';
import type { SnapshotFcdFlags } from './trainOptions.js';

/**
 * `latentlab train <network>` from resolved options: each `runXTraining(resolved, hooks)` loads the data
 * (and the models a run reads), then calls the trainer with every setting taken from the options, so the
 * checkpoint's config and options hash are those of the resolved options.
 */

/** What a surface supplies: stopping, the status line, where messages go. */
export interface TrainHooks {
  /** Ends the run after a checkpoint. */
  signal?: AbortSignal;
  /** A status line for a run of `totalKimg` (the CLI's progress display), asked for once the data is known. */
  display?: (totalKimg: number) => LoopOptions['display'] | null;
  /** Messages during the run (snapshots, FCD, fallbacks). */
  onMessage?: (line: string) => void;
  /** What is about to be trained: network, data, folder. */
  onStart?: (line: string) => void;
  /** Recorded in bundles; default the command of the options (`latentlab train ...`). */
  command?: string;
}

/** The command line of resolved train options, as bundles record it. */
export function trainCommandOf(spec: VerbSpec, o: object): string {
  return shellJoin(['latentlab', ...formatOptionArgs(spec, o)]);
}

/** `--data fashion-mnist` (Debian's dataset-fashion-mnist, padded to 32×32) or an image folder. */
export async function loadTrainingData(
  data: string,
  opts: { resolution: number; channels: 1 | 3; subset?: number },
): Promise<{ dataset: ImageDataset; dataName: string }> {
  if (data === 'fashion-mnist') {
    if (opts.resolution !== 32)
      throw new ArgumentError(`--data fashion-mnist trains at --resolution 32 (28×28 images padded), got ${opts.resolution}`);
    return { dataset: await loadFashionMnist('train', { pad: 32, limit: opts.subset }), dataName: 'fashion-mnist' };
  }
  const dir = resolve(data);
  const dataset = await loadImageFolder(dir, { size: opts.resolution, channels: opts.channels, limit: opts.subset });
  return { dataset, dataName: dir };
}

/**
 * The snapshot FCD of `--fcd-classifier`: against Fashion-MNIST's test split (as `metrics fcd`) or, for an
 * image folder, against its own training images (as NVIDIA's fid50k_full).
 */
export async function snapshotFcdOf(
  o: SnapshotFcdFlags,
  dataset: ImageDataset,
  dataName: string,
): Promise<SnapshotFcdOptions | undefined> {
  if (o.fcdClassifier === null) return undefined;
  const classifier = await readClassifierBundle(o.fcdClassifier);
  const want = `${classifier.config.inChannels}-channel ${classifier.manifest.resolution}px`;
  if (classifier.config.inChannels !== dataset.channels || classifier.manifest.resolution !== dataset.resolution)
    throw new ArgumentError(
      `train: --fcd-classifier ${classifier.name} reads ${want} images; the run makes ${dataset.channels}-channel ${dataset.resolution}px ones`,
    );
  const num = o.fcdNum ?? undefined;
  if (dataName === 'fashion-mnist') {
    const reference = await loadFashionMnist('test', { pad: 32 });
    return { classifier, reference, referenceName: reference.name, num };
  }
  return { classifier, reference: dataset, referenceName: `${dataset.name} (training images)`, num };
}

/** The loop options every run takes from its resolved options and hooks. */
function loopOptions(o: { outdir: string; kimg: number; snapKimg: number; checkpointMinutes: number; resume: boolean }, hooks: TrainHooks) {
  return {
    outdir: o.outdir,
    kimg: o.kimg,
    snapKimg: o.snapKimg,
    checkpointSeconds: o.checkpointMinutes * 60,
    resume: o.resume,
    signal: hooks.signal,
    display: hooks.display?.(o.kimg) ?? null,
    onMessage: hooks.onMessage,
  };
}

/** `latentlab train dcgan`. */
export async function runDcganTraining(o: TrainDcganOptions, hooks: TrainHooks = {}): Promise<FolderRunResult> {
  const subset = o.subset ?? undefined;
  const { dataset, dataName } = await loadTrainingData(o.data, { resolution: o.resolution, channels: o.channels, subset });
  hooks.onStart?.(
    `training DCGAN ${dataset.resolution}×${dataset.resolution}×${dataset.channels} on ${dataset.name} (${dataset.size} images) into ${o.outdir}`,
  );
  const snapshotFcd = await snapshotFcdOf(o, dataset, dataName);
  return trainDcgan({
    ...loopOptions(o, hooks),
    command: hooks.command ?? trainCommandOf(TRAIN_DCGAN_SPEC, o),
    snapshotFcd,
    dataset,
    dataName,
    batch: o.batch,
    nz: o.nz,
    ngf: o.ngf,
    ndf: o.ndf,
    lr: o.lr,
    seed: o.seed,
    subset,
  });
}

/** `latentlab train stylegan2`. */
export async function runStylegan2Training(o: TrainStylegan2Options, hooks: TrainHooks = {}): Promise<FolderRunResult> {
  const subset = o.subset ?? undefined;
  const { dataset, dataName } = await loadTrainingData(o.data, { resolution: o.resolution, channels: o.channels, subset });
  hooks.onStart?.(
    `training StyleGAN2 ${dataset.resolution}×${dataset.resolution}×${dataset.channels} on ${dataset.name} (${dataset.size} images) into ${o.outdir}`,
  );
  const snapshotFcd = await snapshotFcdOf(o, dataset, dataName);
  const initFrom = o.resumeFrom === null ? undefined : await loadModel(o.resumeFrom);
  return trainStyleGAN2({
    ...loopOptions(o, hooks),
    command: hooks.command ?? trainCommandOf(TRAIN_STYLEGAN2_SPEC, o),
    snapshotFcd,
    initFrom,
    dataset,
    dataName,
    batch: o.batch,
    zDim: o.zDim,
    mappingLayers: o.mappingLayers,
    channelBase: o.channelBase,
    channelMax: o.channelMax,
    r1Gamma: o.r1Gamma,
    mbstdGroup: o.mbstdGroup,
    styleMixingProb: o.styleMixingProb,
    emaKimg: o.emaKimg,
    lr: o.lr,
    seed: o.seed,
    subset,
    ...(o.plWeight === null ? {} : { plWeight: o.plWeight }),
    plBatchShrink: o.plBatchShrink,
    plDecay: o.plDecay,
  });
}

/** `latentlab train classifier`: the run's length is `epochs` over the (subset of the) training split. */
export async function runClassifierTraining(o: TrainClassifierOptions, hooks: TrainHooks = {}): Promise<ClassifierRunResult> {
  const [dataset, testset] = await Promise.all([
    loadFashionMnist('train', { pad: o.resolution }),
    loadFashionMnist('test', { pad: o.resolution }),
  ]);
  const images = Math.min(dataset.size, o.subset ?? dataset.size);
  const { inChannels: _c, numClasses: _k, resolution: _r, ...network } = CLASSIFIER_PRESETS[o.preset];
  hooks.onStart?.(
    `training a ${o.preset} classifier on ${dataset.name} (${images} images, ${o.resolution}×${o.resolution}) for ${o.epochs} epochs into ${o.outdir}`,
  );
  return trainClassifier({
    dataset,
    testset,
    dataName: o.data,
    outdir: o.outdir,
    epochs: o.epochs,
    network,
    batch: o.batch,
    lr: o.lr,
    weightDecay: o.weightDecay,
    labelSmoothing: o.labelSmoothing,
    augment: classifierAugment(o),
    seed: o.seed,
    subset: o.subset ?? undefined,
    checkpointSeconds: o.checkpointMinutes * 60,
    resume: o.resume,
    name: o.name ?? undefined,
    signal: hooks.signal,
    display: hooks.display?.((o.epochs * images) / 1000) ?? null,
    onMessage: hooks.onMessage,
    command: hooks.command ?? trainCommandOf(TRAIN_CLASSIFIER_SPEC, o),
  });
}

/** `latentlab train encoder`: the data's size and channels are the model's. */
export async function runEncoderTraining(
  o: TrainEncoderOptions,
  hooks: TrainHooks = {},
): Promise<EncoderRunResult & { tryCommand: string }> {
  const model = await loadModel(resolve(o.model));
  const g = model.styleSpace();
  const classifier = o.classifier === 'none' ? null : await readClassifierBundle(resolve(o.classifier));
  const subset = o.subset ?? undefined;
  const { dataset, dataName } = await loadTrainingData(o.data, {
    resolution: model.resolution,
    channels: model.imgChannels as 1 | 3,
    subset,
  });
  // Image folders have no held-out split: their first images serve for the grids and the PSNR.
  const testset = o.data === 'fashion-mnist' ? await loadFashionMnist('test', { pad: 32 }) : dataset;
  hooks.onStart?.(
    `training an encoder for ${model.name} (${g.numWs}×${g.wDim} W+) on generated pairs + ${dataset.name} (${dataset.size} images) into ${o.outdir}`,
  );
  const r = await trainEncoder({
    ...loopOptions(o, hooks),
    command: hooks.command ?? trainCommandOf(TRAIN_ENCODER_SPEC, o),
    model,
    classifier,
    dataset,
    testset,
    dataName,
    generated: o.generated,
    real: o.real,
    lr: o.lr,
    lrHalfLifeKimg: o.lrHalfLife,
    weights: { latent: o.wLatent, pixel: o.wPixel, feature: o.wFeature },
    mixingProb: o.mixing,
    rowNoise: o.rowNoise,
    seed: o.seed,
    subset,
    name: o.name ?? undefined,
    bundleDtype: o.fp16 ? 'float16' : 'float32',
    evalImages: o.evalImages,
    network: { channelBase: o.cbase, channelMax: o.cmax, hidden: o.hidden },
  });
  return { ...r, tryCommand: `latentlab encode IMAGE|DIR --encoder ${r.files.bundle} --model ${o.model} --outdir OUT` };
}
