import { formatCommand, formatDuration, type TrainHooks, type VerbSpec } from '../../index.js';
import { ProgressDisplay } from '../progress.js';
import { abortOnSignals } from '../signals.js';

export { formatDuration };

/** How a run ended, as the trainers report it. */
export interface RunOutcome {
  status: 'completed' | 'interrupted';
  progress: { imagesSeen: number; step: number; seconds: number };
  files: { bundle: string; checkpoint: string };
  imgPerSec: number;
  /** What to try with the bundle (default: generate from it). */
  tryCommand?: string;
}

/**
 * The part of `latentlab train X` every trainer shares: the status line on stderr (unless --quiet), Ctrl-C
 * handling (finish the step, checkpoint, exit), and the closing lines: where the bundle is, or the exact
 * command that resumes the run.
 */
export async function runTrainer<R extends RunOutcome>(
  spec: VerbSpec,
  o: { quiet: boolean; resume: boolean },
  out: (line: string) => void,
  run: (hooks: TrainHooks) => Promise<R>,
  done: (r: R) => void = (r) => doneLines(r, out),
): Promise<R> {
  let display: ProgressDisplay | null = null;
  const say = (line: string) => (display ? display.message(line) : out(line));
  const signals = abortOnSignals(undefined, (sig) =>
    say(`${sig}: finishing the current step and saving a checkpoint (send it again to stop at once)`),
  );
  try {
    const r = await run({
      signal: signals.signal,
      display: o.quiet ? undefined : (totalKimg) => (display = new ProgressDisplay({ totalKimg })),
      onMessage: say,
      onStart: out,
    });
    if (r.status === 'completed') done(r);
    else
      out(
        `stopped at ${(r.progress.imagesSeen / 1000).toFixed(3)} kimg; checkpoint ${r.files.checkpoint}. Continue with: ${formatCommand(spec, { ...o, resume: true })}`,
      );
    return r;
  } finally {
    signals.dispose();
  }
}

/** The closing lines of a completed GAN or encoder run. */
function doneLines(r: RunOutcome, out: (line: string) => void): void {
  out(
    `done: ${(r.progress.imagesSeen / 1000).toFixed(3)} kimg, ${r.progress.step} steps, ${formatDuration(r.progress.seconds)} in all (${r.imgPerSec.toFixed(1)} img/s here)`,
  );
  out(
    `model bundle: ${r.files.bundle}  (try: ${r.tryCommand ?? `latentlab generate --model ${r.files.bundle} --seeds 0-15 --grid --outdir OUT`})`,
  );
}
