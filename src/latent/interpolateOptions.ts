import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { type RgbImage, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import { saveLatent } from './file.js';
import { imagesOf, type Progress, renderFrames, sideBySide } from './figure.js';
import type { ModelFacts } from './generate.js';
import {
  crossfadeImages,
  INTERPOLATION_METHODS,
  type InterpolationMethod,
  type InterpolationPath,
  interpolate,
} from './interpolate.js';
import type { Latent } from './latent.js';
import { parseLayerRange } from './layerRanges.js';
import { pathFigure } from './pathFigure.js';
import { type PathConfidence, pathConfidence } from './smoothness.js';
import { parseRotateSweep, parseTranslateSweep, renderTransformSweep, sweepStrip } from './transformSweep.js';
import type { LatentSource } from './sources.js';
import {
  ANIMATION_OPTIONS,
  type AnimationOptions,
  integerIn,
  OUTPUT_OPTIONS,
  resolveAnimation,
  resolveWalkOutput,
  resolveWalkSources,
  seedListOption,
  sourceOptions,
  sourcesOption,
  type WalkOutputOptions,
  type WalkSourceOptions,
  walkLatents,
  writeAnimation,
  copySources,
  seedSources,
} from './walkOptions.js';

/** `latentlab interpolate`, resolved (see `resolveInterpolateOptions`). */
export interface InterpolateVerbOptions
  extends WalkSourceOptions, Omit<WalkOutputOptions, 'outdir'>, AnimationOptions {
  readonly model: string;
  /** Keyframes: these seeds, then `keys`. */
  readonly seeds: readonly number[];
  readonly keys: readonly LatentSource[];
  /** null: slerp for z keyframes, lerp for w / w+ (the library's rule, decided by the keyframes' space). */
  readonly method: InterpolationMethod | null;
  /** Frames per keyframe segment. */
  readonly steps: number;
  readonly loop: boolean;
  /** ws rows that move ('fine', '0-3'); null: all. */
  readonly layers: string | null;
  readonly crossfade: boolean;
  /** Frames per row of path.png; null: all in one row. */
  readonly columns: number | null;
  /** Output folder (null only with `measure`). */
  readonly outdir: string | null;
  /** Measure classifier confidence along this many random seed-pair paths instead. */
  readonly measure: number | null;
  readonly classifier: string;
  /** Write the measurement as JSON here. */
  readonly json: string | null;
  /** StyleGAN3 equivariance: move the input 'x0,y0:x1,y1' over `steps` frames of the first keyframe. */
  readonly translateSweep: string | null;
  /** StyleGAN3 equivariance: rotate the input 'a0:a1' degrees over `steps` frames (with or without a translation). */
  readonly rotateSweep: string | null;
}

export const INTERPOLATE_SPEC: VerbSpec = {
  words: ['interpolate'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    seedListOption('seeds', 'seeds', 'keyframe seeds (drawn into --space)'),
    sourcesOption('keys', 'keys', 'more keyframes after the seeds'),
    {
      key: 'method',
      flag: 'method',
      kind: 'string',
      help: INTERPOLATION_METHODS.join(' | '),
      defaultText: 'slerp in z, lerp in w / w+',
      choices: INTERPOLATION_METHODS,
    },
    { key: 'steps', flag: 'steps', kind: 'number', help: 'frames per keyframe segment', default: 16 },
    { key: 'loop', flag: 'loop', kind: 'boolean', help: 'return to the first keyframe', default: false },
    {
      key: 'layers',
      flag: 'layers',
      kind: 'string',
      help: 'move only these ws rows: coarse | middle | fine | 0-3 | 4,6 (path in w+)',
    },
    {
      key: 'crossfade',
      flag: 'crossfade',
      kind: 'boolean',
      help: 'show the naive pixel cross-fade beside the latent path',
      default: false,
    },
    {
      key: 'columns',
      flag: 'columns',
      kind: 'number',
      help: 'frames per row of path.png',
      defaultText: 'all',
    },
    ...sourceOptions('z'),
    ...OUTPUT_OPTIONS,
    ...ANIMATION_OPTIONS,
    {
      key: 'measure',
      flag: 'measure',
      kind: 'number',
      help: 'measure classifier confidence along N random seed-pair paths vs cross-fades instead',
    },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'classifier bundle for --measure',
      default: 'models/fmnist-classifier',
    },
    { key: 'json', flag: 'json', kind: 'string', help: 'write the --measure result as JSON here' },
    {
      key: 'translateSweep',
      flag: 'translate-sweep',
      kind: 'string',
      help: 'StyleGAN3 equivariance: move the input "x0,y0:x1,y1" over --steps frames of the first keyframe',
    },
    {
      key: 'rotateSweep',
      flag: 'rotate-sweep',
      kind: 'string',
      help: 'StyleGAN3 equivariance: rotate the input "a0:a1" degrees over --steps frames (with or without --translate-sweep)',
    },
  ],
};

