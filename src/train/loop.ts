import { ArgumentError } from '../core/errors.js';
import type { TrainingLog } from './log.js';
import { writeLossPlot } from './plot.js';
import type { LogRecord, TrainingProgress } from './types.js';

/**
 * The generic training loop: every trainer (DCGAN, StyleGAN2, the classifier) implements
 * `TrainingTask` and hands it to `runTrainingLoop`, which owns the schedule (steps until the total
 * kimg, sample/snapshot/checkpoint intervals), logging, the progress line and interruption.
 * Intervals are crossings of multiples of N kimg by the image count, so they do not depend on
 * when a run was resumed.
 */

/** What one optimisation step reports. */
export interface StepResult {
  /** Real images the step consumed (advances kimg); usually the batch size. */
  images: number;
  /** Scalars to log ('G', 'D', 'acc'...); averaged over each log interval. */
  values: Readonly<Record<string, number>>;
}

export interface SnapshotInfo {
  /** True for the snapshot at the end of the run. */
  final: boolean;
}

/** A trainer as the loop sees it. All state lives in the task; the loop only calls it. */
export interface TrainingTask {
  /** One optimisation step. `progress` is the state before the step. */
  step(progress: Readonly<TrainingProgress>): Promise<StepResult>;
  /**
   * Saves everything needed to continue exactly from `progress` (weights, optimiser moments, RNG
   * and sampler states, `progress` itself), crash-safely: see saveCheckpoint.
   */
  saveCheckpoint(progress: Readonly<TrainingProgress>): Promise<void>;
  /** Cheap periodic output, every `sampleKimg` (image grids). */
  sample?(progress: Readonly<TrainingProgress>): Promise<void>;
  /** Heavier periodic output, every `snapshotKimg` and at the end (model bundles, metrics). */
  snapshot?(progress: Readonly<TrainingProgress>, info: SnapshotInfo): Promise<void>;
}

/** What the loop reports after each step to a progress display. */
export interface ProgressUpdate {
  kimg: number;
  /** Loss and metric values by name. */
  values: Readonly<Record<string, number>>;
  /** Recent training throughput. */
  imgPerSec: number;
}

/** A progress display as the loop drives it (the CLI's status line is one). */
export interface ProgressSink {
  /** Shows `u`; `force` asks to draw now (the last step), where a display throttles. */
  update(u: ProgressUpdate, force?: boolean): void;
  /** The run ended (completed, interrupted or failed). */
  done(): void;
}

export interface LoopOptions {
  /** Train until this many thousand images have been shown. */
  totalKimg: number;
  /** Where a resumed run stands (from its checkpoint); default the start. */
  start?: TrainingProgress;
  /** kimg between `sample` calls (0 = only at the end). */
  sampleKimg?: number;
  /** kimg between `snapshot` calls (0 = only at the end). */
  snapshotKimg?: number;
  /** kimg between checkpoints; default `snapshotKimg` (0 = only at the end and on interruption). */
  checkpointKimg?: number;
  /** Also checkpoint when this many seconds have passed since the last one (default 600; 0 = off). */
  checkpointSeconds?: number;
  /** kimg between log records (default: 1/100 of the run, at least one step). */
  logKimg?: number;
  /** Aborting it ends the run after the current step, with a checkpoint (the CLI aborts it on Ctrl-C). */
  signal?: AbortSignal;
  log?: TrainingLog;
  display?: ProgressSink;
  /** Redraw the loss plot from the log's records here at every snapshot and at the end. */
  plotPath?: string;
  /**
   * Called after every step with the new progress and the step's values (studio progress streams;
   * tests use it to interrupt a run at a given step). Exceptions end the run without a checkpoint.
   */
  onStep?: (progress: Readonly<TrainingProgress>, result: StepResult) => void;
  /** Progress messages (checkpoint saved, interrupted...), one line each. */
  onMessage?: (line: string) => void;
  /** Millisecond clock (tests). */
  now?: () => number;
}

export interface LoopResult {
  /** 'completed' when the total was reached, 'interrupted' when the signal ended the run. */
  status: 'completed' | 'interrupted';
  progress: TrainingProgress;
}

function checkInterval(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`training loop: ${name} must be >= 0, got ${v}`);
  return v;
}

/** Whether the image count passed a multiple of `kimg` thousand images going from `a` to `b`. */
export function crossed(a: number, b: number, kimg: number): boolean {
  if (!(kimg > 0)) return false;
  const every = kimg * 1000;
  return Math.floor(b / every) > Math.floor(a / every);
}

