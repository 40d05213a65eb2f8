import { availableParallelism } from 'node:os';
import { ArgumentError } from '../core/errors.js';
import type { SessionOptions } from './backend.js';

/** The variable that carries a thread count into worker processes (a shell may set it too). */
export const THREADS_ENV = 'LATENTLAB_THREADS';

let chosen: SessionOptions = {};

/**
 * Sets the options every later `compile` uses where it passes none of its own: the CLI's global
 * `--threads N` lands here. Worker processes started by `jobs/` inherit the thread count.
 */
export function setSessionDefaults(options: SessionOptions): void {
  const t = options.threads;
  if (t !== undefined && !(Number.isInteger(t) && t > 0)) throw new ArgumentError(`threads must be a positive integer, got ${t}`);
  chosen = { ...chosen, ...options };
}

function envThreads(env: NodeJS.ProcessEnv): number | undefined {
  const n = Number(env[THREADS_ENV]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** True when a thread count was chosen (setSessionDefaults or LATENTLAB_THREADS), not left to the core count. */
export function threadsChosen(env: NodeJS.ProcessEnv = process.env): boolean {
  return chosen.threads !== undefined || envThreads(env) !== undefined;
}

/**
 * The session options `compile` resolves to: those set with `setSessionDefaults`, else the
 * LATENTLAB_* variables, else built-in defaults (threads: the number of cores, at most 4).
 */
export function sessionDefaults(env: NodeJS.ProcessEnv = process.env): Required<SessionOptions> {
  return {
    threads: chosen.threads ?? envThreads(env) ?? Math.min(4, Math.max(1, availableParallelism())),
    optimization: chosen.optimization ?? 'all',
    spinning: chosen.spinning ?? env.LATENTLAB_SPIN === '1',
    memoryPattern: chosen.memoryPattern ?? env.LATENTLAB_MEM_PATTERN === '1',
    memoryArena: chosen.memoryArena ?? env.LATENTLAB_MEM_ARENA !== '0',
  };
}

/** Environment entries that hand the chosen thread count to a child process (empty when none was set here). */
export function sessionEnv(): Record<string, string> {
  return chosen.threads === undefined ? {} : { [THREADS_ENV]: String(chosen.threads) };
}