export function resolveInterpolateOptions(
  p: Partial<InterpolateVerbOptions>,
  model: ModelFacts,
): InterpolateVerbOptions {
  const where = 'interpolate';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  const measure = p.measure ?? null;
  if (measure !== null) integerIn(measure, 1, 100_000, 'measure', where);
  const seeds = [...(p.seeds ?? [])];
  const keys = copySources(p.keys);
  const sources: LatentSource[] = seedSources(seeds, keys);
  const translateSweep = p.translateSweep ?? null;
  const rotateSweep = p.rotateSweep ?? null;
  const sweep = translateSweep !== null || rotateSweep !== null;
  if (translateSweep !== null) parseTranslateSweep(translateSweep);
  if (rotateSweep !== null) parseRotateSweep(rotateSweep);
  if (sweep && model.architecture !== 'stylegan3')
    throw new ArgumentError(`${where}: transform sweeps need a StyleGAN3 (its input layer's translation/rotation); ${model.name} is a ${model.architecture}`);
  if (sweep && measure !== null) throw new ArgumentError(`${where}: --measure and transform sweeps are separate runs`);
  if (measure === null && sources.length < (sweep ? 1 : 2))
    throw new ArgumentError(`${where}: give ${sweep ? 'a keyframe' : 'at least two keyframes'} (--seeds, --keys)`);
  const method = p.method ?? null;
  if (method !== null && !INTERPOLATION_METHODS.includes(method))
    throw new ArgumentError(
      `${where}: --method must be ${INTERPOLATION_METHODS.join(', ')}, got '${method}'`,
    );
  const layers = p.layers ?? null;
  if (layers !== null && model.architecture === 'dcgan')
    throw new ArgumentError(`${where}: ${model.name} is a DCGAN: layer ranges need a StyleGAN2 or StyleGAN3`);
  const columns = p.columns ?? null;
  if (columns !== null) integerIn(columns, 1, 10_000, 'columns', where);
  const output = resolveWalkOutput({ ...p, outdir: p.outdir ?? undefined }, where, measure === null);
  return {
    model: p.model,
    seeds,
    keys,
    method,
    steps: integerIn(p.steps ?? 16, 1, 1000, 'steps', where),
    loop: p.loop ?? false,
    layers,
    crossfade: p.crossfade ?? false,
    columns,
    // measure draws its own seed pairs (with --trunc): seed options resolve as for seeds
    ...resolveWalkSources(p, model, where, measure === null ? sources : [{ seed: 0 }]),
    ...output,
    ...resolveAnimation(p, where),
    measure,
    classifier: p.classifier ?? 'models/fmnist-classifier',
    json: p.json ?? null,
    translateSweep,
    rotateSweep,
  };
}

export interface InterpolateResult extends InterpolationPath {
  keyframes: Latent;
  /** The animation frames (latent path, with the cross-fade beside it when asked). */
  frames: RgbImage[];
  /** path.png */
  figure: RgbImage;
  /** What was written (one line each). */
  written: string[];
}

/**
 * `latentlab interpolate`: the path through the keyframes, path.png (frames, keyframes labelled), the
 * animation and the path's latents when asked. `write: false` computes without writing.
 */
