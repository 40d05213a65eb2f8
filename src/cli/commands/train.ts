import { ArgumentError } from '../../index.js';
import { trainDcgan } from '../../index.js';
import type { FlagSpec, ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { GAN_DATA_FLAGS, GAN_METRIC_FLAGS, loadTrainingData, num, runTrainer, snapshotFcdFromFlags, str } from './trainRun.js';
import { classifierTrainer } from './trainClassifier.js';
import { stylegan2Trainer } from './trainStylegan2.js';
import { encoderTrainer } from './trainEncoder.js';

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

const dcgan: TrainSubcommand = {
  name: 'dcgan',
  summary: 'DCGAN, the pytorch/examples recipe (BCE, Adam 2e-4 / (0.5, 0.999), BatchNorm)',
  usage:
    'latentlab train dcgan --data fashion-mnist|DIR --outdir DIR --kimg N [--batch 64] [--resolution 32] [--ngf 64 --ndf 64] [--snap-kimg K] [--resume] [--seed S]',
  flags: [
    ...GAN_DATA_FLAGS,
    ...GAN_METRIC_FLAGS,
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
  async run(flags, ctx) {
    const channels = num(flags, 'channels');
    if (channels !== 1 && channels !== 3)
      throw new ArgumentError(`--channels must be 1 or 3, got ${channels}`);
    const subset = flags.subset === undefined ? undefined : num(flags, 'subset');
    const { dataset, dataName } = await loadTrainingData(str(flags, 'data'), {
      resolution: num(flags, 'resolution'),
      channels,
      subset,
    });
    ctx.out(
      `training DCGAN ${dataset.resolution}×${dataset.resolution}×${dataset.channels} on ${dataset.name} (${dataset.size} images) into ${str(flags, 'outdir')}`,
    );
    const snapshotFcd = await snapshotFcdFromFlags(flags, dataset, dataName);
    await runTrainer(flags, ctx, (common) =>
      trainDcgan({
        ...common,
        snapshotFcd,
        dataset,
        dataName,
        batch: num(flags, 'batch'),
        nz: num(flags, 'nz'),
        ngf: num(flags, 'ngf'),
        ndf: num(flags, 'ndf'),
        lr: num(flags, 'lr'),
        seed: num(flags, 'seed'),
        subset,
      }),
    );
  },
};

/**
 * Trainers by subcommand name. StyleGAN2 and the classifier register here:
 *   stylegan2: a TrainSubcommand from src/train/stylegan2*.ts (e.g. `stylegan2Trainer`),
 *   classifier: a TrainSubcommand from src/train/classifier*.ts.
 */
export const TRAINERS: Readonly<Record<string, TrainSubcommand>> = {
  dcgan,
  stylegan2: stylegan2Trainer,
  classifier: classifierTrainer,
  encoder: encoderTrainer,
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
