import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { OptionSpec } from '../core/options.js';
import { formatRange, parseRange } from '../core/ranges.js';
import { writeGif } from '../formats/gif.js';
import { type RgbImage, writePng } from '../formats/image.js';
import { writeVideo } from '../formats/video.js';
import type { GanModel } from '../models/ganModel.js';
import {
  type ModelFacts,
  NO_SEED_OPTIONS,
  resolveSeedLatentOptions,
  SEED_LATENT_OPTIONS,
  type SeedLatentOptions,
} from './generate.js';
import { type Latent, LATENT_SPACES, type LatentSpace } from './latent.js';
import { type LatentSource, latentsFromSources, parseSource } from './sources.js';

// Options shared by the latent-walk verbs (interpolate, mix, truncation, noise, arith): how their latents
// are drawn from seeds or read from files, where their figures go, and their animations.

/** How a walk verb's latents are drawn (seeds) or read (files). */
export interface WalkSourceOptions extends SeedLatentOptions {
  /** Space seeds are drawn into (DCGAN: z). */
  readonly space: LatentSpace;
  /** Accept latent files saved for other weights of the same shape. */
  readonly anyModel: boolean;
}

/** Where a walk verb's figure goes. */
export interface WalkOutputOptions {
  readonly outdir: string;
  /** Nearest-neighbour upscaling of every image. */
  readonly upscale: number;
  /** Also write the resulting latents here. */
  readonly saveLatent: string | null;
  /** Images per ONNX Runtime call. */
  readonly batch: number;
}

/** The animation outputs of a path (interpolate, truncation). */
export interface AnimationOptions {
  readonly gif: string | null;
  readonly video: string | null;
  readonly fps: number;
  readonly dither: boolean;
  /** Also write every frame as OUTDIR/frames/frameNNNN.png. */
  readonly frames: boolean;
}

/** A list of latent sources, 'seeds or files' comma-separated ('3', 'seed:3', '0-3', 'a.latent.safetensors'). */
export function parseSources(text: string): LatentSource[] {
  const out: LatentSource[] = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (/^\d+-\d+$/.test(item)) out.push(...parseRange(item).map((seed) => ({ seed })));
    else out.push(parseSource(item));
  }
  return out;
}

export function formatSources(sources: readonly LatentSource[]): string {
  return sources.map((s) => ('seed' in s ? String(s.seed) : s.file)).join(',');
}

/** A fresh copy of partial sources (the resolved options own their lists). */
export const copySources = (xs: readonly LatentSource[] | undefined): LatentSource[] =>
  (xs ?? []).map((k) => ('seed' in k ? { seed: k.seed } : { file: k.file }));

/** Seeds, then more sources, as one list. */
export const seedSources = (seeds: readonly number[], more: readonly LatentSource[] = []): LatentSource[] => [
  ...seeds.map((seed) => ({ seed })),
  ...more,
];

/** An option holding a list of latent sources. */
export function sourcesOption(key: string, flag: string, help: string): OptionSpec {
  return {
    key,
    flag,
    kind: 'custom',
    help: `${help}: seeds or latent files (.latent.safetensors .npz .npy .pt), comma-separated`,
    default: [],
    parse: parseSources,
    format: (v) => formatSources(v as LatentSource[]),
  };
}

/** An option holding seeds; '' is the empty list (so a command can say "no seeds, only files"). */
export function seedListOption(
  key: string,
  flag: string,
  help: string,
  dflt: readonly number[] = [],
): OptionSpec {
  return {
    key,
    flag,
    kind: 'custom',
    help: `${help}, e.g. 0-3,7`,
    default: dflt,
    parse: (t) => (t.trim() === '' ? [] : parseRange(t, flag)),
    format: (v) => formatRange(v as number[]),
  };
}

