import { ArgumentError } from '../core/errors.js';
import { repeatEachRow, repeatRows, Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { checkLatent, latentFromCodes, type Latent, toWs } from './latent.js';

/**
 * Style mixing: ws of `destination` with the rows `layers` taken from `source` (NVIDIA's
 * `w[col_styles] = w_dict[col_seed][col_styles]`). Row i mixes destination i with source i; a
 * one-row source is used for every destination. The result is a w+ latent with the destination's
 * noise.
 */
export async function mixStyles(model: GanModel, destination: Latent, source: Latent, layers: readonly number[]): Promise<Latent> {
  checkLatent(model, destination, 'destination');
  checkLatent(model, source, 'source');
  const { numWs, wDim } = model.styleSpace();
  const dst = await toWs(model, destination);
  const src = await toWs(model, source);
  const n = dst.shape[0];
  const m = src.shape[0];
  if (m !== n && m !== 1) throw new ArgumentError(`style mixing: ${m} source latents for ${n} destinations (give 1 or ${n})`);
  for (const r of layers) {
    if (!Number.isInteger(r) || r < 0 || r >= numWs) throw new ArgumentError(`style mixing: ws row ${r} is out of range 0-${numWs - 1}`);
  }
  const out = new Tensor('float32', dst.shape, dst.data.slice());
  for (let i = 0; i < n; i++) {
    const s = m === 1 ? 0 : i;
    for (const r of layers) out.data.set(src.data.subarray((s * numWs + r) * wDim, (s * numWs + r + 1) * wDim), (i * numWs + r) * wDim);
  }
  return latentFromCodes(model, 'w+', out, {
    psi: destination.psi,
    cutoff: destination.cutoff,
    classes: destination.classes,
    noiseMode: destination.noiseMode,
    noise: destination.noise,
    noiseSeed: destination.noiseSeed,
    provenance: { kind: 'mix', layers: [...layers], destination: destination.provenance, source: source.provenance },
  });
}

export interface StyleMixGrid {
  /** w+ latents of the grid cells, row-major: cell (i, j) = row i's ws with column j's rows `layers`. */
  cells: Latent;
  rows: number;
  columns: number;
}

/**
 * NVIDIA's style_mixing.py grid: every row latent mixed with every column latent. Render `rowLatents`,
 * `columnLatents` and `cells` for the labelled figure (top row: columns, left column: rows).
 */
export async function styleMixGrid(model: GanModel, rowLatents: Latent, columnLatents: Latent, layers: readonly number[]): Promise<StyleMixGrid> {
  const rows = rowLatents.codes.shape[0];
  const columns = columnLatents.codes.shape[0];
  const rowWs = await toWs(model, rowLatents);
  const colWs = await toWs(model, columnLatents);
  // Cell (i, j) = row latent i mixed with column latent j, row-major.
  const dst = repeatEachRow(rowWs, columns);
  const src = repeatRows(colWs, rows * columns);
  if (rowLatents.noise || rowLatents.noiseMode === 'random') {
    throw new ArgumentError('style-mixing grids use const or no noise (NVIDIA renders them with noise_mode const)');
  }
  const repeat = <T>(xs: T[] | undefined) => xs && Array.from({ length: rows * columns }, (_, c) => xs[Math.floor(c / columns)]);
  const common = { psi: rowLatents.psi, cutoff: rowLatents.cutoff, noiseMode: rowLatents.noiseMode };
  const destination = latentFromCodes(model, 'w+', dst, { ...common, classes: repeat(rowLatents.classes), provenance: rowLatents.provenance });
  const source = latentFromCodes(model, 'w+', src, { ...common, classes: repeat(columnLatents.classes), provenance: columnLatents.provenance });
  const cells = await mixStyles(model, destination, source, layers);
  return { cells, rows, columns };
}
