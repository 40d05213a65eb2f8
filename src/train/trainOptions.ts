import { resolve } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { OptionSpec } from '../core/options.js';

/**
 * The options every `latentlab train <network>` table shares (run folder, length, resume, checkpoints,
 * progress line) and those of the GAN trainers (data, FCD at snapshots). Each trainer's options module
 * builds its table from these and decides every default in its `resolveTrainXOptions`.
 */

/** How a run is driven, not what it trains: never part of the options hash a resume checks. */
export interface TrainRunOptions {
  /** Run folder (checkpoint, log, samples, bundle). */
  readonly outdir: string;
  /** Continue the run in `outdir` from its checkpoint. */
  readonly resume: boolean;
  /** Also checkpoint this often. */
  readonly checkpointMinutes: number;
  /** No progress line on stderr. */
  readonly quiet: boolean;
}

/** Run length in kimg and the snapshot interval (the GAN and encoder trainers). */
export interface TrainLengthOptions {
  readonly kimg: number;
  /** kimg between sample grids, bundles and checkpoints. */
  readonly snapKimg: number;
}

/** FCD at every snapshot (dcgan, stylegan2), as NVIDIA's --metrics. */
export interface SnapshotFcdFlags {
  readonly fcdClassifier: string | null;
  /** Generated images per measurement (null without fcdClassifier). */
  readonly fcdNum: number | null;
}

export const outdirOption: OptionSpec = {
  key: 'outdir',
  flag: 'outdir',
  kind: 'string',
  help: 'run folder (checkpoint, log, samples, bundle)',
};

/** The options after the trainer's own: resume, checkpoints, progress line. */
export const RUN_OPTIONS: readonly OptionSpec[] = [
  { key: 'resume', flag: 'resume', kind: 'boolean', help: 'continue the run in --outdir from its checkpoint', default: false },
  { key: 'checkpointMinutes', flag: 'checkpoint-minutes', kind: 'number', help: 'also checkpoint this often', default: 10 },
  { key: 'quiet', flag: 'quiet', kind: 'boolean', help: 'no progress line on stderr', default: false },
];

export const LENGTH_OPTIONS: readonly OptionSpec[] = [
  { key: 'kimg', flag: 'kimg', kind: 'number', help: 'train until this many thousand real images have been shown' },
  {
    key: 'snapKimg',
    flag: 'snap-kimg',
    kind: 'number',
    help: 'kimg between sample grids, bundles and checkpoints',
    defaultText: 'kimg/10',
  },
];

export const seedOption: OptionSpec = {
  key: 'seed',
  flag: 'seed',
  kind: 'number',
  help: 'seed of initialisation, data order and noise',
  default: 0,
};

export const subsetOption: OptionSpec = {
  key: 'subset',
  flag: 'subset',
  kind: 'number',
  help: 'train on the first N images only (quick runs)',
  defaultText: 'all',
};

export const batchOption = (d: number): OptionSpec => ({ key: 'batch', flag: 'batch', kind: 'number', help: 'batch size', default: d });

/** The data options of the GAN trainers. */
export const GAN_DATA_OPTIONS: readonly OptionSpec[] = [
  { key: 'data', flag: 'data', kind: 'string', help: "'fashion-mnist' or a folder of images (sub-folders = classes)" },
  { key: 'resolution', flag: 'resolution', kind: 'number', help: 'image side, a power of two >= 8', default: 32 },
  {
    key: 'channels',
    flag: 'channels',
    kind: 'number',
    help: 'image folders: 1 or 3',
    defaultText: 'fashion-mnist 1, image folders 3',
  },
];

export const SNAPSHOT_FCD_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'fcdClassifier',
    flag: 'fcd-classifier',
    kind: 'string',
    help: 'classifier bundle: FCD + class confidence at every snapshot (metric-fcd.jsonl, bundle card)',
  },
  { key: 'fcdNum', flag: 'fcd-num', kind: 'number', help: 'generated images per snapshot FCD', default: 10_000 },
];

export function intAtLeast(v: number, min: number, flag: string, where: string): number {
  if (!Number.isInteger(v) || v < min)
    throw new ArgumentError(`${where}: --${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function positive(v: number, flag: string, where: string): number {
  if (!(Number.isFinite(v) && v > 0)) throw new ArgumentError(`${where}: --${flag} must be > 0, got ${v}`);
  return v;
}

export function finiteNumber(v: number, flag: string, where: string): number {
  if (!Number.isFinite(v)) throw new ArgumentError(`${where}: --${flag} must be a number, got ${v}`);
  return v;
}

export function resolveRunOptions(p: Partial<TrainRunOptions>, where: string): TrainRunOptions {
  if (!p.outdir) throw new ArgumentError(`${where}: --outdir is required`);
  return {
    outdir: p.outdir,
    resume: p.resume ?? false,
    checkpointMinutes: positive(p.checkpointMinutes ?? 10, 'checkpoint-minutes', where),
    quiet: p.quiet ?? false,
  };
}

export function resolveLength(p: Partial<TrainLengthOptions>, where: string): TrainLengthOptions {
  if (p.kimg === undefined) throw new ArgumentError(`${where}: --kimg is required`);
  const kimg = positive(p.kimg, 'kimg', where);
  return { kimg, snapKimg: positive(p.snapKimg ?? kimg / 10, 'snap-kimg', where) };
}

export function resolveSubset(v: number | null | undefined, where: string): number | null {
  return v === undefined || v === null ? null : intAtLeast(v, 1, 'subset', where);
}

/**
 * The data of a run: 'fashion-mnist' (its 28×28 images padded to 32, one channel) or an image folder,
 * recorded by its absolute path (what a resume checks).
 */
export function resolveData(
  p: { data?: string; resolution?: number; channels?: number },
  where: string,
): { data: string; resolution: number; channels: 1 | 3 } {
  if (!p.data) throw new ArgumentError(`${where}: --data is required ('fashion-mnist' or an image folder)`);
  const data = p.data === 'fashion-mnist' ? 'fashion-mnist' : resolve(p.data);
  const resolution = intAtLeast(p.resolution ?? 32, 8, 'resolution', where);
  if (!Number.isInteger(Math.log2(resolution)))
    throw new ArgumentError(`${where}: --resolution must be a power of two >= 8, got ${resolution}`);
  if (data === 'fashion-mnist') {
    if (resolution !== 32)
      throw new ArgumentError(`--data fashion-mnist trains at --resolution 32 (28×28 images padded), got ${resolution}`);
    if (p.channels !== undefined && p.channels !== 1)
      throw new ArgumentError(`${where}: fashion-mnist images have 1 channel; --channels ${p.channels} applies to image folders`);
    return { data, resolution, channels: 1 };
  }
  const channels = p.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new ArgumentError(`${where}: --channels must be 1 or 3, got ${channels}`);
  return { data, resolution, channels };
}

export function resolveSnapshotFcd(p: Partial<SnapshotFcdFlags>, where: string): SnapshotFcdFlags {
  const fcdClassifier = p.fcdClassifier ?? null;
  if (fcdClassifier === null) {
    if (p.fcdNum !== undefined && p.fcdNum !== null) throw new ArgumentError(`${where}: --fcd-num needs --fcd-classifier`);
    return { fcdClassifier, fcdNum: null };
  }
  return { fcdClassifier, fcdNum: intAtLeast(p.fcdNum ?? 10_000, 2, 'fcd-num', where) };
}
