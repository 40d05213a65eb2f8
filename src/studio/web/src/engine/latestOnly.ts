/**
 * Wraps an async redraw so a burst of calls (a slider dragged) runs it at most once at a time and
 * then once more for the newest state: intermediate calls are dropped, the last one always runs.
 * The promise of every call settles when a run that started after it finishes.
 */
export function latestOnly(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const next = (): Promise<void> => {
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
  return () => {
    if (!running) return next();
    queued ??= running.catch(() => {}).then(() => {
      queued = null;
      return next();
    });
    return queued;
  };
}
