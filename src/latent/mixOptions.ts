import { basename, join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { type RgbImage, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { LATENT_EXTENSION, saveLatent } from './file.js';
import { blankLike, imagesOf, labelledGrid, type Progress, renderFrames } from './figure.js';
import type { ModelFacts } from './generate.js';
import type { Latent } from './latent.js';
import { namedRanges, parseLayerRange } from './layerRanges.js';
import { styleMixGrid } from './mix.js';
import type { LatentSource } from './sources.js';
import {
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

/** `latentlab mix`, resolved (see `resolveMixOptions`). */
export interface MixOptions extends WalkSourceOptions, WalkOutputOptions {
  readonly model: string;
  /** Row seeds (they keep the other layers), then `rowLatents`. */
  readonly rows: readonly number[];
  readonly rowLatents: readonly LatentSource[];
  /** Column seeds (they give the chosen layers), then `colLatents`. */
  readonly cols: readonly number[];
  readonly colLatents: readonly LatentSource[];
  /** ws rows taken from the columns ('coarse', '0-3', ...). */
  readonly layers: string;
}

/** NVIDIA style_mixing.py's example seeds. */
const ROW_SEEDS = [85, 100, 75, 458, 1500];
const COL_SEEDS = [55, 821, 1789, 293];

export const MIX_SPEC: VerbSpec = {
  words: ['mix'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    seedListOption('rows', 'rows', "row seeds (they keep the other layers; '' for none)", ROW_SEEDS),
    sourcesOption('rowLatents', 'row-latents', 'more rows'),
    seedListOption('cols', 'cols', "column seeds (they give the chosen layers; '' for none)", COL_SEEDS),
    sourcesOption('colLatents', 'col-latents', 'more columns'),
    {
      key: 'layers',
      flag: 'layers',
      kind: 'string',
      help: 'ws rows taken from the columns: coarse | middle | fine | all | 0-3 | 0,2',
      default: 'coarse',
    },
    ...sourceOptions('z'),
    ...OUTPUT_OPTIONS,
  ],
};

export function resolveMixOptions(p: Partial<MixOptions>, model: ModelFacts): MixOptions {
  const where = 'mix';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  if (model.architecture === 'dcgan')
    throw new ArgumentError(
      `${where}: ${model.name} is a DCGAN; style mixing needs a StyleGAN2 or StyleGAN3`,
    );
  const rows = [...(p.rows ?? ROW_SEEDS)];
  const cols = [...(p.cols ?? COL_SEEDS)];
  const rowLatents = copySources(p.rowLatents);
  const colLatents = copySources(p.colLatents);
  const rowSources = seedSources(rows, rowLatents);
  const colSources = seedSources(cols, colLatents);
  if (!rowSources.length || !colSources.length)
    throw new ArgumentError(`${where}: give at least one row and one column (seeds or latent files)`);
  const sources = resolveWalkSources(p, model, where, [...rowSources, ...colSources]);
  if (sources.noiseMode === 'random')
    throw new ArgumentError(
      `${where}: style-mixing grids use const or no noise (NVIDIA renders them with noise_mode const)`,
    );
  return {
    model: p.model,
    rows,
    rowLatents,
    cols,
    colLatents,
    layers: p.layers ?? 'coarse',
    ...sources,
    ...resolveWalkOutput(p, where),
  };
}

/** Labels of a figure's rows: the seed, or the file's name, when each source gave one row. */
function sourceLabels(sources: readonly LatentSource[], latent: Latent): string[] {
  if (sources.length !== latent.codes.shape[0]) return rowLabels(latent);
  return sources.map((s) =>
    'seed' in s
      ? String(s.seed)
      : basename(s.file)
          .replace(LATENT_EXTENSION, '')
          .replace(/\.[^.]*$/, ''),
  );
}

export interface MixResult {
  /** grid.png: the columns on top, the rows on the left, the mixes in between. */
  figure: RgbImage;
  /** w+ latents of the cells, row-major. */
  cells: Latent;
  /** The ws rows taken from the columns. */
  layers: number[];
  written: string[];
}

/** `latentlab mix`: NVIDIA's style-mixing figure (grid.png) and, when asked, the cells' latents. */
export async function mixVerb(
  model: GanModel,
  o: MixOptions,
  hooks: { onProgress?: Progress; write?: boolean } = {},
): Promise<MixResult> {
  if (!model.hasWSpace)
    throw new ArgumentError(
      `mix: ${model.name} is a ${model.architecture}; style mixing needs a StyleGAN2 or StyleGAN3`,
    );
  const layers = parseLayerRange(model, o.layers);
  const rowSources = seedSources(o.rows, o.rowLatents);
  const colSources = seedSources(o.cols, o.colLatents);
  const rowL = await walkLatents(model, rowSources, o, 'mix rows');
  const colL = await walkLatents(model, colSources, o, 'mix cols');
  const grid = await styleMixGrid(model, rowL, colL, layers);
  const batchSize = o.batch;
  const rowImgs = imagesOf(await renderFrames(model, rowL, { batchSize }), o.upscale);
  const colImgs = imagesOf(await renderFrames(model, colL, { batchSize }), o.upscale);
  const cells = imagesOf(
    await renderFrames(model, grid.cells, { batchSize, onProgress: hooks.onProgress }),
    o.upscale,
  );
  const cellsOf = [blankLike(rowImgs[0]), ...colImgs];
  rowImgs.forEach((r, i) => cellsOf.push(r, ...cells.slice(i * grid.columns, (i + 1) * grid.columns)));
  const figure = labelledGrid(cellsOf, {
    columns: grid.columns + 1,
    columnLabels: ['', ...sourceLabels(colSources, colL)],
    rowLabels: ['', ...sourceLabels(rowSources, rowL)],
  });
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir, 'grid.png');
    await writePng(png, figure);
    const ranges = Object.entries(namedRanges(model))
      .map(([k, v]) => `${k} ${v.length ? `${v[0]}-${v.at(-1)}` : '-'}`)
      .join(', ');
    written.push(
      `${png}: ${grid.rows} rows x ${grid.columns} columns, ws rows ${layers.join(',')} from the columns (${ranges})`,
    );
    if (o.saveLatent !== null) {
      await saveLatent(o.saveLatent, grid.cells);
      written.push(`${o.saveLatent} (${grid.cells.codes.shape[0]} w+ latents)`);
    }
  }
  return { figure, cells: grid.cells, layers, written };
}
