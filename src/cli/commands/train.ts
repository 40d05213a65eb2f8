import { resolve } from 'node:path';
import { type ImageDataset, loadFashionMnist, loadImageFolder } from '../../data/index.js';
import { ArgumentError } from '../../index.js';
import { abortOnSignals, formatDuration, ProgressDisplay, trainDcgan } from '../../train/index.js';
import type { FlagSpec, ParsedFlags } from '../args.js';
import type { Command } from '../command.js';

/**
 * `latentlab train <network> ...`: one verb, one subcommand per trainer. A trainer registers a
 * `TrainSubcommand` in TRAINERS below; its flags join the verb's flag list (the CLI parser knows
 * one list per verb), and flags of other trainers are refused by name. Defaults live in each
 * trainer's `defaults`, not in the flag specs, so a flag can mean different defaults per trainer.
 */
export interface TrainSubcommand {
  name: string;
  summary: string;
  usage: string;
  /** Flags this trainer accepts (no `default` here: see `defaults`). */
  flags: readonly FlagSpec[];
  defaults: Readonly<ParsedFlags>;
  run(flags: ParsedFlags, ctx: TrainContext): Promise<void>;
}

export interface TrainContext {
  out: (line: string) => void;
  /** The command line as typed, for provenance. */
  command: string;
}

/** Flags every trainer takes. */
const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'outdir', type: 'string', help: 'run folder (checkpoint, log, samples, bundle)' },
  { name: 'kimg', type: 'number', help: 'train until this many thousand real images have been shown' },
  { name: 'resume', type: 'boolean', help: 'continue the run in --outdir from its checkpoint' },
  { name: 'seed', type: 'number', help: 'seed of initialisation, data order and noise (default 0)' },
  { name: 'batch', type: 'number', help: 'batch size' },
  {
    name: 'snap-kimg',
    type: 'number',
    help: 'kimg between sample grids, bundles and checkpoints (default kimg/10)',
  },
  { name: 'checkpoint-minutes', type: 'number', help: 'also checkpoint this often (default 10)' },
  { name: 'subset', type: 'number', help: 'train on the first N images only (quick runs)' },
  { name: 'quiet', type: 'boolean', help: 'no progress line on stderr' },
];

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

function num(flags: ParsedFlags, name: string): number {
  const v = flags[name];
  if (typeof v !== 'number') throw new ArgumentError(`train: --${name} is required`);
  return v;
}

function str(flags: ParsedFlags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || !v) throw new ArgumentError(`train: --${name} is required`);
  return v;
}

