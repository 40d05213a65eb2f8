import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { ArgumentError } from '../core/errors.js';
import type { RgbImage } from './image.js';

export interface GifOptions {
  /** Milliseconds per frame (default 120). */
  delayMs?: number;
  /** Times to play, 0 = forever (default). */
  loop?: number;
}

/** Frames of one size -> an animated GIF (libvips through sharp; palette chosen by libimagequant). */
export async function encodeGif(frames: readonly RgbImage[], opts: GifOptions = {}): Promise<Buffer> {
  if (!frames.length) throw new ArgumentError('GIF: no frames');
  const { width, height, channels } = frames[0];
  for (const [i, f] of frames.entries())
    if (f.width !== width || f.height !== height || f.channels !== channels)
      throw new ArgumentError(`GIF: frame ${i} is ${f.width}x${f.height}x${f.channels}, frame 0 ${width}x${height}x${channels}`);
  const pngs = await Promise.all(frames.map((f) => sharp(f.data, { raw: { width, height, channels } }).png().toBuffer()));
  const delay = opts.delayMs ?? 120;
  return sharp(pngs, { join: { animated: true } })
    .gif({ delay: frames.map(() => delay), loop: opts.loop ?? 0 })
    .toBuffer();
}

/** Writes an animated GIF atomically (temporary file, then rename). */
export async function writeGif(path: string, frames: readonly RgbImage[], opts: GifOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  try {
    await writeFile(tmp, await encodeGif(frames, opts));
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
