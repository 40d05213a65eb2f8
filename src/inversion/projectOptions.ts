import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../core/errors.js';
import { hashOf, type VerbSpec } from '../core/options.js';
import type { ModelFacts } from '../latent/generate.js';
import { loadLatent } from '../latent/file.js';
import { LATENT_SPACES, type LatentSpace } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { NVIDIA_PROJECTOR_DEFAULTS } from '../optim/schedule.js';
import {
  type FilesProgress,
  listTargets,
  type ProjectedFile,
  projectFiles,
  type ProjectFilesOptions,
  VIDEO_FORMATS,
  type VideoFormat,
} from './files.js';
import type { FeatureNets, LossWeights } from './losses.js';
import type { StepInfo } from './projector.js';
import { readMask } from './target.js';
import { loadVggNet } from './vggNet.js';

/** The shipped Fashion-MNIST classifier (metrics' feature distance for 1-channel models). */
export const SHIPPED_CLASSIFIER = fileURLToPath(new URL('../../models/fmnist-classifier', import.meta.url));

/** `latentlab project`, resolved: every default decided here, once. */
export interface ProjectRunOptions {
  readonly model: string;
  /** An image or a folder of images. */
  readonly target: string;
  readonly outdir: string;
  /** 'w' (NVIDIA) for StyleGAN2; DCGAN: 'z'. */
  readonly space: LatentSpace;
  readonly optimizer: 'adam' | 'lbfgs';
  /** Adam steps / L-BFGS iterations (an iteration may evaluate the loss several times). */
  readonly steps: number;
  /**
   * Optimise the noise maps (StyleGAN2): with Adam (NVIDIA does), not with L-BFGS, whose quasi-Newton model
   * otherwise spends its iterations on the 1e5 noise penalty of fresh random maps.
   */
  readonly noise: boolean;
  readonly lr: number;
  readonly wNoise: number;
  readonly mse: number;
  readonly l1: number;
  readonly vgg: string | null;
  /** With `vgg` (default 1); null without it. */
  readonly vggWeight: number | null;
  /** Classifier bundle: the feature loss (with featureWeight > 0) and the metrics' feature distance. */
  readonly classifier: string | null;
  /** Classifier feature loss weight: 0 by default (NVIDIA's loss is pixel + perceptual only). */
  readonly featureWeight: number;
  readonly discWeight: number;
  readonly noiseReg: number;
  readonly prior: number;
  readonly mask: string | null;
  readonly init: string | null;
  readonly anyModel: boolean;
  readonly video: boolean;
  readonly videoFormat: VideoFormat;
  readonly videoEvery: number;
  readonly batch: number;
  readonly wAvgSamples: number;
  readonly seed: number;
  readonly maxPixels: number;
  /** Re-project targets that already have outputs (a resume with other options is refused without it). */
  readonly force: boolean;
}

