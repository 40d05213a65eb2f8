import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { canonicalJson, differingOptions, hashOf, type VerbSpec } from '../core/options.js';
import { hasCheckpoint, type LoadedCheckpoint, loadLatestCheckpoint } from './checkpoint.js';
import { TrainingLog } from './log.js';
import { type LoopOptions, type LoopResult, runTrainingLoop, type TrainingTask } from './loop.js';
import type { Tensor } from '../core/tensor.js';
import type { DcganGeneratorConfig } from '../models/dcgan/config.js';
import { GanModel } from '../models/ganModel.js';
import { type BundleManifest, dcganDims, hashTensors, stylegan2Dims } from '../models/manifest.js';
import type { GeneratorConfig } from '../models/stylegan2/config.js';
import type { TrainingProgress } from './types.js';

/**
 * The files of a training run folder, shared by every trainer so runs look alike:
 *   checkpoint.safetensors (+ .prev)   everything --resume needs, one file
 *   log.jsonl, losses.png              LogRecords and their plot
 *   samples/                           image grids (fakes-<images>.png, reals.png)
 *   bundle/                            the latest model bundle (model.json + weights.safetensors)
 */
export interface RunFiles {
  outdir: string;
  checkpoint: string;
  log: string;
  plot: string;
  samples: string;
  bundle: string;
}

export function runFiles(outdir: string): RunFiles {
  return {
    outdir,
    checkpoint: join(outdir, 'checkpoint.safetensors'),
    log: join(outdir, 'log.jsonl'),
    plot: join(outdir, 'losses.png'),
    samples: join(outdir, 'samples'),
    bundle: join(outdir, 'bundle'),
  };
}

/**
 * Checks a run folder before training. A fresh run refuses a folder that already holds a checkpoint
 * (it would be overwritten); `resume` loads the newest readable checkpoint and fails without one.
 */
export async function openRun<S>(files: RunFiles, resume: boolean): Promise<LoadedCheckpoint<S> | null> {
  if (!resume) {
    if (await hasCheckpoint(files.checkpoint)) {
      throw new ArgumentError(
        `${files.outdir} already holds a training run (${files.checkpoint}); pass --resume to continue it or choose another --outdir`,
      );
    }
    return null;
  }
  const loaded = await loadLatestCheckpoint<S>(files.checkpoint);
  if (!loaded)
    throw new ArgumentError(`--resume: no checkpoint in ${files.outdir} (expected ${files.checkpoint})`);
  return loaded;
}

/** A setting in a refusal; one a run records only when on (the path-length weight) is 'absent' when off. */
function showSetting(x: unknown): string {
  return x === undefined ? 'absent' : JSON.stringify(x);
}

/**
 * Compares the settings a checkpoint was trained with against the ones given for the resumed run;
 * every key of `current` must match (run length and output intervals should not be in it).
 */
export function checkResumeConfig(
  saved: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
  file: string,
): void {
  const diffs = Object.keys(current)
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k]))
    .map((k) => `${k}: checkpoint ${showSetting(saved[k])}, now ${showSetting(current[k])}`);
  if (diffs.length) {
    throw new ArgumentError(
      `--resume: ${file} was trained with other settings (${diffs.join('; ')}); use the original flags`,
    );
  }
}

/**
 * The resume check keyed on options: a checkpoint that records `optionsHash` (hashOf its config) resumes only
 * with the same resolved options, and a refusal names the differing options by their flags (`spec`; config
 * keys where a trainer has none). Checkpoints written before the hash was recorded are compared field by
 * field as before (checkResumeConfig), so older runs stay resumable.
 */
export function checkResumeOptions(
  saved: { config: object; optionsHash?: string },
  current: object,
  file: string,
  spec?: VerbSpec,
): void {
  if (saved.optionsHash === undefined) {
    checkResumeConfig(saved.config as Record<string, unknown>, current as Record<string, unknown>, file);
    return;
  }
  if (saved.optionsHash === hashOf(current)) return;
  const was = saved.config as Record<string, unknown>;
  const now = current as Record<string, unknown>;
  const table: VerbSpec = spec ?? { words: [], options: [] };
  const names = differingOptions(table, was, now);
  const keyOf = (name: string) => table.options.find((o) => `--${o.flag}` === name)?.key ?? name;
  const show = (x: unknown) => (x === undefined ? 'absent' : canonicalJson(x));
  const detail = names.map((n) => `${n}: checkpoint ${show(was[keyOf(n)])}, now ${show(now[keyOf(n)])}`);
  throw new ArgumentError(
    `--resume: ${file} was trained with other options (${detail.join('; ') || 'options hash differs'}); use the original flags`,
  );
}

