import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { DcganTrainConfig } from './dcgan.js';
import {
  batchOption,
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

/**
 * `latentlab train dcgan`, resolved. The fields that define the run carry DcganTrainConfig's names, so the
 * checkpoint's config (and its options hash) is `dcganRunConfig(options)` and a refused resume names flags.
 */
export interface TrainDcganOptions extends TrainRunOptions, TrainLengthOptions, SnapshotFcdFlags {
  /** 'fashion-mnist' or an image folder's absolute path. */
  readonly data: string;
  readonly resolution: number;
  readonly channels: 1 | 3;
  readonly nz: number;
  readonly ngf: number;
  readonly ndf: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
  readonly subset: number | null;
}

export const TRAIN_DCGAN_SPEC: VerbSpec = {
  words: ['train', 'dcgan'],
  options: [
    ...GAN_DATA_OPTIONS,
    outdirOption,
    ...LENGTH_OPTIONS,
    batchOption(64),
    { key: 'nz', flag: 'nz', kind: 'number', help: 'latent size', default: 100 },
    { key: 'ngf', flag: 'ngf', kind: 'number', help: 'generator width', default: 64 },
    { key: 'ndf', flag: 'ndf', kind: 'number', help: 'discriminator width', default: 64 },
    { key: 'lr', flag: 'lr', kind: 'number', help: 'Adam learning rate (betas 0.5, 0.999)', default: 2e-4 },
    seedOption,
    subsetOption,
    ...SNAPSHOT_FCD_OPTIONS,
    ...RUN_OPTIONS,
  ],
};

const WHERE = 'train dcgan';

export function resolveTrainDcganOptions(p: Partial<TrainDcganOptions>): TrainDcganOptions {
  const batch = intAtLeast(p.batch ?? 64, 1, 'batch', WHERE);
  // BatchNorm statistics over one value per channel are undefined (the 4×4 → 1 layer sees N values)
  if (batch < 2) throw new ArgumentError(`${WHERE}: --batch must be at least 2 (BatchNorm needs two values per channel)`);
  return {
    ...resolveData(p, WHERE),
    ...resolveRunOptions(p, WHERE),
    ...resolveLength(p, WHERE),
    nz: intAtLeast(p.nz ?? 100, 1, 'nz', WHERE),
    ngf: intAtLeast(p.ngf ?? 64, 1, 'ngf', WHERE),
    ndf: intAtLeast(p.ndf ?? 64, 1, 'ndf', WHERE),
    batch,
    lr: positive(p.lr ?? 2e-4, 'lr', WHERE),
    seed: intAtLeast(p.seed ?? 0, 0, 'seed', WHERE),
    subset: resolveSubset(p.subset, WHERE),
    ...resolveSnapshotFcd(p, WHERE),
  };
}

/** The settings that define a DCGAN run (what a checkpoint records and its options hash covers). */
export function dcganRunConfig(o: TrainDcganOptions): DcganTrainConfig {
  return {
    data: o.data,
    resolution: o.resolution,
    channels: o.channels,
    nz: o.nz,
    ngf: o.ngf,
    ndf: o.ndf,
    batch: o.batch,
    lr: o.lr,
    betas: [0.5, 0.999],
    seed: o.seed,
    subset: o.subset,
  };
}
