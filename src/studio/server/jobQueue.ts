import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  JobCancelled,
  type JobContext,
  type JobProgress,
  LatentlabError,
} from '../../index.js';
import type { JobRecord, JobState } from '../shared/jobs.js';
import { type Workspace, writeFileAtomic } from './workspace.js';

const FINAL: readonly JobState[] = ['done', 'failed', 'cancelled', 'interrupted'];

export { JobCancelled, type JobContext, type JobProgress, type JobRecord, type JobState };

export interface JobKind {
  /** Validates params (throws ArgumentError) before anything is queued; returns the CLI equivalent. */
  prepare(params: Record<string, unknown>): Promise<{ command: string }> | { command: string };
  /** Does the work (in a worker process when the queue has an executor; `ctx.dir` becomes jobs/<id>/). */
  run(params: Record<string, unknown>, ctx: JobContext): Promise<unknown>;
  /** Runs in the queue's own process after a successful run (e.g. rescan the model folders). */
  afterDone?(result: unknown): void;
  /** The job fails (its worker killed) past this many milliseconds. */
  timeLimitMs?: number;
}

/** Runs a job somewhere (the studio: a worker process); the default runs `kind.run` in this process. */
export type JobExecutor = (rec: JobRecord, ctx: JobContext) => Promise<unknown>;

export class QueueFull extends LatentlabError {}
export class UnknownJob extends LatentlabError {}

export type JobEvent =
  { type: 'state'; job: JobRecord } | { type: 'progress'; id: string; progress: JobProgress };

export interface JobQueueOptions {
  /** Jobs running at once (each runs ONNX Runtime sessions; default 1). */
  concurrency?: number;
  /** Jobs waiting beyond the running ones before submit() refuses with QueueFull (default 64). */
  maxQueued?: number;
  /** Where jobs run (default: in this process, by the kind's `run`). */
  execute?: JobExecutor;
}

/**
 * A bounded job queue. Jobs run at most `concurrency` at a time; each writes into
 * workspace/.partial/<id>/ and only a successful job's folder is renamed to workspace/jobs/<id>/, with
 * job.json written last, so a process killed mid-job leaves no partial results: on the next start,
 * `recover()` turns leftovers into 'interrupted' records holding only job.json.
 */
