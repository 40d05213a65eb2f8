import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { type LoadedCheckpoint, loadLatestCheckpoint, previousPath } from './checkpoint.js';

/**
 * The files of a training run folder, shared by every trainer so runs look alike:
 *   checkpoint.safetensors (+ .prev)   everything --resume needs, one file
 *   log.jsonl, losses.png              LogRecords and their plot
 *   samples/                           image grids (fakes-<images>.png, reals.png)
 *   bundle/                            the latest model bundle (model.json + weights.safetensors)
 */
export interface RunFiles {
  outdir: string;
  checkpoint: string;
  log: string;
  plot: string;
  samples: string;
  bundle: string;
}

export function runFiles(outdir: string): RunFiles {
  return {
    outdir,
    checkpoint: join(outdir, 'checkpoint.safetensors'),
    log: join(outdir, 'log.jsonl'),
    plot: join(outdir, 'losses.png'),
    samples: join(outdir, 'samples'),
    bundle: join(outdir, 'bundle'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a run folder before training. A fresh run refuses a folder that already holds a checkpoint
 * (it would be overwritten); `resume` loads the newest readable checkpoint and fails without one.
 */
export async function openRun<S>(files: RunFiles, resume: boolean): Promise<LoadedCheckpoint<S> | null> {
  if (!resume) {
    if ((await exists(files.checkpoint)) || (await exists(previousPath(files.checkpoint)))) {
      throw new ArgumentError(
        `${files.outdir} already holds a training run (${files.checkpoint}); pass --resume to continue it or choose another --outdir`,
      );
    }
    return null;
  }
  const loaded = await loadLatestCheckpoint<S>(files.checkpoint);
  if (!loaded)
    throw new ArgumentError(`--resume: no checkpoint in ${files.outdir} (expected ${files.checkpoint})`);
  return loaded;
}

/**
 * Compares the settings a checkpoint was trained with against the ones given for the resumed run;
 * every key of `current` must match (run length and output intervals should not be in it).
 */
export function checkResumeConfig(
  saved: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
  file: string,
): void {
  const diffs = Object.keys(current)
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k]))
    .map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(current[k])}`);
  if (diffs.length) {
    throw new ArgumentError(
      `--resume: ${file} was trained with other settings (${diffs.join('; ')}); use the original flags`,
    );
  }
}
