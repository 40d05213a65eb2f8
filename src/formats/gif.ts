import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RgbImage } from './image.js';
import { encodeGif, type GifOptions } from './gifEncode.js';

// The encoder is plain TypeScript without Node imports (gifEncode.ts), so pages use it too.
export * from './gifEncode.js';

/** Writes a GIF atomically, creating the folder. */
export async function writeGif(path: string, frames: readonly RgbImage[], opts: GifOptions = {}): Promise<void> {
  const bytes = encodeGif(frames, opts);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