const dcgan: TrainSubcommand = {
  name: 'dcgan',
  summary: 'DCGAN, the pytorch/examples recipe (BCE, Adam 2e-4 / (0.5, 0.999), BatchNorm)',
  usage:
    'latentlab train dcgan --data fashion-mnist|DIR --outdir DIR --kimg N [--batch 64] [--resolution 32] [--ngf 64 --ndf 64] [--snap-kimg K] [--resume] [--seed S]',
  flags: [
    { name: 'data', type: 'string', help: "'fashion-mnist' or a folder of images (sub-folders = classes)" },
    { name: 'resolution', type: 'number', help: 'image side, a power of two >= 8 (default 32)' },
    { name: 'channels', type: 'number', help: 'image folders: 1 or 3 (default 3; fashion-mnist is 1)' },
    { name: 'nz', type: 'number', help: 'DCGAN latent size (default 100)' },
    { name: 'ngf', type: 'number', help: 'DCGAN generator width (default 64)' },
    { name: 'ndf', type: 'number', help: 'DCGAN discriminator width (default 64)' },
    { name: 'lr', type: 'number', help: 'Adam learning rate (default 0.0002)' },
  ],
  defaults: {
    batch: 64,
    resolution: 32,
    channels: 3,
    nz: 100,
    ngf: 64,
    ndf: 64,
    lr: 2e-4,
    seed: 0,
    'checkpoint-minutes': 10,
  },
  async run(flags, { out, command }) {
    const data = str(flags, 'data');
    const outdir = str(flags, 'outdir');
    const kimg = num(flags, 'kimg');
    const channels = num(flags, 'channels');
    if (channels !== 1 && channels !== 3)
      throw new ArgumentError(`--channels must be 1 or 3, got ${channels}`);
    const subset = flags.subset === undefined ? undefined : num(flags, 'subset');
    const { dataset, dataName } = await loadTrainingData(data, {
      resolution: num(flags, 'resolution'),
      channels,
      subset,
    });
    const display = flags.quiet ? null : new ProgressDisplay({ totalKimg: kimg });
    const say = (line: string) => (display ? display.message(line) : out(line));
    out(
      `training DCGAN ${dataset.resolution}×${dataset.resolution}×${dataset.channels} on ${dataset.name} (${dataset.size} images) into ${outdir}`,
    );
    const signals = abortOnSignals(undefined, (sig) =>
      say(`${sig}: finishing the current step and saving a checkpoint (send it again to stop at once)`),
    );
    try {
      const r = await trainDcgan({
        dataset,
        dataName,
        outdir,
        kimg,
        batch: num(flags, 'batch'),
        nz: num(flags, 'nz'),
        ngf: num(flags, 'ngf'),
        ndf: num(flags, 'ndf'),
        lr: num(flags, 'lr'),
        seed: num(flags, 'seed'),
        subset,
        snapKimg: flags['snap-kimg'] === undefined ? undefined : num(flags, 'snap-kimg'),
        checkpointSeconds: num(flags, 'checkpoint-minutes') * 60,
        resume: Boolean(flags.resume),
        signal: signals.signal,
        display,
        onMessage: say,
        command,
      });
      const kimgDone = (r.progress.imagesSeen / 1000).toFixed(3);
      if (r.status === 'completed') {
        out(
          `done: ${kimgDone} kimg, ${r.progress.step} steps, ${formatDuration(r.progress.seconds)} in all (${r.imgPerSec.toFixed(1)} img/s here)`,
        );
        out(
          `model bundle: ${r.files.bundle}  (try: latentlab generate --model ${r.files.bundle} --seeds 0-15 --grid --outdir OUT)`,
        );
      } else {
        out(
          `stopped at ${kimgDone} kimg; checkpoint ${r.files.checkpoint}. Continue with the same flags plus --resume`,
        );
      }
    } finally {
      signals.dispose();
    }
  },
};

/**
 * Trainers by subcommand name. StyleGAN2 and the classifier register here:
 *   stylegan2: a TrainSubcommand from src/train/stylegan2*.ts (e.g. `stylegan2Trainer`),
 *   classifier: a TrainSubcommand from src/train/classifier*.ts.
 */
export const TRAINERS: Readonly<Record<string, TrainSubcommand>> = {
  dcgan,
  // stylegan2: stylegan2Trainer,
  // classifier: classifierTrainer,
};

function allFlags(): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const f of [...COMMON_FLAGS, ...Object.values(TRAINERS).flatMap((t) => t.flags)])
    if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

export const trainCommand: Command = {
  name: 'train',
  summary: `Train a network (${Object.keys(TRAINERS).join(', ')}); resumable, Ctrl-C saves a checkpoint`,
  usage: ['latentlab train <network> [flags]', ...Object.values(TRAINERS).map((t) => `  ${t.usage}`)].join(
    '\n',
  ),
  flags: allFlags(),
  async run({ flags, positionals }, out) {
    const [name, ...extra] = positionals;
    const trainer = name === undefined ? undefined : TRAINERS[name];
    if (!trainer) {
      throw new ArgumentError(
        `train: ${name === undefined ? 'which network?' : `unknown network '${name}'`} (one of: ${Object.keys(TRAINERS).join(', ')})`,
      );
    }
    if (extra.length) throw new ArgumentError(`train ${name}: unexpected argument '${extra[0]}'`);
    const accepted = new Set([...COMMON_FLAGS, ...trainer.flags].map((f) => f.name));
    for (const [k, v] of Object.entries(flags)) {
      if (v !== undefined && !accepted.has(k))
        throw new ArgumentError(`train ${name}: --${k} is not a ${name} flag`);
    }
    const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
    await trainer.run(
      { ...trainer.defaults, ...given },
      { out, command: ['latentlab', ...process.argv.slice(2)].join(' ') },
    );
  },
};