/** 'from:to:count' (evenly spaced, both ends included) or a comma list of numbers. */
export function parseNumberList(text: string, flag: string): number[] {
  const sweep = /^\s*(-?[\d.]+)\s*:\s*(-?[\d.]+)\s*:\s*(\d+)\s*$/.exec(text);
  if (sweep) {
    const [a, b, n] = [Number(sweep[1]), Number(sweep[2]), Number(sweep[3])];
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new ArgumentError(`--${flag}: '${text}' has a bad end point`);
    if (n < 1 || n > 1000) throw new ArgumentError(`--${flag}: count must be 1..1000`);
    return Array.from({ length: n }, (_, i) => (n === 1 ? a : i === n - 1 ? b : a + ((b - a) * i) / (n - 1)));
  }
  const values = text.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (values.some((v) => !Number.isFinite(v)))
    throw new ArgumentError(`--${flag}: '${text}' is not a list of numbers or from:to:count`);
  return values;
}

/** An option holding a list of numbers ('from:to:count' or a list on the command line; the list when written). */
export function numberListOption(
  key: string,
  flag: string,
  help: string,
  dflt: readonly number[],
): OptionSpec {
  return {
    key,
    flag,
    kind: 'custom',
    help: `${help}: from:to:count or a comma list`,
    default: dflt,
    parse: (t) => parseNumberList(t, flag),
    format: (v) => (v as number[]).map(String).join(','),
  };
}

export function sourceOptions(spaceDefault: LatentSpace = 'z'): OptionSpec[] {
  return [
    {
      key: 'space',
      flag: 'space',
      kind: 'string',
      help: 'space seeds are drawn into: z | w | w+',
      default: spaceDefault,
      choices: LATENT_SPACES,
    },
    ...SEED_LATENT_OPTIONS,
    {
      key: 'anyModel',
      flag: 'any-model',
      kind: 'boolean',
      help: 'accept latent files saved for other weights of the same shape',
      default: false,
    },
  ];
}

export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'upscale',
    flag: 'upscale',
    kind: 'number',
    help: 'nearest-neighbour upscaling of the images',
    default: 4,
  },
  { key: 'batch', flag: 'batch', kind: 'number', help: 'images per ONNX Runtime call', default: 8 },
  {
    key: 'saveLatent',
    flag: 'save-latent',
    kind: 'string',
    help: 'also write the resulting latents (.latent.safetensors)',
  },
  { key: 'outdir', flag: 'outdir', kind: 'string', help: 'output folder' },
];

export const ANIMATION_OPTIONS: readonly OptionSpec[] = [
  { key: 'gif', flag: 'gif', kind: 'string', help: 'write an animated GIF here' },
  { key: 'video', flag: 'video', kind: 'string', help: 'write an MP4 or WebM here (needs ffmpeg)' },
  { key: 'fps', flag: 'fps', kind: 'number', help: 'frames per second of the GIF / video', default: 24 },
  {
    key: 'dither',
    flag: 'dither',
    kind: 'boolean',
    help: 'ordered dithering in colour GIFs',
    default: false,
  },
  {
    key: 'frames',
    flag: 'frames',
    kind: 'boolean',
    help: 'also write every frame as a PNG under OUTDIR/frames',
    default: false,
  },
];

export function integerIn(v: unknown, lo: number, hi: number, flag: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new ArgumentError(`${where}: --${flag} must be an integer ${lo}..${hi}, got ${String(v)}`);
  return v;
}


/**
 * The source options of a walk verb. Seed options describe how seeds are drawn: with no seed among the
 * sources they do not apply and resolve to their neutral values (a conditional model's class is kept:
 * files without classes take it).
 */
