import sharp, { type Metadata } from 'sharp';
import { ArgumentError, FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { fromImages, readImage } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';

/** Default refusal threshold for target images (decompression bombs): 40 megapixels. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

export interface TargetOptions {
  /** Refuse images with more pixels than this (before decoding). Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

/** Width and height from the header, refusing files above the pixel limit before any decoding. */
async function checkedSize(path: string, maxPixels: number): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new FormatError(`${path}: not a readable image (${(err as Error).message})`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new FormatError(`${path}: the image header has no size`);
  if (width * height > maxPixels) {
    throw new FormatError(`${path}: ${width}×${height} = ${(width * height).toLocaleString('en')} pixels is above the limit of ${maxPixels.toLocaleString('en')} (raise it with --max-pixels)`);
  }
  return { width, height };
}

/**
 * A target image for `model`: [1, C, R, R] in [-1, 1]. Any size is scaled to cover R×R and centre
 * cropped (NVIDIA's projector crops to a centre square, then resizes); grey and colour are converted
 * to the model's channel count; corrupt files and files above the pixel limit are refused (FormatError).
 */
export async function readTarget(path: string, model: GanModel, opts: TargetOptions = {}): Promise<Tensor<'float32'>> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new ArgumentError(`maxPixels must be > 0, got ${maxPixels}`);
  await checkedSize(path, maxPixels);
  const c = model.imgChannels;
  if (c !== 1 && c !== 3) throw new ArgumentError(`${model.name} makes ${c}-channel images; targets can be read for 1 or 3 channels`);
  const img = await readImage(path, { size: model.resolution, channels: c, maxPixels });
  if (img.channels !== c || img.width !== model.resolution || img.height !== model.resolution) {
    throw new FormatError(`${path}: decoded to ${img.width}×${img.height}×${img.channels}, expected ${model.resolution}×${model.resolution}×${c}`);
  }
  return fromImages([img]);
}

/** A binary mask [1, 1, R, R] from an image: 1 where the (grey, resized) pixel is brighter than mid-grey. */
export async function readMask(path: string, resolution: number, opts: TargetOptions = {}): Promise<Tensor<'float32'>> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  await checkedSize(path, maxPixels);
  const img = await readImage(path, { size: resolution, channels: 1, maxPixels });
  const m = Tensor.float32([1, 1, resolution, resolution]);
  for (let i = 0; i < m.size; i++) m.data[i] = img.data[i] > 127 ? 1 : 0;
  let on = 0;
  for (const v of m.data) on += v;
  if (on === 0) throw new ArgumentError(`${path}: the mask is empty (no pixel above mid-grey): nothing to project`);
  return m;
}
