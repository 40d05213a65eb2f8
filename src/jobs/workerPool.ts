import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArgumentError } from '../core/errors.js';
import { sessionEnv } from '../runtime/sessionDefaults.js';
import { JobCancelled, JobTimedOut, WorkerCrashed, WorkerOutOfMemory } from './errors.js';
import type { FromWorker, JobProgress, ToWorker } from './protocol.js';

export interface WorkerPoolOptions {
  /** Absolute path of the module the workers load; it exports `createRunner(init)`. */
  module: string;
  /** JSON handed to `createRunner` in every worker. */
  init?: unknown;
  /** Worker processes at most (one job each at a time; default 1). */
  size?: number;
  /** Resident memory cap per worker in MiB (default 4096): past it the worker is killed, the job fails "out of memory". */
  memoryMb?: number;
  /** V8 heap cap per worker (`--max-old-space-size`, MiB; default: memoryMb). */
  heapMb?: number;
  /** How long a cancelled job may take to stop before its worker is killed (default 5000 ms). */
  cancelGraceMs?: number;
  /** Environment of the workers (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How often the RSS watchdog looks (default 100 ms). */
  watchIntervalMs?: number;
}

export interface PoolTask {
  kind: string;
  /** Plain JSON, passed through unchanged to the runner. */
  params: Record<string, unknown>;
  dir: string;
  /** Kill the worker and fail the job after this long (default: no limit). */
  timeLimitMs?: number;
}

export interface PoolHooks {
  signal?: AbortSignal;
  report?(progress: JobProgress): void;
}

type KillReason =
  { kind: 'oom'; rssMb: number } | { kind: 'timeout'; ms: number } | { kind: 'cancel' } | { kind: 'close' };

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  busy: boolean;
  stderr: string;
  killed?: KillReason;
  /** Settles the running job (set while busy). */
  onMessage?: (m: FromWorker) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

const HERE = fileURLToPath(import.meta.url);
const ENTRY = fileURLToPath(new URL(`./workerMain${extname(HERE)}`, import.meta.url));

