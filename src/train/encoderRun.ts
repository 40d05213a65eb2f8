import { ArgumentError } from '../core/errors.js';
import type { ImageDataset } from '../data/dataset.js';
import { type EncoderConfig, encoderConfigFor, encoderFitsModel } from '../models/encoder/config.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { type EncoderCheckpointState, type EncoderEvalRecord, type EncoderTrainConfig, EncoderTrainer, checkEncoderTrainConfig } from './encoderTrainer.js';
import type { EncoderLossWeights } from './encoderGraphs.js';
import { TRAIN_ENCODER_SPEC } from './encoderOptions.js';
import { type FolderLoopOptions, type FolderRunResult, openRunChecked, runFiles, runInFolder } from './run.js';

/**
 * Default loss weights. At the start (codes = w_avg) the unweighted terms on the shipped 32×32
 * model are latent ≈ 0.77, pixel ≈ 0.38, feature ≈ 3.3: feature 0.1 brings it to the pixel term's
 * scale (pSp weighs its L2 and perceptual terms about equally, 1 : 0.8), and latent 1 makes the
 * direct code supervision on generated pairs as strong as both image terms together. The image
 * terms are what is finally judged and the only ones real images have.
 */
export const ENCODER_LOSS_WEIGHTS: Readonly<EncoderLossWeights> = Object.freeze({ latent: 1, pixel: 1, feature: 0.1 });

export interface EncoderRunOptions extends FolderLoopOptions {
  /** The frozen StyleGAN2 whose W+ the encoder predicts. */
  model: GanModel;
  /** The frozen classifier whose penultimate features give the perceptual loss; null: no feature term. */
  classifier: Classifier | null;
  /** Real training images (image losses only). */
  dataset: ImageDataset;
  /** Held-out real images for sample grids and the quality evaluation. */
  testset: ImageDataset;
  dataName?: string;
  outdir: string;
  network?: Partial<Pick<EncoderConfig, 'channelBase' | 'channelMax' | 'hidden' | 'lreluSlope'>>;
  generated?: number;
  real?: number;
  lr?: number;
  lrHalfLifeKimg?: number | null;
  weights?: Partial<EncoderLossWeights>;
  mixingProb?: number;
  rowNoise?: number;
  seed?: number;
  subset?: number;
  resume?: boolean;
  name?: string;
  bundleDtype?: 'float32' | 'float16';
  evalImages?: number;
  command?: string;
  threads?: number;
}

export interface EncoderRunResult extends FolderRunResult {
  history: EncoderEvalRecord[];
}

function resolveConfig(o: EncoderRunOptions): EncoderTrainConfig {
  const config: EncoderTrainConfig = {
    data: o.dataName ?? o.dataset.name,
    network: encoderConfigFor(o.model, o.network),
    generated: o.generated ?? 8,
    real: o.real ?? 8,
    lr: o.lr ?? 5e-4,
    lrHalfLifeKimg: o.lrHalfLifeKimg ?? null,
    weights: { ...ENCODER_LOSS_WEIGHTS, ...o.weights },
    mixingProb: o.mixingProb ?? 0.9,
    rowNoise: o.rowNoise ?? 0.2,
    seed: o.seed ?? 0,
    subset: o.subset ?? null,
  };
  checkEncoderTrainConfig(config);
  if (!(o.kimg > 0)) throw new ArgumentError(`train encoder: kimg must be > 0, got ${o.kimg}`);
  const d = o.dataset;
  const n = config.network;
  if (config.real > 0 && (d.channels !== n.imgChannels || d.resolution !== n.resolution)) {
    throw new ArgumentError(`train encoder: ${d.name} has ${d.channels}×${d.resolution}² images; ${o.model.name} makes ${n.imgChannels}×${n.resolution}²`);
  }
  if (o.testset.channels !== n.imgChannels || o.testset.resolution !== n.resolution)
    throw new ArgumentError(`train encoder: test set ${o.testset.name} has ${o.testset.channels}×${o.testset.resolution}² images; ${o.model.name} makes ${n.imgChannels}×${n.resolution}²`);
  if (o.classifier && o.classifier.config.inChannels !== n.imgChannels)
    throw new ArgumentError(`train encoder: classifier ${o.classifier.name} takes ${o.classifier.config.inChannels} channels, ${o.model.name} makes ${n.imgChannels}`);
  return config;
}

/**
 * Trains (or with `resume`, continues) an encoder for `model` into `outdir`: checkpoint.safetensors,
 * log.jsonl, losses.png, samples/recon-*.png, bundle/ (the encoder, with its test PSNR/SSIM history).
 * A resumed run may name another generator of the same sizes (a newer snapshot): it warns and fine-tunes.
 */
export async function trainEncoder(o: EncoderRunOptions): Promise<EncoderRunResult> {
  const config = resolveConfig(o);
  const files = runFiles(o.outdir);
  // a refused resume names the differing options by their flags where the config keys are the table's
  const loaded = await openRunChecked<EncoderCheckpointState>(files, o.resume ?? false, 'encoder', config, o.onMessage, TRAIN_ENCODER_SPEC);
  if (loaded) {
    const misfit = encoderFitsModel(loaded.checkpoint.state.config.network, o.model);
    if (misfit) throw new ArgumentError(`--resume: ${loaded.path} trains an encoder for other sizes than ${o.model.name}: ${misfit}`);
  }
  const trainer = await EncoderTrainer.create(
    config,
    o.model,
    o.classifier,
    o.dataset,
    {
      outdir: o.outdir,
      testset: o.testset,
      evalImages: o.evalImages,
      name: o.name,
      bundleDtype: o.bundleDtype,
      onMessage: o.onMessage,
      command: o.command,
      threads: o.threads,
    },
    loaded?.checkpoint,
    loaded?.path,
  );
  try {
    const r = await runInFolder(trainer, files, loaded?.checkpoint.state.progress, o);
    return { ...r, history: trainer.history };
  } finally {
    await trainer.release();
  }
}
