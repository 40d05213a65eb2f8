import {
  ArgumentError,
  CLASSIFIER_PRESETS,
  type ClassifierPreset,
  type ClassifierRunResult,
  formatDuration,
  loadFashionMnist,
  trainClassifier,
} from '../../index.js';
import { ProgressDisplay } from '../progress.js';
import { abortOnSignals } from '../signals.js';

/**
 * `latentlab train classifier`: the flag handling behind the CLI subcommand. The objects here are
 * structurally the CLI's FlagSpec / TrainSubcommand.
 */

/** Parsed flag values by name (the CLI's ParsedFlags). */
export type FlagValues = Readonly<Record<string, string | number | boolean | undefined>>;

/** Flags the classifier adds to `train`'s common ones (outdir, resume, seed, batch, subset, quiet, checkpoint-minutes). */
export const CLASSIFIER_TRAIN_FLAGS = [
  { name: 'data', type: 'string', help: "training data: 'fashion-mnist' (labelled)" },
  { name: 'epochs', type: 'number', help: 'classifier: passes over the training set (default 8)' },
  { name: 'resolution', type: 'number', help: 'image side (fashion-mnist: 32, the 28×28 images padded)' },
  { name: 'preset', type: 'string', help: 'classifier network: fmnist32 | fmnist32pool (the judge variant) | tiny (default fmnist32)' },
  {
    name: 'lr',
    type: 'number',
    help: 'peak learning rate (classifier: Adam, warmup then cosine to 0; default 0.002)',
  },
  { name: 'weight-decay', type: 'number', help: 'classifier: Adam L2 weight decay (default 0.0005)' },
  { name: 'label-smoothing', type: 'number', help: 'classifier: label smoothing epsilon (default 0)' },
  { name: 'flip', type: 'boolean', help: 'classifier: mirror training images at random (--no-flip: never)' },
  { name: 'shift', type: 'number', help: 'classifier: shift training images by up to ±N px (default 0)' },
  { name: 'name', type: 'string', help: 'classifier: bundle name' },
] as const satisfies readonly { name: string; type: 'string' | 'number' | 'boolean'; help: string }[];

export const CLASSIFIER_TRAIN_DEFAULTS = {
  data: 'fashion-mnist',
  epochs: 6,
  resolution: 32,
  preset: 'fmnist32',
  batch: 128,
  lr: 2e-3,
  'weight-decay': 5e-4,
  'label-smoothing': 0,
  flip: true,
  shift: 0,
  seed: 0,
  'checkpoint-minutes': 10,
} as const satisfies FlagValues;