export const PROJECT_SPEC: VerbSpec = {
  words: ['project'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint' },
    {
      key: 'target',
      flag: 'target',
      kind: 'string',
      help: 'an image, or a folder of images (resumable batch)',
    },
    {
      key: 'outdir',
      flag: 'outdir',
      kind: 'string',
      help: 'output folder (per image: NAME.latent.safetensors, NAME.png, NAME.target.png, NAME.metrics.json)',
    },
    {
      key: 'space',
      flag: 'space',
      kind: 'string',
      help: 'w (NVIDIA), w+ or z',
      defaultText: 'w; DCGAN: z',
      choices: LATENT_SPACES,
    },
    {
      key: 'optimizer',
      flag: 'optimizer',
      kind: 'string',
      help: 'adam (NVIDIA schedule) or lbfgs (strong Wolfe)',
      default: 'adam',
      choices: ['adam', 'lbfgs'],
    },
    {
      key: 'steps',
      flag: 'steps',
      kind: 'number',
      help: 'Adam steps / L-BFGS iterations (progress shows L-BFGS loss evaluations separately)',
      default: NVIDIA_PROJECTOR_DEFAULTS.numSteps,
    },
    {
      key: 'noise',
      flag: 'noise',
      kind: 'boolean',
      help: 'optimise the noise maps too (StyleGAN2; --no-noise keeps the stored ones)',
      defaultText: 'with adam, not with lbfgs',
    },
    { key: 'lr', flag: 'lr', kind: 'number', help: 'initial learning rate (Adam)', default: 0.1 },
    {
      key: 'wNoise',
      flag: 'w-noise',
      kind: 'number',
      help: 'initial noise factor on the latent (x w_std, annealed to 0 at 75%)',
      default: 0.05,
    },
    { key: 'mse', flag: 'mse', kind: 'number', help: 'pixel MSE weight', default: 1 },
    { key: 'l1', flag: 'l1', kind: 'number', help: 'pixel L1 weight', default: 0 },
    {
      key: 'vgg',
      flag: 'vgg',
      kind: 'string',
      help: 'torchvision VGG16 state dict (.pth) for the perceptual loss',
    },
    {
      key: 'vggWeight',
      flag: 'vgg-weight',
      kind: 'number',
      help: 'VGG16 perceptual loss weight',
      defaultText: '1 with --vgg',
    },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'classifier bundle: feature loss (--feature-weight) and the feature-distance metric',
      defaultText: 'the shipped one for 1-channel models',
    },
    {
      key: 'featureWeight',
      flag: 'feature-weight',
      kind: 'number',
      help: 'classifier feature loss weight (opt-in; 0.05 is the Fashion-MNIST setting)',
      default: 0,
    },
    {
      key: 'discWeight',
      flag: 'disc-weight',
      kind: 'number',
      help: 'discriminator-feature loss weight (StyleGAN2 with D)',
      default: 0,
    },
    {
      key: 'noiseReg',
      flag: 'noise-reg',
      kind: 'number',
      help: 'noise autocorrelation regulariser weight (with --noise)',
      default: 1e5,
    },
    {
      key: 'prior',
      flag: 'prior',
      kind: 'number',
      help: 'L2 prior weight lambda on ||latent - mean||^2',
      default: 0,
    },
    {
      key: 'mask',
      flag: 'mask',
      kind: 'string',
      help: 'mask image: the loss counts only where it is bright (e.g. sketch strokes)',
    },
    {
      key: 'init',
      flag: 'init',
      kind: 'string',
      help: 'start from a latent file (e.g. an encoder output) instead of w_avg',
    },
    {
      key: 'anyModel',
      flag: 'any-model',
      kind: 'boolean',
      help: 'accept an --init latent saved for other weights of the same shape',
      default: false,
    },
    {
      key: 'video',
      flag: 'video',
      kind: 'boolean',
      help: 'write a progress video of target | reconstruction (NAME.gif)',
      default: false,
    },
    {
      key: 'videoFormat',
      flag: 'video-format',
      kind: 'string',
      help: 'gif, mp4 or webm (need ffmpeg), frames (NAME.frames/*.png)',
      default: 'gif',
      choices: VIDEO_FORMATS,
    },
    {
      key: 'videoEvery',
      flag: 'video-every',
      kind: 'number',
      help: 'steps between progress frames',
      default: 10,
    },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'images optimised together (Adam)', default: 1 },
    {
      key: 'wAvgSamples',
      flag: 'w-avg-samples',
      kind: 'number',
      help: 'mapped samples for w_avg and w_std',
      default: 10_000,
    },
    {
      key: 'seed',
      flag: 'seed',
      kind: 'number',
      help: 'seed of the latent noise and initial noise maps',
      default: 303,
    },
    {
      key: 'maxPixels',
      flag: 'max-pixels',
      kind: 'number',
      help: 'refuse target images with more pixels',
      default: 40_000_000,
    },
    {
      key: 'force',
      flag: 'force',
      kind: 'boolean',
      help: 're-project targets that already have outputs (default: resume; other options are refused)',
      default: false,
    },
  ],
};

/**
 * The loss menu of the studio, as partial options: one place for the feature-loss weights
 * (0.05: the Fashion-MNIST classifier setting of README's projection table).
 */
export const PROJECT_LOSS_PRESETS = {
  pixel: { featureWeight: 0, discWeight: 0 },
  'pixel+classifier': { featureWeight: 0.05, discWeight: 0 },
  'pixel+discriminator': { featureWeight: 0, discWeight: 1 },
} as const satisfies Record<string, Partial<ProjectRunOptions>>;

