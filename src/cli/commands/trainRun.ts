import { resolve } from 'node:path';
import { type ImageDataset, loadFashionMnist, loadImageFolder } from '../../index.js';
import { ArgumentError, readClassifierBundle } from '../../index.js';
import { formatDuration } from '../../index.js';
import { ProgressDisplay } from '../progress.js';
import { abortOnSignals } from '../signals.js';
import type { SnapshotFcdOptions } from '../../index.js';
import type { FlagSpec, ParsedFlags } from '../args.js';

/** The data flags of the GAN trainers (dcgan, stylegan2). */
export const GAN_DATA_FLAGS: readonly FlagSpec[] = [
  { name: 'data', type: 'string', help: "'fashion-mnist' or a folder of images (sub-folders = classes)" },
  { name: 'resolution', type: 'number', help: 'image side, a power of two >= 8 (default 32)' },
  { name: 'channels', type: 'number', help: 'image folders: 1 or 3 (default 3; fashion-mnist is 1)' },
];

/** FCD at every snapshot (dcgan, stylegan2), as NVIDIA's --metrics. */
export const GAN_METRIC_FLAGS: readonly FlagSpec[] = [
  {
    name: 'fcd-classifier',
    type: 'string',
    help: 'classifier bundle: FCD + class confidence at every snapshot (metric-fcd.jsonl, bundle card)',
  },
  { name: 'fcd-num', type: 'number', help: 'generated images per snapshot FCD (default 10000)' },
];

/**
 * The snapshot FCD of `--fcd-classifier`: against Fashion-MNIST's test split (as `metrics fcd`) or,
 * for an image folder, against its own training images (as NVIDIA's fid50k_full).
 */
export async function snapshotFcdFromFlags(
  flags: ParsedFlags,
  dataset: ImageDataset,
  dataName: string,
): Promise<SnapshotFcdOptions | undefined> {
  const dir = flags['fcd-classifier'];
  if (dir === undefined) {
    if (flags['fcd-num'] !== undefined) throw new ArgumentError('train: --fcd-num needs --fcd-classifier');
    return undefined;
  }
  const n = flags['fcd-num'] ?? 10_000;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2)
    throw new ArgumentError(`train: --fcd-num must be an integer >= 2, got ${String(n)}`);
  const classifier = await readClassifierBundle(str(flags, 'fcd-classifier'));
  const want = `${classifier.config.inChannels}-channel ${classifier.manifest.resolution}px`;
  if (classifier.config.inChannels !== dataset.channels || classifier.manifest.resolution !== dataset.resolution)
    throw new ArgumentError(
      `train: --fcd-classifier ${classifier.name} reads ${want} images; the run makes ${dataset.channels}-channel ${dataset.resolution}px ones`,
    );
  if (dataName === 'fashion-mnist') {
    const reference = await loadFashionMnist('test', { pad: 32 });
    return { classifier, reference, referenceName: reference.name, num: n };
  }
  return { classifier, reference: dataset, referenceName: `${dataset.name} (training images)`, num: n };
}

/** What every trainer's run function takes from the command line (see COMMON_FLAGS in train.ts). */
export interface CommonRunOptions {
  outdir: string;
  kimg: number;
  snapKimg?: number;
  checkpointSeconds: number;
  resume: boolean;
  signal: AbortSignal;
  display: ProgressDisplay | null;
  onMessage: (line: string) => void;
  command: string;
}

interface RunOutcome {
  status: 'completed' | 'interrupted';
  progress: { imagesSeen: number; step: number; seconds: number };
  files: { bundle: string; checkpoint: string };
  imgPerSec: number;
  /** What to try with the bundle (default: generate from it). */
  tryCommand?: string;
}

export function num(flags: ParsedFlags, name: string): number {
  const v = flags[name];
  if (typeof v !== 'number') throw new ArgumentError(`train: --${name} is required`);
  return v;
}

export function str(flags: ParsedFlags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || !v) throw new ArgumentError(`train: --${name} is required`);
  return v;
}

/**
 * The part of `latentlab train X` every trainer shares: progress display, Ctrl-C handling, and the
 * closing lines (where the bundle is, or how to resume).
 */
export async function runTrainer(
  flags: ParsedFlags,
  ctx: { out: (line: string) => void; command: string },
  run: (common: CommonRunOptions) => Promise<RunOutcome>,
): Promise<void> {
  const kimg = num(flags, 'kimg');
  const display = flags.quiet ? null : new ProgressDisplay({ totalKimg: kimg });
  const say = (line: string) => (display ? display.message(line) : ctx.out(line));
  const signals = abortOnSignals(undefined, (sig) =>
    say(`${sig}: finishing the current step and saving a checkpoint (send it again to stop at once)`),
  );
  try {
    const r = await run({
      outdir: str(flags, 'outdir'),
      kimg,
      snapKimg: flags['snap-kimg'] === undefined ? undefined : num(flags, 'snap-kimg'),
      checkpointSeconds: num(flags, 'checkpoint-minutes') * 60,
      resume: Boolean(flags.resume),
      signal: signals.signal,
      display,
      onMessage: say,
      command: ctx.command,
    });
    const kimgDone = (r.progress.imagesSeen / 1000).toFixed(3);
    if (r.status === 'completed') {
      ctx.out(
        `done: ${kimgDone} kimg, ${r.progress.step} steps, ${formatDuration(r.progress.seconds)} in all (${r.imgPerSec.toFixed(1)} img/s here)`,
      );
      ctx.out(
        `model bundle: ${r.files.bundle}  (try: ${r.tryCommand ?? `latentlab generate --model ${r.files.bundle} --seeds 0-15 --grid --outdir OUT`})`,
      );
    } else {
      ctx.out(
        `stopped at ${kimgDone} kimg; checkpoint ${r.files.checkpoint}. Continue with the same flags plus --resume`,
      );
    }
  } finally {
    signals.dispose();
  }
}

/** `--data fashion-mnist` (Debian's dataset-fashion-mnist, padded to 32×32) or an image folder. */
export async function loadTrainingData(
  data: string,
  opts: { resolution: number; channels: 1 | 3; subset?: number },
): Promise<{ dataset: ImageDataset; dataName: string }> {
  if (data === 'fashion-mnist') {
    if (opts.resolution !== 32) {
      throw new ArgumentError(
        `--data fashion-mnist trains at --resolution 32 (28×28 images padded), got ${opts.resolution}`,
      );
    }
    return {
      dataset: await loadFashionMnist('train', { pad: 32, limit: opts.subset }),
      dataName: 'fashion-mnist',
    };
  }
  const dir = resolve(data);
  const dataset = await loadImageFolder(dir, {
    size: opts.resolution,
    channels: opts.channels,
    limit: opts.subset,
  });
  return { dataset, dataName: dir };
}
