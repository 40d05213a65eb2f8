// Ctrl-C for long CLI runs (training): the first press asks the run to stop cleanly, a second one kills it.

export interface SignalAbort {
  signal: AbortSignal;
  /** Removes the handlers (call when the run ends). */
  dispose(): void;
}

/**
 * Turns the first SIGINT/SIGTERM into an abort of the returned signal (the loop then finishes its
 * step, checkpoints and returns); a second one restores the default handling and re-raises it, so
 * a stuck run can still be stopped with a second Ctrl-C. Repeats within `graceMs` of the first are
 * ignored: one Ctrl-C reaches a process both from the terminal and relayed by its launchers (npm,
 * tsx), and that must not count as the second press.
 */
export function abortOnSignals(
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  onFirst?: (signal: NodeJS.Signals) => void,
  graceMs = 1000,
): SignalAbort {
  const controller = new AbortController();
  let first = 0;
  const handler = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      first = Date.now();
      controller.abort(new Error(`received ${sig}`));
      onFirst?.(sig);
      return;
    }
    if (Date.now() - first < graceMs) return;
    dispose();
    process.kill(process.pid, sig);
  };
  const dispose = () => {
    for (const s of signals) process.off(s, handler);
  };
  for (const s of signals) process.on(s, handler);
  return { signal: controller.signal, dispose };
}