export class JobQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  private readonly jobs = new Map<string, JobRecord>();
  private readonly waiting: string[] = [];
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Map<string, Set<(e: JobEvent) => void>>();
  private readonly finished = new Map<string, Promise<void>>();
  private readonly onFinish = new Map<string, () => void>();
  private running = 0;
  private readonly execute: JobExecutor;

  constructor(
    private readonly workspace: Workspace,
    private readonly kinds: Readonly<Record<string, JobKind>>,
    opts: JobQueueOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 1;
    this.maxQueued = opts.maxQueued ?? 64;
    this.execute = opts.execute ?? ((rec, ctx) => this.kinds[rec.kind].run(rec.params, ctx));
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new ArgumentError(`concurrency must be a positive integer, got ${this.concurrency}`);
  }

  /** Loads finished jobs from jobs/ and marks jobs a killed process left in .partial/ as interrupted. */
  async recover(): Promise<void> {
    for (const id of await readdir(this.workspace.dir('jobs'))) {
      try {
        const rec = JSON.parse(
          await readFile(join(this.workspace.dir('jobs'), id, 'job.json'), 'utf8'),
        ) as JobRecord;
        if (rec.id === id) this.jobs.set(id, rec);
      } catch {
        // not a job folder (or one whose job.json is missing): not ours to list
      }
    }
    const partial = this.workspace.dir('.partial');
    for (const id of await readdir(partial)) {
      let rec: JobRecord | undefined;
      try {
        rec = JSON.parse(await readFile(join(partial, id, 'request.json'), 'utf8')) as JobRecord;
      } catch {
        rec = undefined;
      }
      await rm(join(partial, id), { recursive: true, force: true });
      if (!rec || rec.id !== id) continue;
      rec.state = 'interrupted';
      rec.finishedAt = new Date().toISOString();
      rec.error = 'the server stopped while this job was queued or running; nothing it wrote was kept';
      const dir = join(this.workspace.dir('jobs'), id);
      await mkdir(dir, { recursive: true });
      rec.files = [];
      await writeFileAtomic(join(dir, 'job.json'), JSON.stringify(rec, null, 2));
      this.jobs.set(id, rec);
    }
  }

  async submit(kind: string, params: Record<string, unknown>): Promise<JobRecord> {
    const def = this.kinds[kind];
    if (!def)
      throw new ArgumentError(`unknown job kind '${kind}' (known: ${Object.keys(this.kinds).join(', ')})`);
    if (this.waiting.length >= this.maxQueued)
      throw new QueueFull(`the job queue is full (${this.maxQueued} waiting); cancel some or try later`);
    const { command } = await def.prepare(params);
    const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const rec: JobRecord = {
      id,
      kind,
      params,
      state: 'queued',
      createdAt: new Date().toISOString(),
      command,
    };
    const dir = this.partialDir(id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'request.json'), JSON.stringify(rec, null, 2));
    this.jobs.set(id, rec);
    this.waiting.push(id);
    let resolveDone!: () => void;
    this.finished.set(id, new Promise<void>((r) => (resolveDone = r)));
    this.listeners.set(id, this.listeners.get(id) ?? new Set());
    this.onFinish.set(id, resolveDone);
    this.emit({ type: 'state', job: rec });
    this.pump();
    return rec;
  }

  get(id: string): JobRecord {
    const rec = this.jobs.get(id);
    if (!rec) throw new UnknownJob(`no job '${id}'`);
    return rec;
  }

  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1,
    );
  }

  /** Jobs running now (for tests and the status line). */
  get active(): number {
    return this.running;
  }

  /** Cancels a queued job at once, or asks a running one to stop at its next step. */
  cancel(id: string): JobRecord {
    const rec = this.get(id);
    if (FINAL.includes(rec.state)) return rec;
    const at = this.waiting.indexOf(id);
    if (at >= 0) {
      this.waiting.splice(at, 1);
      void this.finish(rec, 'cancelled', undefined, 'cancelled before it started');
    } else this.controllers.get(id)?.abort();
    return rec;
  }

  /**
   * Forgets a finished job and deletes its folder jobs/<id>/ (its files with it). A queued or running job
   * is refused: cancel it first.
   */
  async remove(id: string): Promise<void> {
    const rec = this.get(id);
    if (!FINAL.includes(rec.state))
      throw new ArgumentError(`job ${id} is ${rec.state}; cancel it before deleting it`);
    this.jobs.delete(id);
    await rm(join(this.workspace.dir('jobs'), id), { recursive: true, force: true });
  }

  /** Resolves when the job reaches a final state. */
  async wait(id: string): Promise<JobRecord> {
    await this.finished.get(id);
    return this.get(id);
  }

  /** Calls `listener` for every event of job `id` until it ends; returns the unsubscribe function. */
  subscribe(id: string, listener: (e: JobEvent) => void): () => void {
    this.get(id);
    const set = this.listeners.get(id) ?? new Set();
    this.listeners.set(id, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Cancels everything and waits for running jobs to stop (server shutdown). */
  async close(): Promise<void> {
    for (const id of [...this.waiting]) this.cancel(id);
    for (const c of this.controllers.values()) c.abort();
    await Promise.all([...this.finished.values()]);
  }

  private partialDir(id: string): string {
    return join(this.workspace.dir('.partial'), id);
  }

  private emit(e: JobEvent): void {
    const id = e.type === 'state' ? e.job.id : e.id;
    for (const l of this.listeners.get(id) ?? []) l(e);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const id = this.waiting.shift()!;
      void this.start(this.get(id));
    }
  }

  private async start(rec: JobRecord): Promise<void> {
    this.running++;
    const controller = new AbortController();
    this.controllers.set(rec.id, controller);
    rec.state = 'running';
    rec.startedAt = new Date().toISOString();
    this.emit({ type: 'state', job: rec });
    const ctx: JobContext = {
      signal: controller.signal,
      dir: join(this.partialDir(rec.id), 'out'),
      report: (progress) => {
        rec.progress = progress;
        this.emit({ type: 'progress', id: rec.id, progress });
      },
      checkCancelled: () => {
        if (controller.signal.aborted) throw new JobCancelled('cancelled');
      },
    };
    try {
      await mkdir(ctx.dir, { recursive: true });
      const result = await this.execute(rec, ctx);
      ctx.checkCancelled();
      this.kinds[rec.kind].afterDone?.(result);
      await this.finish(rec, 'done', result);
    } catch (err) {
      const cancelled = err instanceof JobCancelled || controller.signal.aborted;
      await this.finish(
        rec,
        cancelled ? 'cancelled' : 'failed',
        undefined,
        cancelled ? 'cancelled while running' : (err as Error).message,
      );
    } finally {
      this.controllers.delete(rec.id);
      this.running--;
      this.pump();
    }
  }

  /** Moves a job's outputs into jobs/<id>/ (success) or drops them (otherwise); job.json goes last. */
  private async finish(rec: JobRecord, state: JobState, result?: unknown, error?: string): Promise<void> {
    const partial = this.partialDir(rec.id);
    const dest = join(this.workspace.dir('jobs'), rec.id);
    rec.files = [];
    try {
      if (state === 'done') {
        const out = join(partial, 'out');
        rec.files = (await readdir(out))
          .filter((n) => !n.startsWith('.'))
          .sort()
          .map((n) => `jobs/${rec.id}/${n}`);
        await rename(out, dest);
      } else {
        await mkdir(dest, { recursive: true });
      }
      rec.state = state;
      rec.result = result;
      if (error !== undefined) rec.error = error;
      rec.finishedAt = new Date().toISOString();
      await writeFileAtomic(join(dest, 'job.json'), JSON.stringify(rec, null, 2));
    } catch (err) {
      rec.state = 'failed';
      rec.error = `could not save the job's results: ${(err as Error).message}`;
      rec.finishedAt = new Date().toISOString();
    } finally {
      await rm(partial, { recursive: true, force: true });
      this.emit({ type: 'state', job: rec });
      this.listeners.delete(rec.id);
      this.onFinish.get(rec.id)?.();
      this.onFinish.delete(rec.id);
    }
  }
}
