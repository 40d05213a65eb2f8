import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { CLASSIFIER_PRESETS, type ClassifierPreset } from '../models/classifier/config.js';
import {
  batchOption,
  finiteNumber,
  intAtLeast,
  outdirOption,
  positive,
  resolveRunOptions,
  resolveSubset,
  RUN_OPTIONS,
  seedOption,
  subsetOption,
  type TrainRunOptions,
} from './trainOptions.js';

/** `latentlab train classifier`, resolved. */
export interface TrainClassifierOptions extends TrainRunOptions {
  /** Labelled training data: 'fashion-mnist'. */
  readonly data: 'fashion-mnist';
  /** Passes over the training set (the learning-rate schedule's length: a resume keeps it). */
  readonly epochs: number;
  /** 32 (the 28×28 images padded) or 28. */
  readonly resolution: 32 | 28;
  readonly preset: ClassifierPreset;
  readonly batch: number;
  /** Peak learning rate (Adam, warmup then cosine to 0). */
  readonly lr: number;
  readonly weightDecay: number;
  readonly labelSmoothing: number;
  /** Mirror training images at random. */
  readonly flip: boolean;
  /** Shift training images by up to ±shift px. */
  readonly shift: number;
  readonly seed: number;
  readonly subset: number | null;
  /** Bundle name (null: classifier-<data>-<resolution>). */
  readonly name: string | null;
}

const PRESETS = Object.keys(CLASSIFIER_PRESETS) as ClassifierPreset[];

export const TRAIN_CLASSIFIER_SPEC: VerbSpec = {
  words: ['train', 'classifier'],
  options: [
    { key: 'data', flag: 'data', kind: 'string', help: "training data: 'fashion-mnist' (labelled)", default: 'fashion-mnist', choices: ['fashion-mnist'] },
    outdirOption,
    { key: 'epochs', flag: 'epochs', kind: 'number', help: 'passes over the training set', default: 6 },
    {
      key: 'resolution',
      flag: 'resolution',
      kind: 'number',
      help: 'image side (fashion-mnist: 32, the 28×28 images padded, or 28)',
      default: 32,
    },
    {
      key: 'preset',
      flag: 'preset',
      kind: 'string',
      help: 'network: fmnist32 | fmnist32pool (the judge variant) | tiny',
      default: 'fmnist32',
      choices: PRESETS,
    },
    batchOption(128),
    { key: 'lr', flag: 'lr', kind: 'number', help: 'peak learning rate (Adam, warmup then cosine to 0)', default: 2e-3 },
    { key: 'weightDecay', flag: 'weight-decay', kind: 'number', help: 'Adam L2 weight decay', default: 5e-4 },
    { key: 'labelSmoothing', flag: 'label-smoothing', kind: 'number', help: 'label smoothing epsilon', default: 0 },
    { key: 'flip', flag: 'flip', kind: 'boolean', help: 'mirror training images at random (--no-flip: never)', default: true },
    { key: 'shift', flag: 'shift', kind: 'number', help: 'shift training images by up to ±N px', default: 0 },
    seedOption,
    subsetOption,
    { key: 'name', flag: 'name', kind: 'string', help: 'bundle name', defaultText: 'classifier-<data>-<resolution>' },
    ...RUN_OPTIONS,
  ],
};

const WHERE = 'train classifier';

export function resolveTrainClassifierOptions(p: Partial<TrainClassifierOptions>): TrainClassifierOptions {
  const data = p.data ?? 'fashion-mnist';
  if (data !== 'fashion-mnist')
    throw new ArgumentError(`${WHERE}: --data must be fashion-mnist (a labelled dataset), got '${data}'`);
  const resolution = p.resolution ?? 32;
  if (resolution !== 32 && resolution !== 28)
    throw new ArgumentError(`${WHERE}: --resolution must be 32 or 28 for fashion-mnist, got ${resolution}`);
  const preset = p.preset ?? 'fmnist32';
  if (!PRESETS.includes(preset))
    throw new ArgumentError(`${WHERE}: --preset must be one of ${PRESETS.join(', ')}, got '${preset}'`);
  const shift = p.shift ?? 0;
  if (!Number.isInteger(shift) || shift < 0 || shift > 8)
    throw new ArgumentError(`${WHERE}: --shift must be an integer in 0..8, got ${shift}`);
  const labelSmoothing = finiteNumber(p.labelSmoothing ?? 0, 'label-smoothing', WHERE);
  if (labelSmoothing < 0 || labelSmoothing >= 1)
    throw new ArgumentError(`${WHERE}: --label-smoothing must be in [0, 1), got ${labelSmoothing}`);
  const weightDecay = finiteNumber(p.weightDecay ?? 5e-4, 'weight-decay', WHERE);
  if (weightDecay < 0) throw new ArgumentError(`${WHERE}: --weight-decay must be >= 0, got ${weightDecay}`);
  return {
    data,
    ...resolveRunOptions(p, WHERE),
    epochs: intAtLeast(p.epochs ?? 6, 1, 'epochs', WHERE),
    resolution,
    preset,
    batch: intAtLeast(p.batch ?? 128, 1, 'batch', WHERE),
    lr: positive(p.lr ?? 2e-3, 'lr', WHERE),
    weightDecay,
    labelSmoothing,
    flip: p.flip ?? true,
    shift,
    seed: intAtLeast(p.seed ?? 0, 0, 'seed', WHERE),
    subset: resolveSubset(p.subset, WHERE),
    name: p.name ?? null,
  };
}

/** The augmentation of a classifier run (null: none). */
export function classifierAugment(o: TrainClassifierOptions): { flip: boolean; maxShift: number } | null {
  return o.flip || o.shift > 0 ? { flip: o.flip, maxShift: o.shift } : null;
}
