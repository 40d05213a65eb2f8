import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { type RgbImage, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { saveLatent } from './file.js';
import { imagesOf, labelledGrid, type Progress, renderFrames } from './figure.js';
import type { ModelFacts } from './generate.js';
import type { Latent } from './latent.js';
import { parseLayerRange } from './layerRanges.js';
import { noiseVariations, variationStd, withNoiseMode } from './noise.js';
import type { LatentSource } from './sources.js';
import {
  integerIn,
  OUTPUT_OPTIONS,
  resolveWalkOutput,
  resolveWalkSources,
  rowLabels,
  seedListOption,
  sourceOptions,
  sourcesOption,
  type WalkOutputOptions,
  type WalkSourceOptions,
  walkLatents,
  copySources,
  seedSources,
} from './walkOptions.js';

/** `latentlab noise`, resolved (see `resolveNoiseOptions`). */
export interface NoiseOptions extends WalkSourceOptions, WalkOutputOptions {
  readonly model: string;
  readonly seeds: readonly number[];
  readonly keys: readonly LatentSource[];
  /** ws rows whose noise is resampled ('fine', '0-3', 'all'). */
  readonly layers: string;
  /** Noise variants per latent. */
  readonly count: number;
  /** Variant v uses noise seed `seed + v`; the 'random' column uses `seed`. */
  readonly seed: number;
}

const SEEDS = [0, 1, 2, 3];

export const NOISE_SPEC: VerbSpec = {
  words: ['noise'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    seedListOption('seeds', 'seeds', 'seeds', SEEDS),
    sourcesOption('keys', 'keys', 'more latents'),
    {
      key: 'layers',
      flag: 'layers',
      kind: 'string',
      help: 'ws rows whose noise is resampled: coarse | middle | fine | all | 0-3',
      default: 'all',
    },
    { key: 'count', flag: 'count', kind: 'number', help: 'noise variants per latent', default: 6 },
    { key: 'seed', flag: 'seed', kind: 'number', help: 'variant v uses noise seed SEED + v', default: 0 },
    ...sourceOptions('z'),
    ...OUTPUT_OPTIONS,
  ],
};

export function resolveNoiseOptions(p: Partial<NoiseOptions>, model: ModelFacts): NoiseOptions {
  const where = 'noise';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  if (model.architecture !== 'stylegan2')
    throw new ArgumentError(`${where}: ${model.name} is a ${model.architecture}; it has no noise inputs`);
  const seeds = [...(p.seeds ?? SEEDS)];
  const keys = copySources(p.keys);
  return {
    model: p.model,
    seeds,
    keys,
    layers: p.layers ?? 'all',
    count: integerIn(p.count ?? 6, 1, 256, 'count', where),
    seed: integerIn(p.seed ?? 0, 0, 2 ** 32 - 1 - 256, 'seed', where),
    ...resolveWalkSources(p, model, where, seedSources(seeds, keys)),
    ...resolveWalkOutput(p, where),
  };
}

export interface NoiseResult {
  /** noise.png: per latent const / none / random noise, the variants, their per-pixel std. */
  figure: RgbImage;
  /** Row i * count + v: latent i with variant v's noise. */
  latent: Latent;
  /** Names of the layers whose noise was resampled. */
  layers: string[];
  written: string[];
}

/** `latentlab noise`: the noise inputs' effect (noise.png) and, when asked, the variants' latents. */
export async function noiseVerb(
  model: GanModel,
  o: NoiseOptions,
  hooks: { onProgress?: Progress; write?: boolean } = {},
): Promise<NoiseResult> {
  if (model.architecture !== 'stylegan2')
    throw new ArgumentError(`noise: ${model.name} is a ${model.architecture}; it has no noise inputs`);
  const latent = await walkLatents(model, seedSources(o.seeds, o.keys), o, 'noise');
  const layers = parseLayerRange(model, o.layers);
  const batchSize = o.batch;
  const variations = await noiseVariations(model, latent, { count: o.count, layers, seed: o.seed });
  const varImages = await renderFrames(model, variations.latent, { batchSize, onProgress: hooks.onProgress });
  const std = imagesOf(variationStd(varImages, o.count), o.upscale);
  const render = async (l: Latent) => imagesOf(await renderFrames(model, l, { batchSize }), o.upscale);
  const constImgs = await render(withNoiseMode(latent, 'const'));
  const noneImgs = await render(withNoiseMode(latent, 'none'));
  const randomImgs = await render(withNoiseMode(latent, 'random', o.seed));
  const variants = imagesOf(varImages, o.upscale);
  const n = latent.codes.shape[0];
  const cells = [];
  for (let i = 0; i < n; i++)
    cells.push(
      constImgs[i],
      noneImgs[i],
      randomImgs[i],
      ...variants.slice(i * o.count, (i + 1) * o.count),
      std[i],
    );
  const figure = labelledGrid(cells, {
    columns: o.count + 4,
    columnLabels: ['const', 'none', 'random', ...Array.from({ length: o.count }, (_, v) => `V${v}`), 'std'],
    rowLabels: rowLabels(latent),
  });
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir, 'noise.png');
    await writePng(png, figure);
    written.push(
      `${png}: const / none / random noise, ${o.count} variants resampling ${variations.layers.join(', ')}, and their per-pixel std`,
    );
    if (o.saveLatent !== null) {
      await saveLatent(o.saveLatent, variations.latent);
      written.push(`${o.saveLatent} (${variations.latent.codes.shape[0]} w+ latents)`);
    }
  }
  return { figure, latent: variations.latent, layers: variations.layers, written };
}