export interface ClassifierCommandContext {
  /** The command line as typed, for provenance. */
  command?: string;
  /** Ends the run after a checkpoint; default: the first SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

function numberFlag(flags: FlagValues, name: string): number {
  const v = flags[name] ?? (CLASSIFIER_TRAIN_DEFAULTS as FlagValues)[name];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ArgumentError(`train classifier: --${name} must be a number, got ${String(v)}`);
  return v;
}

function augmentFrom(flags: FlagValues): { flip: boolean; maxShift: number } | null {
  const flip = (flags.flip ?? CLASSIFIER_TRAIN_DEFAULTS.flip) !== false;
  const maxShift = numberFlag(flags, 'shift');
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift > 8)
    throw new ArgumentError(`train classifier: --shift must be an integer in 0..8, got ${maxShift}`);
  return flip || maxShift > 0 ? { flip, maxShift } : null;
}

/**
 * `latentlab train classifier --data fashion-mnist --outdir DIR --epochs N`: validates the flags,
 * loads the data, trains with a status line and one line per epoch on stderr (or through `out`
 * with --quiet), and prints the result through `out`. Flags left out take CLASSIFIER_TRAIN_DEFAULTS.
 */
export async function runClassifierTraining(
  flags: FlagValues,
  out: (line: string) => void,
  ctx: ClassifierCommandContext = {},
): Promise<ClassifierRunResult> {
  const data = String(flags.data ?? CLASSIFIER_TRAIN_DEFAULTS.data);
  if (data !== 'fashion-mnist')
    throw new ArgumentError(
      `train classifier: --data must be fashion-mnist (a labelled dataset), got '${data}'`,
    );
  const outdir = flags.outdir;
  if (typeof outdir !== 'string' || !outdir)
    throw new ArgumentError('train classifier: --outdir is required');
  if (flags.kimg !== undefined)
    throw new ArgumentError('train classifier: the run length is --epochs, not --kimg');
  const resolution = numberFlag(flags, 'resolution');
  if (resolution !== 32 && resolution !== 28)
    throw new ArgumentError(
      `train classifier: --resolution must be 32 or 28 for fashion-mnist, got ${resolution}`,
    );
  const preset = String(flags.preset ?? CLASSIFIER_TRAIN_DEFAULTS.preset);
  if (!Object.hasOwn(CLASSIFIER_PRESETS, preset)) {
    throw new ArgumentError(
      `train classifier: --preset must be one of ${Object.keys(CLASSIFIER_PRESETS).join(', ')}, got '${preset}'`,
    );
  }
  const epochs = numberFlag(flags, 'epochs');
  const subset = flags.subset === undefined ? undefined : numberFlag(flags, 'subset');
  const [dataset, testset] = await Promise.all([
    loadFashionMnist('train', { pad: resolution }),
    loadFashionMnist('test', { pad: resolution }),
  ]);
  const images = Math.min(dataset.size, subset ?? dataset.size);
  const display = flags.quiet ? null : new ProgressDisplay({ totalKimg: (epochs * images) / 1000 });
  const say = (line: string) => (display ? display.message(line) : out(line));
  const {
    inChannels: _c,
    numClasses: _k,
    resolution: _r,
    ...network
  } = CLASSIFIER_PRESETS[preset as ClassifierPreset];
  out(
    `training a ${preset} classifier on ${dataset.name} (${images} images, ${resolution}×${resolution}) for ${epochs} epochs into ${outdir}`,
  );
  const signals = ctx.signal
    ? null
    : abortOnSignals(undefined, (sig) =>
        say(`${sig}: finishing the current step and saving a checkpoint (send it again to stop at once)`),
      );
  try {
    const r = await trainClassifier({
      dataset,
      testset,
      dataName: data,
      outdir,
      epochs,
      network,
      batch: numberFlag(flags, 'batch'),
      lr: numberFlag(flags, 'lr'),
      weightDecay: numberFlag(flags, 'weight-decay'),
      labelSmoothing: numberFlag(flags, 'label-smoothing'),
      augment: augmentFrom(flags),
      seed: numberFlag(flags, 'seed'),
      subset,
      checkpointSeconds: numberFlag(flags, 'checkpoint-minutes') * 60,
      resume: flags.resume === true,
      name: typeof flags.name === 'string' ? flags.name : undefined,
      signal: ctx.signal ?? signals?.signal,
      display,
      onMessage: say,
      command: ctx.command,
    });
    const acc = r.testAccuracy === null ? 'not measured yet' : `${(100 * r.testAccuracy).toFixed(2)}%`;
    if (r.status === 'completed') {
      out(
        `done: ${epochs} epochs, ${r.progress.step} steps, ${formatDuration(r.progress.seconds)} in all (${r.imgPerSec.toFixed(0)} img/s here); test accuracy ${acc}`,
      );
      out(`classifier bundle: ${r.files.bundle}`);
    } else {
      out(
        `stopped at ${(r.progress.imagesSeen / 1000).toFixed(1)} kimg (test accuracy ${acc}); checkpoint ${r.files.checkpoint}. Continue with the same flags plus --resume`,
      );
    }
    return r;
  } finally {
    signals?.dispose();
  }
}

/** The `classifier` entry for `train`'s TRAINERS table (structurally a TrainSubcommand). */
export const classifierTrainer = {
  name: 'classifier',
  summary:
    'Attribute classifier (CNN, cross-entropy, Adam + cosine, flips/shifts) with test accuracy per epoch',
  usage:
    'latentlab train classifier --data fashion-mnist --outdir DIR [--epochs 6] [--batch 128] [--lr 0.002] [--no-flip] [--shift 0] [--resume] [--seed S]',
  flags: CLASSIFIER_TRAIN_FLAGS,
  defaults: CLASSIFIER_TRAIN_DEFAULTS,
  async run(flags: FlagValues, ctx: { out: (line: string) => void; command: string }): Promise<void> {
    await runClassifierTraining(flags, ctx.out, { command: ctx.command });
  },
};