export type ProjectLoss = keyof typeof PROJECT_LOSS_PRESETS;

function nonNegative(v: number, flag: string): number {
  if (!(v >= 0) || !Number.isFinite(v))
    throw new ArgumentError(`project: --${flag} must be a number >= 0, got ${v}`);
  return v;
}

function positiveInt(v: number, flag: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new ArgumentError(`project: --${flag} must be a positive integer, got ${v}`);
  return v;
}

export function resolveProjectOptions(
  p: Partial<ProjectRunOptions>,
  model: ModelFacts & ({ imgChannels: number } | { channels: number }),
): ProjectRunOptions {
  const channels = 'imgChannels' in model ? model.imgChannels : model.channels;
  if (!p.model) throw new ArgumentError('project: --model is required');
  if (!p.target) throw new ArgumentError('project: --target (an image or a folder) is required');
  if (!p.outdir) throw new ArgumentError('project: --outdir is required');
  const sg2 = model.architecture === 'stylegan2';
  const styled = sg2 || model.architecture === 'stylegan3'; // has a W space
  const space = p.space ?? (styled ? 'w' : 'z');
  if (!LATENT_SPACES.includes(space))
    throw new ArgumentError(`project: --space must be z, w or w+, got '${space}'`);
  if (!styled && space !== 'z')
    throw new ArgumentError(`project: ${model.name} is a ${model.architecture}; its only space is z`);
  const optimizer = p.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'lbfgs')
    throw new ArgumentError(`project: --optimizer must be adam or lbfgs, got '${optimizer}'`);
  const noise = sg2 && (p.noise ?? optimizer === 'adam');
  const vgg = p.vgg ?? null;
  const classifier =
    p.classifier ??
    (channels === 1 && existsSync(`${SHIPPED_CLASSIFIER}/model.json`) ? SHIPPED_CLASSIFIER : null);
  const featureWeight = nonNegative(p.featureWeight ?? 0, 'feature-weight');
  if (featureWeight > 0 && !classifier)
    throw new ArgumentError('project: --feature-weight needs --classifier');
  const discWeight = nonNegative(p.discWeight ?? 0, 'disc-weight');
  if (discWeight > 0 && !sg2)
    throw new ArgumentError(`project: --disc-weight needs a StyleGAN2 with its discriminator`);
  const videoFormat = p.videoFormat ?? 'gif';
  if (!VIDEO_FORMATS.includes(videoFormat))
    throw new ArgumentError(
      `project: --video-format must be ${VIDEO_FORMATS.join(', ')}; got '${videoFormat}'`,
    );
  const seed = p.seed ?? 303;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new ArgumentError(`project: --seed must be an integer 0..2^32-1, got ${seed}`);
  return {
    model: p.model,
    target: p.target,
    outdir: p.outdir,
    space,
    optimizer,
    steps: positiveInt(p.steps ?? NVIDIA_PROJECTOR_DEFAULTS.numSteps, 'steps'),
    noise,
    lr: nonNegative(p.lr ?? 0.1, 'lr'),
    wNoise: nonNegative(p.wNoise ?? 0.05, 'w-noise'),
    mse: nonNegative(p.mse ?? 1, 'mse'),
    l1: nonNegative(p.l1 ?? 0, 'l1'),
    vgg,
    vggWeight: vgg ? nonNegative(p.vggWeight ?? 1, 'vgg-weight') : null,
    classifier,
    featureWeight,
    discWeight,
    noiseReg: nonNegative(p.noiseReg ?? 1e5, 'noise-reg'),
    prior: nonNegative(p.prior ?? 0, 'prior'),
    mask: p.mask ?? null,
    init: p.init ?? null,
    anyModel: p.anyModel ?? false,
    video: p.video ?? false,
    videoFormat,
    videoEvery: positiveInt(p.videoEvery ?? 10, 'video-every'),
    batch: positiveInt(p.batch ?? 1, 'batch'),
    wAvgSamples: positiveInt(p.wAvgSamples ?? 10_000, 'w-avg-samples'),
    seed,
    maxPixels: positiveInt(p.maxPixels ?? 40_000_000, 'max-pixels'),
    force: p.force ?? false,
  };
}

