import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { type RgbImage, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { saveLatent } from './file.js';
import { imagesOf, labelledGrid, type Progress, renderFrames, sideBySide } from './figure.js';
import type { ModelFacts } from './generate.js';
import type { Latent } from './latent.js';
import type { LatentSource } from './sources.js';
import { truncationSweep } from './truncation.js';
import {
  ANIMATION_OPTIONS,
  type AnimationOptions,
  integerIn,
  numberListOption,
  OUTPUT_OPTIONS,
  parseNumberList,
  resolveAnimation,
  resolveWalkOutput,
  resolveWalkSources,
  rowLabels,
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

/** `latentlab truncation`, resolved (see `resolveTruncationOptions`). */
export interface TruncationOptions extends WalkSourceOptions, WalkOutputOptions, AnimationOptions {
  readonly model: string;
  readonly seeds: readonly number[];
  readonly keys: readonly LatentSource[];
  /** The psi of each column. */
  readonly psi: readonly number[];
  /** Truncate only the first N ws rows; null: all. */
  readonly cutoff: number | null;
}

const SEEDS = [0, 1, 2, 3, 4, 5];
const PSIS = parseNumberList('-1:1:9', 'psi');

export const TRUNCATION_SPEC: VerbSpec = {
  words: ['truncation'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    seedListOption('seeds', 'seeds', 'seeds', SEEDS),
    sourcesOption('keys', 'keys', 'more latents'),
    numberListOption('psi', 'psi', 'psi values (default -1:1:9)', PSIS),
    { key: 'cutoff', flag: 'cutoff', kind: 'number', help: 'truncate only the first N ws rows' },
    ...sourceOptions('z'),
    ...OUTPUT_OPTIONS,
    ...ANIMATION_OPTIONS,
  ],
};

export function resolveTruncationOptions(
  p: Partial<TruncationOptions>,
  model: ModelFacts,
): TruncationOptions {
  const where = 'truncation';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  const seeds = [...(p.seeds ?? SEEDS)];
  const keys = copySources(p.keys);
  const psi = [...(p.psi ?? PSIS)];
  if (!psi.length || psi.some((v) => !Number.isFinite(v)))
    throw new ArgumentError(`${where}: --psi needs finite values`);
  const cutoff = p.cutoff ?? null;
  if (cutoff !== null) integerIn(cutoff, 0, 10_000, 'cutoff', where);
  if (cutoff !== null && model.architecture === 'dcgan')
    throw new ArgumentError(
      `${where}: ${model.name} is a DCGAN (its sweep scales z); --cutoff needs ws rows`,
    );
  const sources = resolveWalkSources(p, model, where, seedSources(seeds, keys));
  if (model.architecture !== 'dcgan' && sources.noiseMode === 'random')
    throw new ArgumentError(`${where}: truncation sweeps render with const or no noise`);
  return {
    model: p.model,
    seeds,
    keys,
    psi,
    cutoff,
    ...sources,
    ...resolveWalkOutput(p, where),
    ...resolveAnimation(p, where),
  };
}

export interface TruncationResult {
  /** truncation.png: a row per latent, a column per psi. */
  figure: RgbImage;
  /** Frame p: every latent at psi p, side by side. */
  frames: RgbImage[];
  /** Row s * psi.length + p: latent s at psi p. */
  latent: Latent;
  written: string[];
}

/** `latentlab truncation`: each latent at every psi (truncation.png), the animation and latents when asked. */
export async function truncationVerb(
  model: GanModel,
  o: TruncationOptions,
  hooks: { onProgress?: Progress; write?: boolean } = {},
): Promise<TruncationResult> {
  const latent = await walkLatents(model, seedSources(o.seeds, o.keys), o, 'truncation');
  const sweep = await truncationSweep(model, latent, o.psi, { cutoff: o.cutoff });
  const images = imagesOf(
    await renderFrames(model, sweep.latent, { batchSize: o.batch, onProgress: hooks.onProgress }),
    o.upscale,
  );
  const figure = labelledGrid(images, {
    columns: o.psi.length,
    columnLabels: o.psi.map((p) => `${Number(p.toFixed(2))}`),
    rowLabels: rowLabels(latent),
  });
  const frames = o.psi.map((_, p) =>
    sideBySide(Array.from({ length: sweep.count }, (_, i) => images[i * o.psi.length + p])),
  );
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir, 'truncation.png');
    await writePng(png, figure);
    written.push(
      `${png}: ${sweep.count} latents x psi ${o.psi.map((p) => Number(p.toFixed(3))).join(', ')}${o.cutoff === null ? '' : ` (cutoff ${o.cutoff})`}`,
    );
    written.push(...(await writeAnimation(frames, o, o.outdir)));
    if (o.saveLatent !== null) {
      await saveLatent(o.saveLatent, sweep.latent);
      written.push(`${o.saveLatent} (${sweep.latent.codes.shape[0]} ${sweep.latent.space} latents)`);
    }
  }
  return { figure, frames, latent: sweep.latent, written };
}
