import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Outcome, ReaderName } from './readers.js';

/**
 * Runs reader inputs in a child process with a wall-clock and an RSS limit, so a hang or a memory
 * blow-up is observed (and the child killed and replaced) instead of taking the fuzzer down.
 */

export interface Verdict {
  outcome: Outcome;
  message: string;
  ms: number;
  /** Peak RSS seen for this input, in bytes. */
  rss: number;
}

export interface PoolOptions {
  /**
   * Per-input CPU time of the child (default 5000 ms). CPU rather than wall time, so that a shared,
   * loaded machine does not turn slow-but-finite inputs into "hangs"; a wall clock of
   * max(60 s, 12 × this) backs it up for a child that sleeps.
   */
  timeoutMs?: number;
  /** Per-input RSS limit (default 1 GiB). */
  rssBytes?: number;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** User + system CPU time of a process in ms (Linux /proc; 0 where unavailable). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export class FuzzPool {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  /** Worker processes started (the first, plus one after every kill). */
  starts = 0;
  /**
   * Inputs travel to the worker as files in this folder (memory-backed where /dev/shm exists): an IPC
   * message of a few megabytes costs Node over a second (chunked pipe reads), a file a millisecond.
   */
  private readonly dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'latentlab-fuzz-'));
  readonly timeoutMs: number;
  readonly rssBytes: number;

  constructor(opts: PoolOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.rssBytes = opts.rssBytes ?? 2 ** 30;
  }

  private start(): Promise<void> {
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.starts++;
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('fuzz worker did not start within 600 s')), 600_000);
      child.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`fuzz worker exited during start-up (code ${code})`));
      });
    });
    return this.ready;
  }

  private kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  async run(reader: ReaderName, bytes: Uint8Array, file: string): Promise<Verdict> {
    if (!this.child) {
      try {
        await this.start();
      } catch {
        this.kill();
        await this.start(); // a loaded machine can starve one start-up; a second failure is real
      }
    } else await this.ready;
    const child = this.child!;
    const id = this.nextId++;
    const t0 = Date.now();
    const path = join(this.dir, `input-${id}.bin`);
    writeFileSync(path, bytes);
    const cpu0 = cpuOf(child.pid!);
    let peak = 0;
    const verdict = await new Promise<Verdict>((resolve) => {
      let done = false;
      const finish = (v: Omit<Verdict, 'ms' | 'rss'>, kill: boolean) => {
        if (done) return;
        done = true;
        clearInterval(poll);
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (kill) this.kill();
        resolve({ ...v, ms: Date.now() - t0, rss: peak });
      };
      const onMessage = (m: { id?: number; outcome: Outcome; message: string; rss: number }) => {
        if (m.id !== id) return;
        peak = Math.max(peak, m.rss);
        if (peak > this.rssBytes)
          finish({ outcome: 'rss', message: `RSS ${(peak / 2 ** 20).toFixed(0)} MiB; ${m.message}` }, true);
        else finish({ outcome: m.outcome, message: m.message }, peak > this.rssBytes / 2);
      };
      const onExit = (code: number | null, signal: string | null) =>
        finish(
          {
            outcome: peak > this.rssBytes / 2 || code === 134 ? 'rss' : 'untyped',
            message: `worker died (code ${code}, signal ${signal}) at RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
          },
          true,
        );
      const poll = setInterval(() => {
        peak = Math.max(peak, rssOf(child.pid!));
        if (peak > this.rssBytes)
          finish({ outcome: 'rss', message: `RSS passed ${(this.rssBytes / 2 ** 20).toFixed(0)} MiB` }, true);
        else if (cpuOf(child.pid!) - cpu0 > this.timeoutMs)
          finish({ outcome: 'hang', message: `more than ${this.timeoutMs} ms of CPU without an answer` }, true);
      }, 25);
      const wall = Math.max(60_000, 12 * this.timeoutMs);
      const timer = setTimeout(
        () => finish({ outcome: 'hang', message: `no answer within ${wall} ms of wall-clock time` }, true),
        wall,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, reader, file, path });
    });
    rmSync(path, { force: true });
    return verdict;
  }

  close(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
