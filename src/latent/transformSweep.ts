import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { synthesize } from '../models/generate.js';
import { inputTransform } from '../models/stylegan3/synthesis.js';
import type { RgbImage } from '../formats/image.js';
import { labelledGrid } from './figure.js';
import { checkLatent, type Latent, toWs } from './latent.js';

/**
 * StyleGAN3 equivariance sweeps: one latent rendered under a moving input transform (the Fourier
 * features' translation and rotation, gen_images.py's --translate/--rotate, the visualizer's
 * Equivariance widget). An alias-free generator moves its image with the transform (T: translation,
 * R: translation and rotation) instead of redrawing textures, which is what these frames show.
 */
export interface TransformSweep {
  /** Translation at the first and the last frame (x, y; gen_images.py units). null: none. */
  translate: readonly [readonly [number, number], readonly [number, number]] | null;
  /** Rotation in degrees at the first and the last frame. null: none. */
  rotate: readonly [number, number] | null;
  /** Steps from the first to the last frame (steps + 1 frames, or 2·steps with `loop`). */
  steps: number;
  /**
   * Return to the start (the path and back, the turning frames not repeated), so a GIF/video loops.
   * A pure rotation over a whole number of turns loops by itself: its repeated last frame is dropped.
   */
  loop: boolean;
}

/** One frame of a sweep: the transform it renders and its label. */
export interface SweepFrame {
  translate: [number, number];
  rotate: number;
}

const finite = (xs: number[]) => xs.length > 0 && xs.every(Number.isFinite);

/** 'x0,y0:x1,y1' -> [[x0, y0], [x1, y1]] (flag --translate-sweep). */
export function parseTranslateSweep(text: string): [[number, number], [number, number]] {
  const ends = text.split(':').map((p) => p.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v))));
  if (ends.length !== 2 || ends.some((e) => e.length !== 2 || !finite(e)))
    throw new ArgumentError(`--translate-sweep must be "x0,y0:x1,y1" (e.g. 0,0:0.5,0), got '${text}'`);
  return [
    [ends[0][0], ends[0][1]],
    [ends[1][0], ends[1][1]],
  ];
}

/** 'a0:a1' in degrees -> [a0, a1] (flag --rotate-sweep). */
export function parseRotateSweep(text: string): [number, number] {
  const ends = text.split(':').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
  if (ends.length !== 2 || !finite(ends)) throw new ArgumentError(`--rotate-sweep must be "a0:a1" in degrees (e.g. 0:360), got '${text}'`);
  return [ends[0], ends[1]];
}

/** The frames of a sweep, first to last (see TransformSweep.loop). */
export function sweepFrames(s: TransformSweep): SweepFrame[] {
  if (!s.translate && !s.rotate) throw new ArgumentError('a transform sweep needs --translate-sweep and/or --rotate-sweep');
  if (!Number.isInteger(s.steps) || s.steps < 1 || s.steps > 10_000) throw new ArgumentError(`sweep steps must be an integer 1..10000, got ${s.steps}`);
  const at = (t: number): SweepFrame => {
    const [a, b] = s.translate ?? [
      [0, 0],
      [0, 0],
    ];
    const [r0, r1] = s.rotate ?? [0, 0];
    return { translate: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], rotate: r0 + (r1 - r0) * t };
  };
  const out = Array.from({ length: s.steps + 1 }, (_, i) => at(i / s.steps));
  const wholeTurns = !s.translate && s.rotate !== null && s.rotate[1] !== s.rotate[0] && (s.rotate[1] - s.rotate[0]) % 360 === 0;
  if (wholeTurns) out.pop();
  else if (s.loop) for (let i = s.steps - 1; i >= 1; i--) out.push(at(i / s.steps));
  return out;
}

/** The sweep's input transforms, [F, 3, 3] (inv(make_transform) per frame, as gen_images.py sets them). */
export function sweepTransforms(frames: readonly SweepFrame[]): Tensor<'float32'> {
  const out = Tensor.float32([frames.length, 3, 3]);
  frames.forEach((f, i) => out.data.set(inputTransform(f.translate, f.rotate).data, i * 9));
  return out;
}

/** Short frame label, e.g. 't 0.25,0 r 90'. */
export function sweepLabel(f: SweepFrame): string {
  const n = (v: number) => String(Number(v.toFixed(3)));
  const parts: string[] = [];
  if (f.translate[0] !== 0 || f.translate[1] !== 0) parts.push(`t ${n(f.translate[0])},${n(f.translate[1])}`);
  if (f.rotate !== 0) parts.push(`r ${n(f.rotate)}`);
  return parts.join(' ') || 'identity';
}

/**
 * Renders the first code of `latent` under every frame's transform: images [F, C, R, R]. Needs a
 * StyleGAN3 (only its input layer has a transform).
 */
export async function renderTransformSweep(
  model: GanModel,
  latent: Latent,
  sweep: TransformSweep,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ images: Tensor<'float32'>; frames: SweepFrame[] }> {
  if (model.architecture !== 'stylegan3')
    throw new ArgumentError(`transform sweeps need a StyleGAN3 (its input layer's translation/rotation); ${model.name} is a ${model.architecture}`);
  checkLatent(model, latent);
  const frames = sweepFrames(sweep);
  const ws = await toWs(model, latent);
  const row = ws.size / ws.shape[0];
  const repeated = Tensor.float32([frames.length, ...ws.shape.slice(1)]);
  for (let i = 0; i < frames.length; i++) repeated.data.set(ws.data.subarray(0, row), i * row);
  const transforms = sweepTransforms(frames);
  const batch = opts.batchSize ?? 8;
  const images = Tensor.float32([frames.length, model.imgChannels, model.resolution, model.resolution]);
  const per = images.size / frames.length;
  for (let at = 0; at < frames.length; at += batch) {
    const n = Math.min(batch, frames.length - at);
    const part = await synthesize(model, rowsOf(repeated, at, n), { transform: rowsOf(transforms, at, n), batchSize: batch });
    images.data.set(part.data, at * per);
    opts.onProgress?.(at + n, frames.length);
  }
  return { images, frames };
}

function rowsOf(t: Tensor<'float32'>, start: number, count: number): Tensor<'float32'> {
  const row = t.size / t.shape[0];
  return new Tensor('float32', [count, ...t.shape.slice(1)], t.data.slice(start * row, (start + count) * row));
}

/** Contact sheet of a sweep: up to `columns` evenly spaced frames (first and last included), labelled. */
export function sweepStrip(tiles: readonly RgbImage[], frames: readonly SweepFrame[], columns = 8): RgbImage {
  const n = Math.min(columns, tiles.length);
  const pick = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * (tiles.length - 1)) / (n - 1))));
  return labelledGrid(
    pick.map((i) => tiles[i]),
    { columns: n, columnLabels: pick.map((i) => sweepLabel(frames[i])) },
  );
}
