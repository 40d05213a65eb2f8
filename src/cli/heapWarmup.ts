import { ArgumentError, DEFAULT_WARM_HEAP_MIB, retainedHeapBytes, warmHeap } from '../index.js';
import type { FlagSpec } from './args.js';

/** `--warm-heap MiB` of the long-lived verbs (studio, worker). */
export const warmHeapFlag: FlagSpec = {
  name: 'warm-heap',
  type: 'number',
  help:
    'MiB of memory to fault in once at start-up and keep for the first model loaded (0: none); only under the malloc settings the launcher gives (README: Studio)',
  default: DEFAULT_WARM_HEAP_MIB,
};

/** The --warm-heap value in MiB, checked (before the verb starts anything). */
export function parseWarmHeap(flagValue: unknown): number {
  const mib = Number(flagValue);
  if (!(Number.isFinite(mib) && mib >= 0 && mib <= 65536))
    throw new ArgumentError(`--warm-heap must be 0..65536 MiB, got ${flagValue}`);
  return mib;
}

/**
 * Starts warming the heap in the background when this process keeps freed memory (`retainedHeapBytes`: the
 * launcher restarted it with the long-lived settings), capped at what it keeps. Resolves when done; never rejects
 * (a failure is only a warning: the process works without it).
 */
export function startHeapWarmup(mib: number, out: (line: string) => void): Promise<void> {
  const kept = retainedHeapBytes() / 2 ** 20;
  const chosen = Math.min(mib, kept);
  if (!(chosen > 0)) return Promise.resolve();
  return warmHeap(chosen).then(
    () => undefined,
    (err: unknown) => out(`warning: could not warm the heap (${(err as Error).message}); first calls may be slower`),
  );
}
