import { ArgumentError, ShapeError } from '../core/errors.js';
import { selectAxis1, Tensor } from '../core/tensor.js';
import { type Latent, toWs } from '../latent/latent.js';
import type { GanModel } from '../models/ganModel.js';
import type { DirectionSet } from './direction.js';
import { type EditOptions, editRows, editStep, editWs, editZ } from './editCodes.js';

export interface LatentEditOptions extends EditOptions {
  /** Needed to map a z latent to W for a W-space direction. */
  model?: GanModel;
}

/**
 * Moves a latent along one direction of a set: latent + strength · step, with the step in 'sigma'
 * units (std of sampled latents along the direction; the default when the set knows it) or
 * 'distance' units (Euclidean). W directions act on ws rows `layers` (default the set's range,
 * else all): an edit of every row keeps a W latent in W, a narrower one makes it W+. A z latent
 * is mapped to W first (with its own truncation) when the direction is a W direction; Z
 * directions edit z. Truncation, classes and noise carry over; provenance records the edit.
 */
export async function edit(latent: Latent, set: DirectionSet, strength: number, opts: LatentEditOptions = {}): Promise<Latent> {
  const { index, units, scale } = editStep(set, opts);
  const dim = set.vectors.shape[1];
  const provenance = {
    kind: 'edit' as const,
    direction: set.labels[index],
    method: set.provenance.method,
    strength,
    units,
    scale,
    layers: null as [number, number] | null,
    from: latent.provenance,
  };
  if (set.space === 'z') {
    if (latent.space !== 'z') throw new ArgumentError(`edit: '${set.labels[index]}' is a Z direction; the latent is in ${latent.space.toUpperCase()}`);
    return { ...latent, codes: editZ(latent.codes, set, strength, opts), provenance };
  }
  const range = opts.layers === undefined ? set.layers : opts.layers;
  if (latent.space === 'w' && !range) {
    // Every row moves: the latent stays one w per sample.
    const [n, wDim] = latent.codes.shape;
    if (wDim !== dim) throw new ShapeError(`edit: '${set.labels[index]}' is ${dim}-d, the latent's w is ${wDim}-d`);
    const moved = editWs(latent.codes.reshape([n, 1, wDim]), set, strength, { ...opts, layers: [0, 1] });
    const numWs = opts.model?.styleSpace().numWs;
    provenance.layers = numWs ? [0, numWs] : null; // null: every row
    return { ...latent, codes: moved.reshape([n, wDim]), provenance };
  }
  let ws: Tensor<'float32'>;
  if (latent.space === 'z' || latent.space === 'w') {
    if (!opts.model)
      throw new ArgumentError(`edit: ${latent.space === 'z' ? 'a z latent needs the model to be mapped to W' : 'a layer range on a W latent needs the model (its number of ws rows)'}`);
    ws = await toWs(opts.model, latent);
  } else ws = latent.codes;
  const [, numWs, wDim] = ws.shape;
  if (wDim !== dim) throw new ShapeError(`edit: '${set.labels[index]}' is ${dim}-d, the latent's W rows are ${wDim}-d`);
  const rows = editRows(set, numWs, opts.layers);
  provenance.layers = rows;
  const edited = editWs(ws, set, strength, { ...opts, layers: rows });
  const everyRow = rows[0] === 0 && rows[1] === numWs;
  const uniform = latent.space === 'z' && (latent.cutoff === null || latent.psi === 1);
  if (everyRow && uniform) {
    // Still one w per sample: keep the compact W form.
    return { ...latent, space: 'w', codes: selectAxis1(edited, 0), provenance };
  }
  return { ...latent, space: 'w+', codes: edited, provenance };
}
