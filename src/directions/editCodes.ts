import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { type DirectionSet, directionIndex, directionRow, unit } from './direction.js';

export type EditUnits = 'sigma' | 'distance';

export interface EditOptions {
  /** Which direction of the set (index or label; default 0). */
  component?: number | string;
  /**
   * ws rows [start, end) to move (W / W+ only). Default: the set's own range, else every row.
   * A range narrower than all rows turns a W latent into W+.
   */
  layers?: [number, number] | null;
  /**
   * 'sigma' (default when the set knows its sigma): strength 1 = one standard deviation of the
   * sampled latents along the direction. 'distance': strength 1 = Euclidean length 1.
   */
  units?: EditUnits;
}

/** The displacement one unit of strength means: the unit direction times 1 or its sigma. */
export function editStep(set: DirectionSet, opts: EditOptions = {}): { step: Float64Array; index: number; units: EditUnits; scale: number } {
  const index = directionIndex(set, opts.component ?? 0);
  const sigma = set.sigma[index];
  const units = opts.units ?? (sigma === null ? 'distance' : 'sigma');
  if (units !== 'sigma' && units !== 'distance') throw new ArgumentError(`edit: units must be 'sigma' or 'distance', got '${String(units)}'`);
  if (units === 'sigma' && (sigma === null || !(sigma > 0)))
    throw new ArgumentError(`edit: direction '${set.labels[index]}' has no measured sigma; use units 'distance' (or measure sigma from samples)`);
  const scale = units === 'sigma' ? sigma! : 1;
  const v = unit(directionRow(set, index), `direction '${set.labels[index]}'`);
  return { step: v.map((x) => x * scale), index, units, scale };
}

/** Checks a ws row range [start, end) against numWs (null = every row). */
export function checkRows(range: [number, number] | null, numWs: number, what = 'edit'): [number, number] {
  const r = range ?? [0, numWs];
  if (!(Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] >= 0 && r[1] <= numWs && r[0] < r[1]))
    throw new ArgumentError(`${what}: layer range [${r[0]}, ${r[1]}) is not inside ws rows [0, ${numWs})`);
  return r;
}

/** The rows an edit touches: the explicit range, else the set's default, else every row. */
export function editRows(set: DirectionSet, numWs: number, layers?: [number, number] | null): [number, number] {
  return checkRows(layers === undefined ? set.layers : layers, numWs);
}

/** ws [N, numWs, wDim] + strength · step on rows [start, end) of every sample. */
export function editWs(ws: Tensor, set: DirectionSet, strength: number, opts: EditOptions = {}): Tensor<'float32'> {
  if (set.space !== 'w') throw new ArgumentError(`edit: a ${set.space.toUpperCase()}-space direction cannot edit ws; edit z instead`);
  if (ws.rank !== 3) throw new ShapeError(`edit: ws must be [N, numWs, wDim], got ${formatShape(ws.shape)}`);
  const [n, numWs, wDim] = ws.shape;
  if (set.vectors.shape[1] !== wDim) throw new ShapeError(`edit: directions are ${set.vectors.shape[1]}-d, ws rows are ${wDim}-d`);
  if (!Number.isFinite(strength)) throw new ArgumentError(`edit: strength must be finite, got ${strength}`);
  const { step } = editStep(set, opts);
  const [start, end] = editRows(set, numWs, opts.layers);
  const out = new Tensor('float32', ws.shape, ws.toFloat32().data.slice());
  for (let i = 0; i < n; i++)
    for (let r = start; r < end; r++) {
      const base = (i * numWs + r) * wDim;
      for (let j = 0; j < wDim; j++) out.data[base + j] += strength * step[j];
    }
  return out;
}

/** z [N, zDim] + strength · step (Z-space directions). */
export function editZ(z: Tensor, set: DirectionSet, strength: number, opts: EditOptions = {}): Tensor<'float32'> {
  if (set.space !== 'z') throw new ArgumentError('edit: a W-space direction cannot edit z; map z to W first');
  if (z.rank !== 2 || z.shape[1] !== set.vectors.shape[1])
    throw new ShapeError(`edit: z ${formatShape(z.shape)} does not match ${set.vectors.shape[1]}-d directions`);
  if (opts.layers) throw new ArgumentError('edit: a layer range needs W / W+ (z feeds every layer)');
  const { step } = editStep(set, opts);
  const out = new Tensor('float32', z.shape, z.toFloat32().data.slice());
  const d = z.shape[1];
  for (let i = 0; i < z.shape[0]; i++) for (let j = 0; j < d; j++) out.data[i * d + j] += strength * step[j];
  return out;
}