/** Options of a run folder's loop that every trainer passes through unchanged. */
export interface FolderLoopOptions {
  kimg: number;
  snapKimg?: number;
  sampleKimg?: number;
  logKimg?: number;
  checkpointSeconds?: number;
  signal?: AbortSignal;
  display?: LoopOptions['display'] | null;
  onMessage?: (line: string) => void;
  onStep?: LoopOptions['onStep'];
}

export interface FolderRunResult extends LoopResult {
  files: RunFiles;
  /** Mean training throughput over this process's steps. */
  imgPerSec: number;
}

/**
 * Opens a run folder for a trainer of `kind`: a fresh run refuses an existing one; a resumed run
 * loads the newest readable checkpoint and checks it was made by the same trainer and settings
 * (`config`, or a function of the checkpoint's state where a default depends on it).
 */
export async function openRunChecked<S extends { config: object; kind?: string; optionsHash?: string }>(
  files: RunFiles,
  resume: boolean,
  kind: string,
  config: object | ((saved: S) => object),
  onMessage?: (line: string) => void,
  spec?: VerbSpec,
): Promise<LoadedCheckpoint<S> | null> {
  const loaded = await openRun<S>(files, resume);
  if (!loaded) return null;
  if (loaded.fallbackReason) onMessage?.(`using ${loaded.path}: ${loaded.fallbackReason}`);
  const savedKind = loaded.checkpoint.state.kind;
  if (savedKind !== undefined && savedKind !== kind) {
    throw new ArgumentError(`--resume: ${loaded.path} is a ${savedKind} checkpoint, not ${kind}`);
  }
  const current = typeof config === 'function' ? config(loaded.checkpoint.state) : config;
  checkResumeOptions(loaded.checkpoint.state, current, loaded.path, spec);
  return loaded;
}

/**
 * Runs a trainer's task in its folder: the reals grid on a fresh start, log.jsonl, the loop with
 * snapshots every `snapKimg` (default kimg/10), and the throughput of this process.
 */
export async function runInFolder(
  task: TrainingTask & { writeReals?(): Promise<void> },
  files: RunFiles,
  start: TrainingProgress | undefined,
  o: FolderLoopOptions,
): Promise<FolderRunResult> {
  if (!start) await task.writeReals?.();
  const log = await TrainingLog.open(files.log, { resumeStep: start?.step });
  const snapKimg = o.snapKimg ?? o.kimg / 10;
  const t0 = performance.now();
  const result = await runTrainingLoop(task, {
    totalKimg: o.kimg,
    start,
    snapshotKimg: snapKimg,
    sampleKimg: o.sampleKimg ?? snapKimg,
    logKimg: o.logKimg,
    checkpointSeconds: o.checkpointSeconds,
    signal: o.signal,
    log,
    display: o.display ?? undefined,
    plotPath: files.plot,
    onMessage: o.onMessage,
    onStep: o.onStep,
  });
  const seconds = (performance.now() - t0) / 1000;
  const images = result.progress.imagesSeen - (start?.imagesSeen ?? 0);
  return { ...result, files, imgPerSec: seconds > 0 ? images / seconds : 0 };
}

/** What a trainer knows when it writes a bundle of the networks it is training. */
export interface TrainedModelInfo {
  trainer: 'dcgan' | 'stylegan2';
  dataset: { name: string; labelNames: readonly string[] };
  resolution: number;
  generator: BundleManifest['generator'];
  discriminator: BundleManifest['discriminator'];
  /** Which generator copy the bundle holds (G_ema for StyleGAN2). */
  network?: string;
  command?: string;
  /** The run's settings, recorded in provenance.training. */
  config: object;
}

/** The networks being trained as a latentlab bundle, with the training facts in its provenance. */
export function trainedModel(info: TrainedModelInfo, p: Readonly<TrainingProgress>, g: Map<string, Tensor>, d: Map<string, Tensor>): GanModel {
  const dims = info.trainer === 'stylegan2' ? stylegan2Dims(info.generator as GeneratorConfig) : dcganDims(info.generator as DcganGeneratorConfig);
  const manifest: BundleManifest = {
    format: 'latentlab-bundle',
    version: 1,
    name: `${info.trainer}-${info.dataset.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${info.resolution}`,
    architecture: info.trainer,
    generator: info.generator,
    discriminator: info.discriminator,
    ...dims,
    ...(info.dataset.labelNames.length ? { labels: [...info.dataset.labelNames] } : {}),
    provenance: {
      format: 'latentlab-train',
      source: `latentlab train ${info.trainer}`,
      ...(info.network ? { network: info.network } : {}),
      created: new Date().toISOString(),
      training: { command: info.command ?? null, kimg: p.imagesSeen / 1000, step: p.step, seconds: Math.round(p.seconds * 10) / 10, ...info.config },
    },
    contentHash: hashTensors({ G: g, D: d }),
    weightsDtype: 'float32',
  };
  return new GanModel(manifest, g, d);
}
