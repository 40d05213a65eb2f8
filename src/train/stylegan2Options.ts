import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import {
  batchOption,
  finiteNumber,
  GAN_DATA_OPTIONS,
  intAtLeast,
  LENGTH_OPTIONS,
  outdirOption,
  positive,
  resolveData,
  resolveLength,
  resolveRunOptions,
  resolveSnapshotFcd,
  resolveSubset,
  RUN_OPTIONS,
  seedOption,
  type SnapshotFcdFlags,
  SNAPSHOT_FCD_OPTIONS,
  subsetOption,
  type TrainLengthOptions,
  type TrainRunOptions,
} from './trainOptions.js';
import { NVIDIA_PATH_LENGTH } from './pathLength.js';

/**
 * `latentlab train stylegan2`, resolved. The fields that define the run carry StyleGAN2TrainConfig's names,
 * so the checkpoint's config (and its options hash) is `stylegan2RunConfig(options)` and a refused resume
 * names the differing flags (`--gamma: checkpoint 0.01, now 1`).
 */
export interface TrainStylegan2Options extends TrainRunOptions, TrainLengthOptions, SnapshotFcdFlags {
  /** 'fashion-mnist' or an image folder's absolute path. */
  readonly data: string;
  readonly resolution: number;
  readonly channels: 1 | 3;
  readonly zDim: number;
  readonly mappingLayers: number;
  readonly channelBase: number;
  readonly channelMax: number;
  readonly mbstdGroup: number;
  readonly batch: number;
  /** Adam learning rate of G and D. */
  readonly lr: number;
  readonly r1Gamma: number;
  readonly styleMixingProb: number;
  /** G EMA half-life in kimg. */
  readonly emaKimg: number;
  readonly seed: number;
  readonly subset: number | null;
  /** Start from a model's G_ema and D (bundle or NVIDIA .pkl; fresh Adam state): NVIDIA's --resume=PKL. */
  readonly resumeFrom: string | null;
  /**
   * Path-length regularisation weight; null (flag not given): NVIDIA's 2 for a fresh run, the checkpoint's
   * for a --resume (0 for checkpoints from before path-length regularisation).
   */
  readonly plWeight: number | null;
  readonly plBatchShrink: number;
  readonly plDecay: number;
}

export const TRAIN_STYLEGAN2_SPEC: VerbSpec = {
  words: ['train', 'stylegan2'],
  options: [
    ...GAN_DATA_OPTIONS,
    outdirOption,
    ...LENGTH_OPTIONS,
    batchOption(32),
    { key: 'zDim', flag: 'z-dim', kind: 'number', help: 'z and w size', default: 128 },
    { key: 'mappingLayers', flag: 'map', kind: 'number', help: 'mapping layers (as ADA --cfg auto)', default: 2 },
    {
      key: 'channelBase',
      flag: 'cbase',
      kind: 'number',
      help: 'channel base: channels at res r = min(cbase/r, cmax)',
      default: 4096,
    },
    { key: 'channelMax', flag: 'cmax', kind: 'number', help: 'channel maximum', default: 128 },
    { key: 'r1Gamma', flag: 'gamma', kind: 'number', help: 'R1 weight', default: 0.01 },
    { key: 'mbstdGroup', flag: 'mbstd-group', kind: 'number', help: 'minibatch-std group size', default: 4 },
    { key: 'styleMixingProb', flag: 'mixing', kind: 'number', help: 'style-mixing probability', default: 0.9 },
    { key: 'emaKimg', flag: 'ema-kimg', kind: 'number', help: 'G EMA half-life in kimg', defaultText: 'batch*10/32' },
    { key: 'lr', flag: 'glr', kind: 'number', help: 'Adam learning rate of G and D', default: 0.0025 },
    {
      key: 'plWeight',
      flag: 'pl-weight',
      kind: 'number',
      help: "path-length regularisation weight (lazy, every 4 steps; 0 = off); a --resume keeps the checkpoint's (0 for runs from before it existed)",
      defaultText: '2 (NVIDIA)',
    },
    { key: 'plBatchShrink', flag: 'pl-batch-shrink', kind: 'number', help: 'path-length batch = batch / this', default: 2 },
    { key: 'plDecay', flag: 'pl-decay', kind: 'number', help: 'EMA rate of the tracked mean path length', default: 0.01 },
    seedOption,
    subsetOption,
    ...SNAPSHOT_FCD_OPTIONS,
    {
      key: 'resumeFrom',
      flag: 'resume-from',
      kind: 'string',
      help: "start from a model's G_ema and D (bundle or NVIDIA .pkl; fresh Adam state, as NVIDIA's --resume=PKL); kimg counts on from its card",
    },
    ...RUN_OPTIONS,
  ],
};

const WHERE = 'train stylegan2';

