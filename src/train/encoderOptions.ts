import { resolve } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { ENCODER_DEFAULTS } from '../models/encoder/config.js';
import {
  finiteNumber,
  intAtLeast,
  LENGTH_OPTIONS,
  outdirOption,
  positive,
  resolveLength,
  resolveRunOptions,
  resolveSubset,
  RUN_OPTIONS,
  seedOption,
  subsetOption,
  type TrainLengthOptions,
  type TrainRunOptions,
} from './trainOptions.js';

/** `latentlab train encoder`, resolved. */
export interface TrainEncoderOptions extends TrainRunOptions, TrainLengthOptions {
  /** The StyleGAN2/3 bundle the encoder inverts (with --resume a newer snapshot fine-tunes). */
  readonly model: string;
  /** Classifier bundle for the feature loss; 'none': no feature term (RGB models). */
  readonly classifier: string;
  /** 'fashion-mnist' or an image folder's absolute path. */
  readonly data: string;
  /** Generated (code, image) pairs per step. */
  readonly generated: number;
  /** Real images per step. */
  readonly real: number;
  readonly lr: number;
  /** Halve the learning rate every this many kimg (null: constant). */
  readonly lrHalfLife: number | null;
  readonly wLatent: number;
  readonly wPixel: number;
  readonly wFeature: number;
  readonly mixing: number;
  /** Std of per-row W+ offsets, in units of the w spread. */
  readonly rowNoise: number;
  /** Encoder widths: channels at res r = min(cbase / r, cmax), then a dense layer of `hidden`. */
  readonly cbase: number;
  readonly cmax: number;
  readonly hidden: number;
  readonly seed: number;
  readonly subset: number | null;
  /** Bundle name (null: the trainer's). */
  readonly name: string | null;
  /** Store the bundle weights as float16. */
  readonly fp16: boolean;
  /** Test images for the PSNR/SSIM at each snapshot. */
  readonly evalImages: number;
}

export const TRAIN_ENCODER_SPEC: VerbSpec = {
  words: ['train', 'encoder'],
  options: [
    {
      key: 'model',
      flag: 'model',
      kind: 'string',
      help: 'StyleGAN2/3 bundle the encoder inverts; with --resume a newer snapshot fine-tunes',
      default: 'models/fmnist-stylegan2',
    },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'classifier bundle for the feature loss; none: no feature term (RGB models)',
      default: 'models/fmnist-classifier',
    },
    {
      key: 'data',
      flag: 'data',
      kind: 'string',
      help: "'fashion-mnist' or a folder of images (sub-folders = classes)",
      default: 'fashion-mnist',
    },
    outdirOption,
    ...LENGTH_OPTIONS,
    { key: 'generated', flag: 'generated', kind: 'number', help: 'generated (code, image) pairs per step', default: 8 },
    { key: 'real', flag: 'real', kind: 'number', help: 'real images per step', default: 8 },
    { key: 'lr', flag: 'lr', kind: 'number', help: 'Adam learning rate', default: 5e-4 },
    { key: 'lrHalfLife', flag: 'lr-half-life', kind: 'number', help: 'halve the learning rate every K kimg', defaultText: 'constant' },
    { key: 'wLatent', flag: 'w-latent', kind: 'number', help: 'weight of the W+ code MSE', default: 1 },
    { key: 'wPixel', flag: 'w-pixel', kind: 'number', help: 'weight of the pixel MSE', default: 1 },
    { key: 'wFeature', flag: 'w-feature', kind: 'number', help: 'weight of the classifier-feature MSE', default: 0.1 },
    { key: 'mixing', flag: 'mixing', kind: 'number', help: 'style-mixing probability', default: 0.9 },
    { key: 'rowNoise', flag: 'row-noise', kind: 'number', help: 'std of per-row W+ offsets, in units of the w spread', default: 0.2 },
    {
      key: 'cbase',
      flag: 'cbase',
      kind: 'number',
      help: 'channel base: channels at res r = min(cbase/r, cmax)',
      default: ENCODER_DEFAULTS.channelBase,
    },
    { key: 'cmax', flag: 'cmax', kind: 'number', help: 'channel maximum', default: ENCODER_DEFAULTS.channelMax },
    {
      key: 'hidden',
      flag: 'hidden',
      kind: 'number',
      help: 'width of the dense layer before the W+ head',
      default: ENCODER_DEFAULTS.hidden,
    },
    seedOption,
    subsetOption,
    { key: 'name', flag: 'name', kind: 'string', help: 'bundle name' },
    { key: 'fp16', flag: 'fp16', kind: 'boolean', help: 'store the bundle weights as float16 (half the size)', default: false },
    { key: 'evalImages', flag: 'eval-images', kind: 'number', help: 'test images for the PSNR/SSIM at each snapshot', default: 100 },
    ...RUN_OPTIONS,
  ],
};

const WHERE = 'train encoder';

function weight(v: number, flag: string): number {
  if (finiteNumber(v, flag, WHERE) < 0) throw new ArgumentError(`${WHERE}: --${flag} must be >= 0, got ${v}`);
  return v;
}

export function resolveTrainEncoderOptions(p: Partial<TrainEncoderOptions>): TrainEncoderOptions {
  const data = p.data ?? 'fashion-mnist';
  const generated = intAtLeast(p.generated ?? 8, 0, 'generated', WHERE);
  const real = intAtLeast(p.real ?? 8, 0, 'real', WHERE);
  if (generated + real < 1) throw new ArgumentError(`${WHERE}: a step needs at least one generated or real image`);
  const mixing = finiteNumber(p.mixing ?? 0.9, 'mixing', WHERE);
  if (mixing < 0 || mixing > 1) throw new ArgumentError(`${WHERE}: --mixing is a probability (0..1), got ${mixing}`);
  return {
    model: p.model ?? 'models/fmnist-stylegan2',
    classifier: p.classifier ?? 'models/fmnist-classifier',
    data: data === 'fashion-mnist' ? data : resolve(data),
    ...resolveRunOptions(p, WHERE),
    ...resolveLength(p, WHERE),
    generated,
    real,
    lr: positive(p.lr ?? 5e-4, 'lr', WHERE),
    lrHalfLife: p.lrHalfLife === undefined || p.lrHalfLife === null ? null : positive(p.lrHalfLife, 'lr-half-life', WHERE),
    wLatent: weight(p.wLatent ?? 1, 'w-latent'),
    wPixel: weight(p.wPixel ?? 1, 'w-pixel'),
    wFeature: weight(p.wFeature ?? 0.1, 'w-feature'),
    mixing,
    rowNoise: weight(p.rowNoise ?? 0.2, 'row-noise'),
    cbase: intAtLeast(p.cbase ?? ENCODER_DEFAULTS.channelBase, 1, 'cbase', WHERE),
    cmax: intAtLeast(p.cmax ?? ENCODER_DEFAULTS.channelMax, 1, 'cmax', WHERE),
    hidden: intAtLeast(p.hidden ?? ENCODER_DEFAULTS.hidden, 1, 'hidden', WHERE),
    seed: intAtLeast(p.seed ?? 0, 0, 'seed', WHERE),
    subset: resolveSubset(p.subset, WHERE),
    name: p.name ?? null,
    fp16: p.fp16 ?? false,
    evalImages: intAtLeast(p.evalImages ?? 100, 1, 'eval-images', WHERE),
  };
}