/** Resident set size of a process in MiB (Linux /proc; null where unreadable). */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Child processes that run jobs (child_process.fork, so a runaway job can be killed outright). Each worker
 * runs one job at a time and stays warm for the next (models stay loaded); a worker that dies is dropped
 * and the next job starts a fresh one. Caps: V8 heap (`--max-old-space-size`) and an RSS watchdog (native
 * memory, ONNX Runtime's included), an optional time limit per job, and cancel = a message, then SIGKILL
 * after `cancelGraceMs`.
 */
export class LocalWorkerPool {
  readonly size: number;
  readonly memoryMb: number;
  private readonly heapMb: number;
  private readonly graceMs: number;
  private readonly workers = new Set<Worker>();
  private readonly waiters: ((w: Worker) => void)[] = [];
  private closed = false;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.size = opts.size ?? 1;
    this.memoryMb = opts.memoryMb ?? 4096;
    this.heapMb = opts.heapMb ?? this.memoryMb;
    this.graceMs = opts.cancelGraceMs ?? 5000;
    if (!Number.isInteger(this.size) || this.size < 1)
      throw new ArgumentError(`worker pool size must be a positive integer, got ${this.size}`);
    if (!(this.memoryMb >= 64))
      throw new ArgumentError(`worker memory cap must be >= 64 MiB, got ${this.memoryMb}`);
  }

  /** Worker processes alive now. */
  get processes(): number[] {
    return [...this.workers].map((w) => w.child.pid!).filter((p) => p !== undefined);
  }

  /** Starts `n` workers now (so the first job does not pay for process start and imports). */
  async warm(n = this.size): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.workers.size < Math.min(n, this.size)) {
      const w = this.spawn();
      starting.push(w.ready.then(() => this.release(w)));
    }
    await Promise.all(starting);
  }

  /** Runs one job in a worker; resolves with what the runner returned. */
  async run(task: PoolTask, hooks: PoolHooks = {}): Promise<unknown> {
    if (this.closed) throw new WorkerCrashed('the worker pool is closed');
    if (hooks.signal?.aborted) throw new JobCancelled('cancelled before it started');
    const w = await this.acquire();
    if (hooks.signal?.aborted) {
      this.release(w);
      throw new JobCancelled('cancelled before it started');
    }
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const timers: NodeJS.Timeout[] = [];
    try {
      return await new Promise<unknown>((resolve, reject) => {
        w.onMessage = (m) => {
          if (m.type === 'progress') hooks.report?.(m.progress);
          else if (m.type === 'done') resolve(m.result);
          else if (m.type === 'cancelled') reject(new JobCancelled('cancelled while running'));
          else if (m.type === 'failed') reject(new WorkerJobError(m.error, m.name));
        };
        w.onExit = (code, signal) => reject(this.deathError(w, code, signal));
        const onAbort = () => {
          this.send(w, { type: 'cancel', id });
          timers.push(setTimeout(() => this.kill(w, { kind: 'cancel' }), this.graceMs));
        };
        hooks.signal?.addEventListener('abort', onAbort, { once: true });
        if (task.timeLimitMs)
          timers.push(
            setTimeout(() => this.kill(w, { kind: 'timeout', ms: task.timeLimitMs! }), task.timeLimitMs),
          );
        timers.push(
          setInterval(() => {
            const rss = rssMb(w.child.pid!);
            if (rss !== null && rss > this.memoryMb) this.kill(w, { kind: 'oom', rssMb: rss });
          }, this.opts.watchIntervalMs ?? 100),
        );
        this.send(w, { type: 'run', id, kind: task.kind, params: task.params, dir: task.dir });
      });
    } finally {
      for (const t of timers) clearTimeout(t);
      w.onMessage = undefined;
      w.onExit = undefined;
      if (this.workers.has(w)) this.release(w);
    }
  }

  /** Stops every worker (running jobs fail) and refuses new jobs. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.workers].map(
      (w) =>
        new Promise<void>((r) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return r();
          w.child.once('exit', () => r());
          if (w.busy) this.kill(w, { kind: 'close' });
          else {
            w.child.disconnect();
            setTimeout(() => this.kill(w, { kind: 'close' }), 2000).unref();
          }
        }),
    );
    await Promise.all(exits);
  }

  private spawn(): Worker {
    const execArgv = [`--max-old-space-size=${this.heapMb}`];
    if (extname(ENTRY) === '.ts') {
      // a source checkout: the worker needs tsx's loader, as bin/latentlab.js registers it for the CLI
      execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
    }
    const child = fork(ENTRY, [], {
      execArgv,
      env: { ...(this.opts.env ?? process.env), ...sessionEnv() },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const w: Worker = { child, busy: true, stderr: '', ready: Promise.resolve() };
    this.workers.add(w);
    const keep = (d: Buffer) => (w.stderr = (w.stderr + d.toString()).slice(-4000));
    child.stderr!.on('data', keep);
    child.stdout!.on('data', keep);
    w.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        if (m.type === 'init-failed') reject(new WorkerCrashed(`a worker could not start: ${m.error}`));
      };
      child.on('message', onReady);
      child.once('exit', (code, signal) => reject(this.deathError(w, code, signal)));
    });
    w.ready.catch(() => undefined);
    child.on('message', (m: FromWorker) => w.onMessage?.(m));
    child.on('error', () => undefined); // 'exit' follows and reports
    child.once('exit', (code, signal) => {
      this.workers.delete(w);
      w.onExit?.(code, signal);
      // a waiting job gets a fresh worker in place of this one
      if (this.waiters.length && !this.closed) {
        const fresh = this.spawn();
        fresh.ready.then(
          () => this.release(fresh),
          () => undefined,
        );
      }
    });
    this.send(w, { type: 'init', module: this.opts.module, init: this.opts.init ?? null });
    return w;
  }

  private async acquire(): Promise<Worker> {
    for (const w of this.workers)
      if (!w.busy) {
        w.busy = true;
        return w;
      }
    if (this.workers.size < this.size) {
      const w = this.spawn();
      await w.ready;
      return w;
    }
    return new Promise<Worker>((resolve) => this.waiters.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiters.shift();
    if (next) {
      w.busy = true;
      next(w);
    } else w.busy = false;
  }

  private send(w: Worker, m: ToWorker): void {
    if (w.child.connected) w.child.send(m);
  }

  private kill(w: Worker, reason: KillReason): void {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return;
    w.killed ??= reason;
    w.child.kill('SIGKILL');
  }

  private deathError(w: Worker, code: number | null, signal: NodeJS.Signals | null): Error {
    const r = w.killed;
    if (r?.kind === 'oom')
      return new WorkerOutOfMemory(
        `out of memory: the job's worker used ${Math.round(r.rssMb)} MiB, past its ${this.memoryMb} MiB cap, and was killed`,
      );
    if (r?.kind === 'timeout')
      return new JobTimedOut(
        `the job ran past its time limit (${Math.round(r.ms / 1000)} s) and its worker was killed`,
      );
    if (r?.kind === 'cancel')
      return new JobCancelled(`cancelled; the worker did not stop within ${this.graceMs} ms and was killed`);
    if (r?.kind === 'close') return new JobCancelled('the worker pool was closed');
    if (/heap out of memory|Allocation failed/.test(w.stderr))
      return new WorkerOutOfMemory(
        `out of memory: the job's worker hit its ${this.heapMb} MiB JavaScript heap limit`,
      );
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const tail = w.stderr.trim().split('\n').slice(-3).join(' | ');
    return new WorkerCrashed(`the job's worker process crashed (${how})${tail ? `: ${tail}` : ''}`);
  }
}

/** A job's own error, as its worker reported it (the message is the library's; the name says which class). */
export class WorkerJobError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
  ) {
    super(message);
    this.name = errorName;
  }
}
