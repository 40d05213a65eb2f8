import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { ArgumentError } from '../../core/errors.js';
import { JobCancelled } from '../errors.js';
import type { JobContext, JobProgress } from '../protocol.js';
import { BundleLocator, ModelUnavailable } from './bundles.js';
import { cancelKey, QUEUE_NAME, queueConnection, redactedUrl } from './connection.js';

/** Runs one queued task; `locator` finds the bundles it names by content hash. */
export type TaskHandler = (data: unknown, ctx: JobContext, locator: BundleLocator) => Promise<unknown>;

export interface QueueWorkerOptions {
  /** redis://HOST:PORT (see queueConnection). */
  url: string;
  /** Tasks this process runs at once (default 1). */
  concurrency?: number;
  /** Folders of bundles this worker may load (content hashes are checked). */
  modelDirs?: readonly string[];
  /** How long a task's lock lasts unrenewed: a killed worker's task is re-run by another after about this long (default 30000 ms). */
  lockMs?: number;
  /** Runs of a task that kill its worker before the task fails with the reason (default 3). */
  attempts?: number;
  handlers: Readonly<Record<string, TaskHandler>>;
  log?: (line: string) => void;
}

export interface QueueWorker {
  close(): Promise<void>;
}

/** Progress updates go to Redis at most this often per task. */
const PROGRESS_EVERY_MS = 250;

/**
 * A BullMQ worker on the latentlab queue: takes tasks by name from `handlers`, streams their progress as job
 * progress, and stops a task whose submitter asked to cancel (a key in Redis, checked every second).
 * Worker death is BullMQ's stalled-job recovery: the lock lapses, another worker re-runs the task, and after
 * `attempts` such deaths the task fails ("job stalled more than allowable limit").
 */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const connection = queueConnection(opts.url);
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ArgumentError(`--concurrency must be a positive integer, got ${concurrency}`);
  const attempts = opts.attempts ?? 3;
  const lockMs = opts.lockMs ?? 30_000;
  const locator = new BundleLocator(opts.modelDirs ?? []);
  const log = opts.log ?? (() => undefined);
  const control = new Queue(QUEUE_NAME, { connection });
  const active = new Set<string>();
  const worker = new Worker(
    QUEUE_NAME,
    async (job, _token, signal) => {
      const handler = opts.handlers[job.name];
      if (!handler) throw new UnrecoverableError(`this worker does not run '${job.name}' tasks`);
      active.add(job.id!);
      log(`${job.name} ${job.id}: started`);
      const aborted = signal ?? new AbortController().signal;
      let last = 0;
      let pending: JobProgress | null = null;
      const ctx: JobContext = {
        signal: aborted,
        dir: '',
        report: (p) => {
          pending = p;
          const now = Date.now();
          if (now - last < PROGRESS_EVERY_MS && p.step < p.total) return;
          last = now;
          pending = null;
          void job.updateProgress(p).catch(() => undefined);
        },
        checkCancelled: () => {
          if (aborted.aborted) throw new JobCancelled('cancelled');
        },
      };
      try {
        const result = await handler(job.data, ctx, locator);
        if (pending) await job.updateProgress(pending).catch(() => undefined);
        ctx.checkCancelled();
        log(`${job.name} ${job.id}: done`);
        return result;
      } catch (err) {
        log(`${job.name} ${job.id}: failed: ${(err as Error).message}`);
        // the same inputs fail the same way on every worker: do not retry
        if (err instanceof ModelUnavailable || err instanceof ArgumentError || err instanceof JobCancelled)
          throw new UnrecoverableError((err as Error).message);
        throw err;
      } finally {
        active.delete(job.id!);
      }
    },
    {
      connection,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
      maxStalledCount: attempts - 1,
    },
  );
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  const poll = setInterval(async () => {
    if (!active.size) return;
    try {
      const client = await control.client;
      for (const id of [...active])
        if ((await client.get(cancelKey(id))) !== null) worker.cancelJob(id, 'cancelled');
    } catch {
      // Redis away: BullMQ reconnects; the next poll tries again
    }
  }, 1000);
  await worker.waitUntilReady();
  log(
    `worker on ${redactedUrl(opts.url)}: ${concurrency} at once, models from ${opts.modelDirs?.join(', ') || '(submitter paths)'}`,
  );
  return {
    async close() {
      clearInterval(poll);
      await worker.close();
      await control.close();
      await locator.close();
    },
  };
}
