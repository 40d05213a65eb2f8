import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { FormatError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** An 8-bit interleaved image (HWC), what PNG/JPEG encoders take. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/**
 * NCHW generator output -> 8-bit images, NVIDIA's conversion: (x * 127.5 + 128) clamped to [0, 255]
 * and truncated (`.clamp(0, 255).to(torch.uint8)`), assuming the dynamic range [-1, 1].
 */
export function toImages(batch: Tensor, range: readonly [number, number] = [-1, 1]): RgbImage[] {
  if (batch.rank !== 4 || (batch.shape[1] !== 1 && batch.shape[1] !== 3)) {
    throw new ShapeError(`toImages: expected [N, 1|3, H, W], got ${formatShape(batch.shape)}`);
  }
  const [n, c, h, w] = batch.shape;
  const src = batch.toFloat32().data;
  const scale = 255 / (range[1] - range[0]);
  const offset = -range[0] * scale + 0.5;
  const out: RgbImage[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(h * w * c);
    for (let ch = 0; ch < c; ch++) {
      const plane = (i * c + ch) * h * w;
      for (let p = 0; p < h * w; p++) {
        const v = Math.floor(src[plane + p] * scale + offset);
        data[p * c + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    out.push({ width: w, height: h, channels: c as 1 | 3, data });
  }
  return out;
}

/** 8-bit images -> NCHW float tensor in `range` (default [-1, 1]), the inverse of toImages. */
export function fromImages(images: readonly RgbImage[], range: readonly [number, number] = [-1, 1]): Tensor<'float32'> {
  const { width: w, height: h, channels: c } = images[0];
  const t = Tensor.float32([images.length, c, h, w]);
  const scale = (range[1] - range[0]) / 255;
  images.forEach((img, i) => {
    if (img.width !== w || img.height !== h || img.channels !== c) throw new ShapeError('fromImages: images differ in size or channels');
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) t.data[(i * c + ch) * h * w + p] = img.data[p * c + ch] * scale + range[0];
    }
  });
  return t;
}

export { makeGrid, upscale } from './imageGrid.js';

/** Encodes PNG bytes. */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  })
    .png()
    .toBuffer();
}

/** Writes a PNG atomically (temp file + rename), creating the folder. */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
      raw: { width: img.width, height: img.height, channels: img.channels },
    })
      .png()
      .toFile(tmp);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

export interface ReadImageOptions {
  /** Resize (cover + centre crop) to this square size. */
  size?: number;
  /** Convert to this many channels (1 = grayscale, 3 = RGB). */
  channels?: 1 | 3;
  /** Refuse inputs with more pixels than this (decompression bombs); default 40 MP. */
  maxPixels?: number;
  /** Name used in errors for bytes (an uploaded file's name); default '<image bytes>'. */
  name?: string;
}

/** Decodes PNG/JPEG/WebP/...; resizes and converts as asked; clear errors for corrupt files. */
export async function readImage(path: string | Uint8Array, opts: ReadImageOptions = {}): Promise<RgbImage> {
  const name = typeof path === 'string' ? path : (opts.name ?? '<image bytes>');
  try {
    let pipe = sharp(path, { limitInputPixels: opts.maxPixels ?? 40_000_000 }).rotate();
    if (opts.size) pipe = pipe.resize(opts.size, opts.size, { fit: 'cover', position: 'centre' });
    pipe = opts.channels === 1 ? pipe.removeAlpha().grayscale() : pipe.removeAlpha();
    if (opts.channels === 3) pipe = pipe.toColourspace('srgb');
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    let channels = info.channels as 1 | 3 | 4;
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (opts.channels === 3 && channels === 1) {
      const rgb = new Uint8Array(bytes.length * 3);
      for (let i = 0; i < bytes.length; i++) rgb.fill(bytes[i], i * 3, i * 3 + 3);
      bytes = rgb;
      channels = 3;
    }
    return { width: info.width, height: info.height, channels, data: bytes };
  } catch (err) {
    throw new FormatError(`${name}: cannot read image: ${(err as Error).message}`);
  }
}
