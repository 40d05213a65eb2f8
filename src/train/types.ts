/** A training run's persistent state: what a checkpoint must hold so --resume continues exactly. */
export interface TrainingProgress {
  /** Images shown so far (kimg = imagesSeen / 1000). */
  imagesSeen: number;
  /** Optimisation steps taken. */
  step: number;
  /** Wall-clock seconds spent training so far, across resumes. */
  seconds: number;
}

/** One log record per reporting interval (also a JSON-lines row in log.jsonl). */
export interface LogRecord {
  kimg: number;
  step: number;
  seconds: number;
  imgPerSec: number;
  /** Loss and metric values by name (e.g. 'G', 'D', 'R1', 'acc'). */
  values: Record<string, number>;
}