export function resolveTrainStylegan2Options(p: Partial<TrainStylegan2Options>): TrainStylegan2Options {
  const batch = intAtLeast(p.batch ?? 32, 1, 'batch', WHERE);
  const mbstdGroup = intAtLeast(p.mbstdGroup ?? 4, 1, 'mbstd-group', WHERE);
  if (batch % Math.min(mbstdGroup, batch) !== 0)
    throw new ArgumentError(`${WHERE}: --batch ${batch} must be a multiple of the minibatch-std group ${mbstdGroup}`);
  const styleMixingProb = finiteNumber(p.styleMixingProb ?? 0.9, 'mixing', WHERE);
  if (styleMixingProb < 0 || styleMixingProb > 1)
    throw new ArgumentError(`${WHERE}: --mixing is a probability (0..1), got ${styleMixingProb}`);
  const r1Gamma = finiteNumber(p.r1Gamma ?? 0.01, 'gamma', WHERE);
  if (r1Gamma < 0) throw new ArgumentError(`${WHERE}: --gamma must be >= 0, got ${r1Gamma}`);
  const plWeight = p.plWeight === undefined || p.plWeight === null ? null : finiteNumber(p.plWeight, 'pl-weight', WHERE);
  if (plWeight !== null && plWeight < 0) throw new ArgumentError(`${WHERE}: --pl-weight must be >= 0, got ${plWeight}`);
  const plBatchShrink = intAtLeast(p.plBatchShrink ?? 2, 1, 'pl-batch-shrink', WHERE);
  if (plWeight !== 0 && Math.floor(batch / plBatchShrink) < 1)
    throw new ArgumentError(`${WHERE}: --pl-batch-shrink ${plBatchShrink} leaves no rows of --batch ${batch}`);
  const plDecay = finiteNumber(p.plDecay ?? 0.01, 'pl-decay', WHERE);
  if (plDecay < 0 || plDecay > 1) throw new ArgumentError(`${WHERE}: --pl-decay is a rate (0..1), got ${plDecay}`);
  return {
    ...resolveData(p, WHERE),
    ...resolveRunOptions(p, WHERE),
    ...resolveLength(p, WHERE),
    batch,
    zDim: intAtLeast(p.zDim ?? 128, 1, 'z-dim', WHERE),
    mappingLayers: intAtLeast(p.mappingLayers ?? 2, 1, 'map', WHERE),
    channelBase: intAtLeast(p.channelBase ?? 4096, 1, 'cbase', WHERE),
    channelMax: intAtLeast(p.channelMax ?? 128, 1, 'cmax', WHERE),
    r1Gamma,
    mbstdGroup,
    styleMixingProb,
    emaKimg: positive(p.emaKimg ?? (batch * 10) / 32, 'ema-kimg', WHERE),
    lr: positive(p.lr ?? 0.0025, 'glr', WHERE),
    seed: intAtLeast(p.seed ?? 0, 0, 'seed', WHERE),
    subset: resolveSubset(p.subset, WHERE),
    ...resolveSnapshotFcd(p, WHERE),
    resumeFrom: p.resumeFrom ?? null,
    plWeight,
    plBatchShrink,
    plDecay,
  };
}

/**
 * The path-length settings a run records. Off (weight 0) it records nothing, so the configs (and options
 * hashes) of runs without it are those of runs from before it existed. An unset weight is NVIDIA's 2 for a
 * fresh run and the checkpoint's (absent: 0) when `saved` (a resumed checkpoint's config) is given.
 */
export function pathLengthRunConfig(
  o: { plWeight?: number | null; plBatchShrink?: number; plDecay?: number },
  saved?: { plWeight?: unknown },
): { plWeight?: number; plBatchShrink?: number; plDecay?: number } {
  const savedWeight = typeof saved?.plWeight === 'number' ? saved.plWeight : 0;
  const plWeight = o.plWeight ?? (saved ? savedWeight : NVIDIA_PATH_LENGTH.weight);
  if (plWeight === 0) return {};
  return {
    plWeight,
    plBatchShrink: o.plBatchShrink ?? NVIDIA_PATH_LENGTH.batchShrink,
    plDecay: o.plDecay ?? NVIDIA_PATH_LENGTH.decay,
  };
}

/**
 * The settings that define a StyleGAN2 run: StyleGAN2TrainConfig, what a checkpoint records and its options
 * hash covers. `saved`: the config of the checkpoint a --resume continues (its path-length weight is the
 * default then, see pathLengthRunConfig).
 */
export function stylegan2RunConfig(o: TrainStylegan2Options, saved?: { plWeight?: unknown }) {
  return {
    data: o.data,
    resolution: o.resolution,
    channels: o.channels,
    zDim: o.zDim,
    mappingLayers: o.mappingLayers,
    channelBase: o.channelBase,
    channelMax: o.channelMax,
    mbstdGroup: o.mbstdGroup,
    batch: o.batch,
    lr: o.lr,
    r1Gamma: o.r1Gamma,
    styleMixingProb: o.styleMixingProb,
    emaKimg: o.emaKimg,
    seed: o.seed,
    subset: o.subset,
    ...pathLengthRunConfig(o, saved),
  };
}
