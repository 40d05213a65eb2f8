// `latentlab` child processes for the queue tests (submitters and workers), killed together after the file.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../studio/helpers.js';

export interface CliRun {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Its exit code and whole output. */
  done: Promise<{ code: number | null; out: string }>;
}

/** The CLI processes one test file starts; `killAll()` (in afterAll) SIGKILLs those still running. */
export class CliProcesses {
  private readonly children: ChildProcess[] = [];

  /**
   * Runs bin/latentlab.js with `args`, one ORT thread (the workers' default, and what byte-identical results
   * are promised for); `log` is handed the output so far after every chunk.
   */
  start(args: readonly string[], log?: (out: string) => void): CliRun {
    const child = spawn(process.execPath, [join(ROOT, 'bin/latentlab.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LATENTLAB_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      log?.(out);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    return { child, output: () => out, done: new Promise((r) => child.once('exit', (code) => r({ code, out }))) };
  }

  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