/** Runs `task` until `totalKimg` or until `signal` aborts; see LoopOptions. */
export async function runTrainingLoop(task: TrainingTask, options: LoopOptions): Promise<LoopResult> {
  const total = Math.round(checkInterval('totalKimg', options.totalKimg) * 1000);
  const sampleKimg = checkInterval('sampleKimg', options.sampleKimg);
  const snapshotKimg = checkInterval('snapshotKimg', options.snapshotKimg);
  const checkpointKimg = checkInterval('checkpointKimg', options.checkpointKimg ?? snapshotKimg);
  const checkpointMs = checkInterval('checkpointSeconds', options.checkpointSeconds ?? 600) * 1000;
  const logKimg =
    options.logKimg === undefined ? total / 100 / 1000 : checkInterval('logKimg', options.logKimg);
  const now = options.now ?? (() => performance.now());
  const say = options.onMessage ?? (() => {});
  const p: TrainingProgress = { ...(options.start ?? { imagesSeen: 0, step: 0, seconds: 0 }) };
  if (p.imagesSeen >= total) return { status: 'completed', progress: p };

  const t0 = now();
  const seconds0 = p.seconds;
  const clock = () => {
    p.seconds = seconds0 + (now() - t0) / 1000;
  };
  let lastCheckpoint = t0;
  // Log-interval accumulators: value sums and counts, images and pure step time.
  let sums: Record<string, number> = {};
  let counts: Record<string, number> = {};
  let intervalImages = 0;
  let intervalMs = 0;
  // Recent throughput for the status line.
  const recent: { images: number; ms: number }[] = [];

  const flushLog = async () => {
    if (intervalImages === 0) return;
    const values: Record<string, number> = {};
    for (const k of Object.keys(sums)) values[k] = sums[k] / counts[k];
    const record: LogRecord = {
      kimg: p.imagesSeen / 1000,
      step: p.step,
      seconds: p.seconds,
      imgPerSec: intervalMs > 0 ? (intervalImages * 1000) / intervalMs : 0,
      values,
    };
    sums = {};
    counts = {};
    intervalImages = 0;
    intervalMs = 0;
    await options.log?.append(record);
  };
  const plot = async () => {
    if (options.plotPath && options.log && options.log.records.length > 0) {
      await writeLossPlot(options.plotPath, options.log.records, { title: 'training losses' });
    }
  };
  const checkpoint = async () => {
    clock();
    await task.saveCheckpoint({ ...p });
    lastCheckpoint = now();
  };

  try {
    while (p.imagesSeen < total && !options.signal?.aborted) {
      const before = p.imagesSeen;
      const ts = now();
      const r = await task.step({ ...p });
      const ms = now() - ts;
      if (!(r.images > 0)) throw new ArgumentError(`training step ${p.step} reported ${r.images} images`);
      p.imagesSeen += r.images;
      p.step += 1;
      clock();
      for (const [k, v] of Object.entries(r.values)) {
        sums[k] = (sums[k] ?? 0) + v;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      intervalImages += r.images;
      intervalMs += ms;
      recent.push({ images: r.images, ms });
      if (recent.length > 20) recent.shift();
      const rate =
        (recent.reduce((s, x) => s + x.images, 0) * 1000) /
        Math.max(
          1e-9,
          recent.reduce((s, x) => s + x.ms, 0),
        );
      const done = p.imagesSeen >= total;
      options.display?.update({ kimg: p.imagesSeen / 1000, values: r.values, imgPerSec: rate }, done);
      options.onStep?.({ ...p }, r);
      if (done) break;
      if (crossed(before, p.imagesSeen, logKimg)) await flushLog();
      if (crossed(before, p.imagesSeen, sampleKimg)) await task.sample?.({ ...p });
      if (crossed(before, p.imagesSeen, snapshotKimg)) {
        await task.snapshot?.({ ...p }, { final: false });
        await plot();
      }
      if (
        crossed(before, p.imagesSeen, checkpointKimg) ||
        (checkpointMs > 0 && now() - lastCheckpoint >= checkpointMs)
      ) {
        await checkpoint();
      }
    }
    clock();
    await flushLog();
    if (p.imagesSeen >= total) {
      await task.sample?.({ ...p });
      await task.snapshot?.({ ...p }, { final: true });
      await plot();
      await checkpoint();
      return { status: 'completed', progress: { ...p } };
    }
    await checkpoint();
    say(`interrupted after step ${p.step} (kimg ${(p.imagesSeen / 1000).toFixed(3)}): checkpoint saved`);
    return { status: 'interrupted', progress: { ...p } };
  } finally {
    options.display?.done();
  }
}
