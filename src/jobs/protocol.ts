// The messages between a LocalWorkerPool and its child processes (process.send / 'message', JSON).

/** A progress report: `step` of `total`, plus whatever the job streams (a loss, a frame's file name). */
export interface JobProgress {
  step: number;
  total: number;
  message?: string;
  [key: string]: unknown;
}

/** What a job's function gets, in whichever process it runs. */
export interface JobContext {
  signal: AbortSignal;
  /** Where the job writes its outputs. */
  dir: string;
  report(progress: JobProgress): void;
  /** Throws JobCancelled when the job was cancelled (call between steps). */
  checkCancelled(): void;
}

/**
 * The module a worker process loads (by file path) exports `createRunner(init)`; `init` is the JSON the
 * pool was given (workspace and model folders for the studio). The runner then executes jobs by kind.
 */
export interface JobRunner {
  run(kind: string, params: Record<string, unknown>, ctx: JobContext): Promise<unknown>;
  close?(): Promise<void>;
}
export type CreateRunner = (init: unknown) => JobRunner | Promise<JobRunner>;

export type ToWorker =
  | { type: 'init'; module: string; init: unknown }
  | { type: 'run'; id: string; kind: string; params: Record<string, unknown>; dir: string }
  | { type: 'cancel'; id: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-failed'; error: string }
  | { type: 'progress'; id: string; progress: JobProgress }
  | { type: 'done'; id: string; result: unknown }
  | { type: 'failed'; id: string; error: string; name: string }
  | { type: 'cancelled'; id: string };
