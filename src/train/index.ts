// Training infrastructure (generic: loop, checkpoints, logs, plots, progress) and the DCGAN trainer.
// docs/training.md describes how a new trainer plugs in.

export {
  type AdamJsonState,
  CHECKPOINT_FORMAT,
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadedCheckpoint,
  loadCheckpoint,
  loadLatestCheckpoint,
  packAdam,
  previousPath,
  type SaveCheckpointOptions,
  saveCheckpoint,
  unpackAdam,
} from './checkpoint.js';
export {
  type DcganCheckpointState,
  type DcganTrainConfig,
  DcganTrainer,
  type DcganTrainOptions,
} from './dcgan.js';
export { type DcganRunResult, trainDcgan } from './dcganRun.js';
export { type OpenLogOptions, parseLog, readLog, TrainingLog } from './log.js';
export {
  abortOnSignals,
  crossed,
  type LoopOptions,
  type LoopResult,
  runTrainingLoop,
  type SignalAbort,
  type SnapshotInfo,
  type StepResult,
  type TrainingTask,
} from './loop.js';
export {
  niceTicks,
  type PlotOptions,
  plotLosses,
  Raster,
  type Rgb,
  SERIES_COLOURS,
  writeLossPlot,
} from './plot.js';
export {
  formatDuration,
  formatProgress,
  ProgressDisplay,
  type ProgressOptions,
  type ProgressUpdate,
} from './progress.js';
export { checkResumeConfig, openRun, type RunFiles, runFiles } from './run.js';
export type { LogRecord, TrainingProgress } from './types.js';
