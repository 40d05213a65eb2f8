import { join } from 'node:path';
import {
  ArgumentError,
  type FrameStep,
  type GanModel,
  type Latent,
  type LatentSpace,
  type LatentSource,
  latentsFromSources,
  loadModel,
  type NoiseMode,
  parseLayerRange,
  parseSource,
  type RgbImage,
  saveLatent,
  writeGif,
  writePng,
  writeVideo,
} from '../index.js';
import type { FlagSpec, ParsedFlags } from './args.js';
import { parseRange } from './ranges.js';

/** Flags and helpers shared by the exploration verbs (interpolate, arith, mix, truncation, noise, latent). */

export const modelFlag: FlagSpec = { name: 'model', type: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' };

export const latentFlags: readonly FlagSpec[] = [
  { name: 'space', type: 'string', help: 'space seeds are drawn into: z | w | w+', default: 'z' },
  { name: 'trunc', type: 'number', help: 'truncation psi of seed latents', default: 1 },
  { name: 'trunc-cutoff', type: 'number', help: 'truncate only the first N ws rows' },
  { name: 'class', type: 'number', help: 'class label for conditional models' },
  { name: 'noise-mode', type: 'string', help: 'const | random | none', default: 'const' },
  { name: 'noise-seed', type: 'number', help: 'seed of the noise maps for --noise-mode random', default: 0 },
  { name: 'any-model', type: 'boolean', help: 'accept latent files saved for other weights of the same shape' },
];

export const outputFlags: readonly FlagSpec[] = [
  { name: 'outdir', type: 'string', help: 'output folder' },
  { name: 'upscale', type: 'number', help: 'nearest-neighbour upscaling of the images', default: 4 },
  { name: 'save-latent', type: 'string', help: 'also write the resulting latents (.latent.safetensors)' },
  { name: 'batch', type: 'number', help: 'images per ONNX Runtime call', default: 8 },
];

export const animationFlags: readonly FlagSpec[] = [
  { name: 'gif', type: 'string', help: 'write an animated GIF here' },
  { name: 'video', type: 'string', help: 'write an MP4 or WebM here (needs ffmpeg)' },
  { name: 'fps', type: 'number', help: 'frames per second of the GIF / video', default: 24 },
  { name: 'dither', type: 'boolean', help: 'ordered dithering in colour GIFs' },
  { name: 'frames', type: 'boolean', help: 'also write every frame as a PNG under OUTDIR/frames' },
];

export function str(flags: ParsedFlags, name: string, verb: string): string {
  const v = flags[name];
  if (v === undefined || v === '') throw new ArgumentError(`${verb}: --${name} is required`);
  return String(v);
}

export function upscaleFactor(flags: ParsedFlags): number {
  const factor = Number(flags.upscale);
  if (!Number.isInteger(factor) || factor < 1 || factor > 16) throw new ArgumentError('--upscale must be an integer 1..16');
  return factor;
}

export async function modelFrom(flags: ParsedFlags, verb: string): Promise<GanModel> {
  return loadModel(str(flags, 'model', verb));
}

function space(flags: ParsedFlags): LatentSpace {
  const s = String(flags.space);
  if (s !== 'z' && s !== 'w' && s !== 'w+') throw new ArgumentError(`--space must be z, w or w+, got '${s}'`);
  return s;
}

function noiseMode(flags: ParsedFlags): NoiseMode {
  const m = String(flags['noise-mode']);
  if (m !== 'const' && m !== 'random' && m !== 'none') throw new ArgumentError(`--noise-mode must be const, random or none, got '${m}'`);
  return m;
}

/** Sources from --seeds (ranges) and a comma-separated list of items (seeds or files), in that order. */
export function sourcesFrom(seeds: unknown, items: unknown): LatentSource[] {
  const out: LatentSource[] = [];
  if (seeds !== undefined) out.push(...parseRange(String(seeds)).map((seed) => ({ seed })));
  if (items !== undefined) out.push(...String(items).split(',').filter(Boolean).map(parseSource));
  return out;
}

/** Latents of the given sources with the shared latent flags. */
export async function latentsFrom(model: GanModel, flags: ParsedFlags, sources: readonly LatentSource[], what: string): Promise<Latent> {
  if (sources.length === 0) throw new ArgumentError(`${what}: give seeds or latent files`);
  const cutoff = flags['trunc-cutoff'] === undefined ? null : Number(flags['trunc-cutoff']);
  return latentsFromSources(model, sources, {
    space: model.architecture === 'dcgan' ? 'z' : space(flags),
    psi: Number(flags.trunc),
    cutoff,
    classIndex: flags.class === undefined ? undefined : Number(flags.class),
    noiseMode: model.architecture === 'dcgan' ? 'none' : noiseMode(flags),
    noiseSeed: Number(flags['noise-seed']),
    import: { allowOtherModel: Boolean(flags['any-model']) },
  });
}

export function layersFrom(model: GanModel, spec: unknown): number[] | undefined {
  if (spec === undefined) return undefined;
  if (!model.hasWSpace) throw new ArgumentError(`${model.name} is a ${model.architecture}: layer ranges need a StyleGAN2 or StyleGAN3`);
  return parseLayerRange(model, String(spec));
}

/** A progress bar on stderr while it is a terminal (silent in logs and tests). */
export function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  const start = Date.now();
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs}s`);
    if (done >= total) process.stderr.write('\n');
  };
}

export async function saveLatentIfAsked(flags: ParsedFlags, latent: Latent, out: (line: string) => void): Promise<void> {
  if (flags['save-latent'] === undefined) return;
  const path = String(flags['save-latent']);
  await saveLatent(path, latent);
  out(`wrote ${path} (${latent.codes.shape[0]} ${latent.space} latents)`);
}

/** Writes the animation outputs a command asked for: PNG frames, GIF, video. */
export async function writeAnimation(flags: ParsedFlags, frames: readonly RgbImage[], out: (line: string) => void): Promise<void> {
  const fps = Number(flags.fps);
  if (!(fps > 0 && fps <= 100)) throw new ArgumentError('--fps must be in (0, 100]');
  if (flags.frames) {
    const dir = join(str(flags, 'outdir', 'frames'), 'frames');
    for (let i = 0; i < frames.length; i++) await writePng(join(dir, `frame${String(i).padStart(4, '0')}.png`), frames[i]);
    out(`wrote ${frames.length} frames to ${dir}`);
  }
  if (flags.gif !== undefined) {
    await writeGif(String(flags.gif), frames, { delayMs: 1000 / fps, dither: Boolean(flags.dither) });
    out(`wrote ${flags.gif} (${frames.length} frames, ${fps} fps)`);
  }
  if (flags.video !== undefined) {
    await writeVideo(String(flags.video), frames, { fps });
    out(`wrote ${flags.video} (${frames.length} frames, ${fps} fps)`);
  }
}

/** 'from:to:count' (a linear sweep) or a comma list of numbers. */
export function parseNumbers(text: string, what: string): number[] {
  const sweep = /^\s*(-?[\d.]+)\s*:\s*(-?[\d.]+)\s*:\s*(\d+)\s*$/.exec(text);
  if (sweep) {
    const [a, b, n] = [Number(sweep[1]), Number(sweep[2]), Number(sweep[3])];
    if (n < 1 || n > 1000) throw new ArgumentError(`--${what}: count must be 1..1000`);
    return Array.from({ length: n }, (_, i) => (n === 1 ? a : i === n - 1 ? b : a + ((b - a) * i) / (n - 1)));
  }
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new ArgumentError(`--${what}: '${text}' is not a list of numbers or from:to:count`);
  return values;
}

/** A short label for a path frame: keyframe number at keyframes, else nothing. */
export function frameLabel(step: FrameStep): string {
  return step.t === 0 ? `K${step.from}` : step.t === 1 ? `K${step.to}` : '';
}