/** The loss weights the resolved options name (a zero weight leaves a term out of the graph). */
export function lossWeightsOf(o: ProjectRunOptions): LossWeights {
  return {
    mse: o.mse,
    l1: o.l1,
    vgg: o.vggWeight ?? 0,
    classifier: o.featureWeight,
    discriminator: o.discWeight,
    noise: o.noise ? o.noiseReg : 0,
    prior: o.prior,
  };
}

/** What `projectorSettings` hands the projector. */
export type ProjectorSettings = Required<
  Pick<
    ProjectFilesOptions,
    | 'space'
    | 'optimizeNoise'
    | 'optimizer'
    | 'numSteps'
    | 'initialLearningRate'
    | 'initialNoiseFactor'
    | 'losses'
    | 'wAvgSamples'
    | 'seed'
    | 'maxPixels'
    | 'videoFormat'
  >
> & { runKey: { options: Record<string, unknown>; hash: string } };

/**
 * The projector settings the resolved options decide, as `projectFiles` takes them, with the key each
 * metrics file records: one mapping for a local run (projectVerb) and a queued one (its shards carry them).
 */
export function projectorSettings(o: ProjectRunOptions): ProjectorSettings {
  const key = projectionKey(o);
  return {
    space: o.space,
    optimizeNoise: o.noise,
    optimizer: o.optimizer,
    numSteps: o.steps,
    initialLearningRate: o.lr,
    initialNoiseFactor: o.wNoise,
    losses: lossWeightsOf(o),
    wAvgSamples: o.wAvgSamples,
    seed: o.seed,
    maxPixels: o.maxPixels,
    videoFormat: o.videoFormat,
    runKey: { options: key, hash: hashOf(key) },
  };
}

/** The options a projection's outputs depend on (resume refuses a rerun that changes them). */
export function projectionKey(o: ProjectRunOptions): Record<string, unknown> {
  const {
    outdir: _o,
    target: _t,
    force: _f,
    model: _m,
    batch: _b,
    maxPixels: _x,
    video: _v,
    videoFormat: _vf,
    videoEvery: _ve,
    ...key
  } = o;
  return key;
}

export interface ProjectHooks {
  onProgress?: (p: FilesProgress) => void;
  /** Every step (L-BFGS: every evaluation); return true to stop. `image` every `liveFrameEvery` evaluations. */
  onStep?: (info: StepInfo) => unknown;
  liveFrameEvery?: number;
  /** Readers the studio swaps in (workspace paths, cached models). */
  classifier?: Classifier;
}

/**
 * `latentlab project`: every target of `o.target` projected into `o.outdir` (resumable; a resume with
 * other options is refused naming them, `force` redoes the targets).
 */
export async function projectVerb(
  model: GanModel,
  o: ProjectRunOptions,
  hooks: ProjectHooks = {},
): Promise<ProjectedFile[]> {
  const sources = await listTargets(o.target);
  const nets: FeatureNets = {};
  if (o.vgg) nets.vgg = await loadVggNet(o.vgg);
  const classifier =
    hooks.classifier ?? (o.classifier ? await readClassifierBundle(o.classifier) : undefined);
  const metricsClassifier =
    classifier && classifier.config.inChannels === model.imgChannels ? classifier : undefined;
  if (o.featureWeight > 0) nets.classifier = classifier;
  const mask = o.mask ? await readMask(o.mask, model.resolution) : undefined;
  const init = o.init ? await loadLatent(o.init, model, { allowOtherModel: o.anyModel }) : undefined;
  if (init && init.codes.shape[0] !== 1)
    throw new ArgumentError(
      `project: --init ${o.init} holds ${init.codes.shape[0]} latents; pass a file with one`,
    );
  const settings = projectorSettings(o);
  return projectFiles(model, sources, {
    ...settings,
    outdir: o.outdir,
    nets,
    mask,
    init,
    batchSize: o.batch,
    metricsClassifier,
    framesEvery: o.video ? o.videoEvery : 0,
    resume: !o.force,
    runKey: { spec: PROJECT_SPEC, ...settings.runKey },
    onProgress: hooks.onProgress,
    onStep: hooks.onStep,
    liveFrameEvery: hooks.liveFrameEvery,
  });
}
