import { createHash } from 'node:crypto';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { JobCancelled } from '../errors.js';
import type { JobProgress } from '../protocol.js';
import { cancelKey, QUEUE_NAME, queueConnection } from './connection.js';

/** One unit of a batch: a task name, its JSON payload, and an id derived from what it computes. */
export interface Shard {
  /** Idempotent: the same options and input content give the same id, so resubmitting reuses the result. */
  id: string;
  task: string;
  data: unknown;
  /** What the progress line names (a target's file name, a seed range). */
  label: string;
}

/** JSON with sorted keys, hashed: the content part of a shard id. */
export function contentId(task: string, value: unknown): string {
  const stable = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(stable)
        : v;
  return `${task}-${createHash('sha256')
    .update(JSON.stringify(stable(value)))
    .digest('hex')
    .slice(0, 40)}`;
}

export interface RunShardsOptions {
  url: string;
  shards: readonly Shard[];
  onProgress?(shard: Shard, progress: JobProgress): void;
  /** Called once per finished shard, in this process: the one writer of the outputs. */
  onResult(shard: Shard, result: unknown): Promise<void>;
  signal?: AbortSignal;
  /** How long finished shards (and their results) stay in Redis for resubmissions (default 7 days). */
  keepSeconds?: number;
}

export interface ShardsReport {
  /** Shards whose result came from an earlier submission still in Redis. */
  reused: number;
  failed: { shard: Shard; error: string }[];
}

/** Days finished tasks (and their small results) stay in Redis for resubmissions. */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * Enqueues shards on the latentlab queue (skipping ones already there: same id), waits for each, and hands
 * every result to `onResult`. Failed shards are retried when submitted again. Cancelling (the signal) removes
 * waiting shards and asks workers to stop running ones.
 */
export async function runShards(opts: RunShardsOptions): Promise<ShardsReport> {
  const connection = queueConnection(opts.url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const byId = new Map(opts.shards.map((s) => [s.id, s]));
  const report: ShardsReport = { reused: 0, failed: [] };
  const unfinished = new Set(byId.keys());
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    const s = byId.get(jobId);
    if (s && data && typeof data === 'object') opts.onProgress?.(s, data as JobProgress);
  };
  events.on('progress', onProgress);
  const onAbort = async () => {
    const client = await queue.client;
    for (const id of unfinished) {
      await client.set(cancelKey(id), '1', { EX: 24 * 3600 });
      await queue.remove(id).catch(() => 0); // a waiting shard goes; a running one is stopped by its worker
    }
  };
  opts.signal?.addEventListener('abort', () => void onAbort(), { once: true });
  try {
    await events.waitUntilReady();
    const client = await queue.client;
    const jobs: Job[] = [];
    for (const s of opts.shards) {
      await client.del(cancelKey(s.id));
      let job = await queue.getJob(s.id);
      const state = job ? await job.getState() : 'missing';
      if (job && state === 'completed') report.reused++;
      if (job && state === 'failed') await job.retry('failed');
      if (!job || state === 'unknown' || state === 'missing')
        job = await queue.add(s.task, s.data, {
          jobId: s.id,
          removeOnComplete: { age: opts.keepSeconds ?? KEEP_SECONDS },
          removeOnFail: { age: opts.keepSeconds ?? KEEP_SECONDS },
        });
      jobs.push(job);
    }
    await Promise.all(
      jobs.map(async (job) => {
        const s = byId.get(job.id!)!;
        try {
          const result = await job.waitUntilFinished(events);
          await opts.onResult(s, result);
        } catch (err) {
          report.failed.push({ shard: s, error: (err as Error).message });
        } finally {
          unfinished.delete(s.id);
        }
      }),
    );
    if (opts.signal?.aborted) throw new JobCancelled(`cancelled; ${report.failed.length} shards stopped`);
    return report;
  } finally {
    events.off('progress', onProgress);
    await events.close();
    await queue.close();
  }
}
