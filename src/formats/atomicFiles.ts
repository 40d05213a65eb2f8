import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * A hidden temporary beside `path`, unique per call, keeping the extension (ffmpeg and sharp pick
 * the format from it).
 */
function temporaryFor(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `.${basename(path, ext)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${ext}`);
}

export interface AtomicWriteOptions {
  /**
   * fsync the data before the rename and the folder after it, so the new file also survives a power
   * cut (training checkpoints, the studio's workspace records). `replaceFile` syncs only the folder:
   * its writer owns the data.
   */
  durable?: boolean;
  /**
   * Runs once the temporary is complete, just before it replaces `path` (checkpoints keep the old
   * file as `.prev` here; tests throw here to simulate a crash mid-save).
   */
  beforeRename?: () => void | Promise<void>;
}

/** Makes a rename in `dir` durable; some platforms cannot open folders, and then there is nothing to do. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Replaces `path` all-or-nothing as far as a crash allows: `write` fills a temporary beside it (for
 * writers that need a path: sharp, ffmpeg, the npz writer), which is renamed into place; readers see
 * the old file or the whole new one, never half of one. Creates the folder; removes the temporary on failure.
 */
export async function replaceFile(path: string, write: (tmp: string) => Promise<void>, opts: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryFor(path);
  try {
    await write(tmp);
    await opts.beforeRename?.();
    await rename(tmp, path);
    if (opts.durable) await syncFolder(dirname(path));
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Writes `data` to `path` by way of `replaceFile`. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  await replaceFile(
    path,
    async (tmp) => {
      if (!opts.durable) return writeFile(tmp, data);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    opts,
  );
}

/**
 * Writes several files into `dir` all-or-nothing as far as a crash allows: each goes to a hidden
 * temporary first, and the renames happen only once every temporary is complete (in the given
 * order, so put the file readers check first, e.g. a manifest, last).
 */
export async function writeFilesAtomically(dir: string, files: readonly { name: string; data: Uint8Array | string }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temps = files.map((f) => join(dir, `.${f.name}.tmp`));
  try {
    for (let i = 0; i < files.length; i++) await writeFile(temps[i], files[i].data);
    for (let i = 0; i < files.length; i++) await rename(temps[i], join(dir, files[i].name));
  } finally {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
  }
}

/**
 * Moves the outputs `names` from the folder `staging` into `dir` in the given order, each replacing what
 * was there (a file or folder); names missing from `staging` are skipped. Put the file that marks the
 * set complete (a metrics record) last: after a crash it stands only beside the outputs it describes.
 */
export async function moveIntoPlace(staging: string, dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (!existsSync(join(staging, name))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    await rename(join(staging, name), join(dir, name));
  }
}