export async function interpolateVerb(
  model: GanModel,
  o: InterpolateVerbOptions,
  hooks: { onProgress?: Progress; write?: boolean } = {},
): Promise<InterpolateResult> {
  if (o.measure !== null) throw new ArgumentError('interpolate: --measure runs through interpolateMeasure');
  const keys = await walkLatents(model, seedSources(o.seeds, o.keys), o, 'interpolate');
  if (o.translateSweep !== null || o.rotateSweep !== null) return transformSweepVerb(model, keys, o, hooks);
  const layers = o.layers === null ? undefined : parseLayerRange(model, o.layers);
  const path = await interpolate(model, keys, {
    framesPerSegment: o.steps,
    method: o.method ?? undefined,
    loop: o.loop,
    layers,
  });
  const images = await renderFrames(model, path.latent, { batchSize: o.batch, onProgress: hooks.onProgress });
  const latentFrames = imagesOf(images, o.upscale);
  let fades: RgbImage[] | null = null;
  if (o.crossfade) {
    const keyImages = await renderFrames(model, keys, { batchSize: o.batch });
    fades = imagesOf(crossfadeImages(keyImages, path.schedule), o.upscale);
  }
  const figure = pathFigure(latentFrames, fades, path.schedule, o.columns);
  const frames = fades ? latentFrames.map((f, i) => sideBySide([f, fades[i]])) : latentFrames;
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir!, 'path.png');
    await writePng(png, figure);
    written.push(
      `${png} (${path.schedule.length} frames through ${keys.codes.shape[0]} keyframes, ${path.latent.space} ${String(path.latent.provenance.method)})`,
    );
    written.push(...(await writeAnimation(frames, o, o.outdir!)));
    if (o.saveLatent !== null) {
      await saveLatent(o.saveLatent, path.latent);
      written.push(`${o.saveLatent} (${path.latent.codes.shape[0]} ${path.latent.space} latents)`);
    }
  }
  return { ...path, keyframes: keys, frames, figure, written };
}

/** `interpolate --translate-sweep/--rotate-sweep`: one latent under a moving input transform (sweep.png + animation). */
async function transformSweepVerb(
  model: GanModel,
  keys: Latent,
  o: InterpolateVerbOptions,
  hooks: { onProgress?: Progress; write?: boolean },
): Promise<InterpolateResult> {
  const { images, frames } = await renderTransformSweep(
    model,
    keys,
    {
      translate: o.translateSweep === null ? null : parseTranslateSweep(o.translateSweep),
      rotate: o.rotateSweep === null ? null : parseRotateSweep(o.rotateSweep),
      steps: o.steps,
      loop: o.loop,
    },
    { batchSize: o.batch, onProgress: hooks.onProgress },
  );
  const tiles = imagesOf(images, o.upscale);
  const figure = sweepStrip(tiles, frames);
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir!, 'sweep.png');
    await writePng(png, figure);
    written.push(`${png} (${frames.length} frames of one latent under a moving input transform)`);
    written.push(...(await writeAnimation(tiles, o, o.outdir!)));
  }
  const schedule = frames.map((_, i) => ({ from: 0, to: 0, t: i / Math.max(1, frames.length - 1) }));
  return { latent: keys, schedule, keyframes: keys, frames: tiles, figure, written };
}

/** `latentlab interpolate --measure N`: classifier confidence along latent paths vs pixel cross-fades. */
export async function interpolateMeasure(
  model: GanModel,
  o: InterpolateVerbOptions,
  hooks: { onProgress?: Progress } = {},
): Promise<PathConfidence> {
  if (o.measure === null) throw new ArgumentError('interpolate: interpolateMeasure needs --measure');
  const classifier = await readClassifierBundle(o.classifier);
  const r = await pathConfidence(model, classifier, {
    pairs: o.measure,
    framesPerSegment: o.steps % 2 === 0 ? o.steps : o.steps + 1,
    space: o.space,
    method: o.method ?? undefined,
    psi: o.trunc,
    batchSize: o.batch,
    onProgress: hooks.onProgress,
  });
  if (o.json !== null) await writeFile(o.json, `${JSON.stringify(r, null, 2)}\n`);
  return r;
}
