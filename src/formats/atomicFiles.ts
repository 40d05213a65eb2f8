import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
