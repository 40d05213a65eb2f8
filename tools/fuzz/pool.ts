import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /** Per-input wall clock (default 5000 ms). */
  timeoutMs?: number;
  /** Per-input RSS limit (default 1 GiB). */
  rssBytes?: number;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

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
  readonly timeoutMs: number;
  readonly rssBytes: number;

  constructor(opts: PoolOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.rssBytes = opts.rssBytes ?? 2 ** 30;
  }

  private start(): Promise<void> {
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('fuzz worker did not start within 120 s')), 120_000);
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
    if (!this.child) await this.start();
    else await this.ready;
    const child = this.child!;
    const id = this.nextId++;
    const t0 = Date.now();
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
      }, 25);
      const timer = setTimeout(
        () => finish({ outcome: 'hang', message: `no answer within ${this.timeoutMs} ms` }, true),
        this.timeoutMs,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, reader, file, bytes: Buffer.from(bytes).toString('base64') });
    });
    return verdict;
  }

  close(): void {
    this.kill();
  }
}
