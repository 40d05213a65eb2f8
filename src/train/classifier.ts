import { ArgumentError } from '../core/errors.js';
import type { ImageDataset } from '../data/dataset.js';
import { CLASSIFIER_PRESETS, type ClassifierConfig } from '../models/classifier/config.js';
import {
  type ClassifierCheckpointState,
  type ClassifierTrainConfig,
  ClassifierTrainer,
  checkTrainConfig,
  type EpochRecord,
} from './classifierTrainer.js';
import type { ProgressSink } from './loop.js';
import { checkResumeConfig, type FolderRunResult, openRun, runFiles, runInFolder } from './run.js';

export interface ClassifierRunOptions {
  dataset: ImageDataset;
  testset: ImageDataset;
  /** What to record as the data source (default dataset.name). */
  dataName?: string;
  outdir: string;
  epochs: number;
  /** Network (default the fmnist32 preset with the dataset's channels, classes and resolution). */
  network?: Partial<ClassifierConfig>;
  batch?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  /** Default: random flips, no shifts; null for none. */
  augment?: ClassifierTrainConfig['augment'];
  seed?: number;
  subset?: number;
  /** kimg between log records (default: 1/100 of the run). */
  logKimg?: number;
  /** Also checkpoint this often (default 600 s); every epoch end checkpoints anyway. */
  checkpointSeconds?: number;
  resume?: boolean;
  /** Bundle name (default `classifier-<data>-<resolution>`). */
  name?: string;
  signal?: AbortSignal;
  display?: ProgressSink | null;
  onMessage?: (line: string) => void;
  /** The command line, recorded in the bundle's provenance. */
  command?: string;
  threads?: number;
}

export interface ClassifierRunResult extends FolderRunResult {
  history: EpochRecord[];
  /** Test accuracy after the last completed epoch (null if none completed). */
  testAccuracy: number | null;
}

function resolveConfig(o: ClassifierRunOptions): ClassifierTrainConfig {
  const ds = o.dataset;
  const config: ClassifierTrainConfig = {
    data: o.dataName ?? ds.name,
    network: {
      ...CLASSIFIER_PRESETS.fmnist32,
      inChannels: ds.channels,
      numClasses: ds.numClasses,
      resolution: ds.resolution,
      ...o.network,
    },
    batch: o.batch ?? 128,
    epochs: o.epochs,
    lr: o.lr ?? 2e-3,
    warmupSteps: o.warmupSteps ?? 100,
    weightDecay: o.weightDecay ?? 5e-4,
    labelSmoothing: o.labelSmoothing ?? 0,
    augment: o.augment === undefined ? { flip: true, maxShift: 0 } : o.augment,
    seed: o.seed ?? 0,
    subset: o.subset ?? null,
  };
  checkTrainConfig(config);
  if (ds.numClasses < 2)
    throw new ArgumentError(
      `train classifier: ${ds.name} has ${ds.numClasses} label classes; need at least 2`,
    );
  return config;
}

/**
 * Trains (or with `resume`, continues) a classifier into `outdir`: checkpoint.safetensors,
 * log.jsonl, losses.png and bundle/ (model.json + weights.safetensors, rewritten after every epoch
 * with its test accuracy).
 */
export async function trainClassifier(o: ClassifierRunOptions): Promise<ClassifierRunResult> {
  const config = resolveConfig(o);
  const files = runFiles(o.outdir);
  const loaded = await openRun<ClassifierCheckpointState>(files, o.resume ?? false);
  if (loaded) {
    if (loaded.fallbackReason) o.onMessage?.(`using ${loaded.path}: ${loaded.fallbackReason}`);
    // The schedule's length depends on epochs, so a resumed run keeps the original count.
    if (loaded.checkpoint.state.config.epochs !== config.epochs) {
      throw new ArgumentError(
        `--resume: ${loaded.path} was trained for ${loaded.checkpoint.state.config.epochs} epochs, not ${config.epochs}; its learning-rate schedule depends on it`,
      );
    }
    checkResumeConfig(
      loaded.checkpoint.state.config as unknown as Record<string, unknown>,
      config as unknown as Record<string, unknown>,
      loaded.path,
    );
  }
  const trainer = await ClassifierTrainer.create(
    config,
    o.dataset,
    {
      outdir: o.outdir,
      testset: o.testset,
      name: o.name,
      onMessage: o.onMessage,
      command: o.command,
      threads: o.threads,
    },
    loaded?.checkpoint,
    loaded?.path,
  );
  try {
    // One snapshot (test accuracy, bundle) per epoch.
    const epochKimg = (config.subset ?? o.dataset.size) / 1000;
    const result = await runInFolder(trainer, files, loaded?.checkpoint.state.progress, {
      kimg: config.epochs * epochKimg,
      snapKimg: epochKimg,
      logKimg: o.logKimg,
      checkpointSeconds: o.checkpointSeconds,
      signal: o.signal,
      display: o.display,
      onMessage: o.onMessage,
    });
    const last = trainer.history[trainer.history.length - 1];
    return { ...result, history: trainer.history, testAccuracy: last?.testAccuracy ?? null };
  } finally {
    await trainer.release();
  }
}