export function resolveWalkSources(
  p: Partial<WalkSourceOptions>,
  model: ModelFacts,
  where: string,
  sources: readonly LatentSource[],
  spaceDefault: LatentSpace = 'z',
): WalkSourceOptions {
  for (const s of sources) {
    if ('seed' in s) integerIn(s.seed, 0, 2 ** 32 - 1, 'seeds', where);
    else if (s.file.includes(',') || s.file.trim() !== s.file || s.file === '')
      throw new ArgumentError(
        `${where}: latent file '${s.file}': names in a list cannot hold commas or edge spaces`,
      );
    else if (/^(seed:)?\d+$/.test(s.file))
      throw new ArgumentError(`${where}: '${s.file}' reads as a seed, not a file`);
  }
  const dcgan = model.architecture === 'dcgan';
  const space = dcgan ? 'z' : (p.space ?? spaceDefault);
  if (!LATENT_SPACES.includes(space))
    throw new ArgumentError(`${where}: --space must be z, w or w+, got '${space}'`);
  let seedOpts: SeedLatentOptions;
  if (sources.some((s) => 'seed' in s)) seedOpts = resolveSeedLatentOptions(p, model, where);
  else {
    const c = model.cDim > 0 && p.classIndex !== undefined && p.classIndex !== null ? p.classIndex : null;
    if (c !== null) integerIn(c, 0, model.cDim - 1, 'class', where);
    seedOpts = { ...NO_SEED_OPTIONS, classIndex: c };
  }
  return { space, ...seedOpts, anyModel: p.anyModel ?? false };
}

export function resolveWalkOutput(p: Partial<WalkOutputOptions>, where: string): WalkOutputOptions;
export function resolveWalkOutput(
  p: Partial<WalkOutputOptions>,
  where: string,
  required: boolean,
): Omit<WalkOutputOptions, 'outdir'> & { outdir: string | null };
export function resolveWalkOutput(p: Partial<WalkOutputOptions>, where: string, required = true) {
  if (required && !p.outdir) throw new ArgumentError(`${where}: --outdir is required`);
  return {
    outdir: p.outdir || null,
    upscale: integerIn(p.upscale ?? 4, 1, 16, 'upscale', where),
    saveLatent: p.saveLatent ?? null,
    batch: integerIn(p.batch ?? 8, 1, 1024, 'batch', where),
  };
}

export function resolveAnimation(p: Partial<AnimationOptions>, where: string): AnimationOptions {
  const fps = p.fps ?? 24;
  if (!(typeof fps === 'number' && fps > 0 && fps <= 100))
    throw new ArgumentError(`${where}: --fps must be in (0, 100]`);
  return {
    gif: p.gif ?? null,
    video: p.video ?? null,
    fps,
    dither: p.dither ?? false,
    frames: p.frames ?? false,
  };
}

/** The latents of `sources`, drawn and read as the source options say (seeds batched, files imported). */
export async function walkLatents(
  model: GanModel,
  sources: readonly LatentSource[],
  o: WalkSourceOptions,
  what: string,
): Promise<Latent> {
  if (sources.length === 0) throw new ArgumentError(`${what}: give seeds or latent files`);
  return latentsFromSources(model, sources, {
    space: o.space,
    psi: o.trunc,
    cutoff: o.truncCutoff,
    classIndex: o.classIndex ?? undefined,
    noiseMode: model.architecture === 'dcgan' ? 'none' : o.noiseMode,
    noiseSeed: o.noiseSeed,
    import: { allowOtherModel: o.anyModel },
  });
}

/** Row labels of a figure: the seeds of a seed latent, else L0, L1, ... */
export function rowLabels(latent: Latent): string[] {
  const seeds = (latent.provenance as { seeds?: number[] }).seeds;
  return Array.from({ length: latent.codes.shape[0] }, (_, i) => (seeds ? `${seeds[i]}` : `L${i}`));
}

/** Writes the animation outputs asked for (frames, GIF, video); returns what was written. */
export async function writeAnimation(
  frames: readonly RgbImage[],
  o: AnimationOptions,
  outdir: string,
): Promise<string[]> {
  const written: string[] = [];
  if (o.frames) {
    const dir = join(outdir, 'frames');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < frames.length; i++)
      await writePng(join(dir, `frame${String(i).padStart(4, '0')}.png`), frames[i]);
    written.push(`${frames.length} frames to ${dir}`);
  }
  if (o.gif !== null) {
    await writeGif(o.gif, frames, { delayMs: 1000 / o.fps, dither: o.dither });
    written.push(`${o.gif} (${frames.length} frames, ${o.fps} fps)`);
  }
  if (o.video !== null) {
    await writeVideo(o.video, frames, { fps: o.fps });
    written.push(`${o.video} (${frames.length} frames, ${o.fps} fps)`);
  }
  return written;
}
