import type { RgbImage } from './image.js';
import { encodeGif, type GifOptions } from './gifEncode.js';
import { writeFileAtomic } from './atomicFiles.js';

// The encoder is plain TypeScript without Node imports (gifEncode.ts), so pages use it too.
export * from './gifEncode.js';

/** Writes a GIF atomically, creating the folder. */
export async function writeGif(path: string, frames: readonly RgbImage[], opts: GifOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeGif(frames, opts));
}
