import { ArgumentError, ShapeError } from '../core/errors.js';
import { selectAxis1, Tensor } from '../core/tensor.js';
import { type Latent, toWs } from '../latent/latent.js';
import type { GanModel } from '../models/ganModel.js';
import { styleLayout } from '../models/stylegan2/styles.js';
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
  if (set.space === 's') return { ...latent, styleOffsets: editStyles(latent, set, strength, opts), provenance };
  if (set.space === 'z') {
    if (latent.space !== 'z') throw new ArgumentError(`edit: '${set.labels[index]}' is a Z direction; the latent is in ${latent.space.toUpperCase()}`);
    return { ...latent, codes: editZ(latent.codes, set, strength, opts), provenance };
  }
  const range = opts.layers === undefined ? set.layers : opts.layers;
  if (latent.styleOffsets) throw new ArgumentError(`edit: the latent carries StyleSpace offsets; apply ${set.space.toUpperCase()} edits before StyleSpace ones`);
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

/**
 * A StyleSpace edit: the latent's style offsets Δs [N, dim] (zero when it has none) plus strength ·
 * step for every sample; the codes stay as they are. Sigma = the std of sampled styles along the
 * direction (one channel: that channel's std, StyleSpace's unit).
 */
function editStyles(latent: Latent, set: DirectionSet, strength: number, opts: LatentEditOptions): Tensor<'float32'> {
  if (opts.layers) throw new ArgumentError(`edit: '${set.labels[0]}' is a StyleSpace direction: its rows name their layers; a ws layer range does not apply`);
  if (!Number.isFinite(strength)) throw new ArgumentError(`edit: strength must be finite, got ${strength}`);
  const n = latent.codes.shape[0];
  const dim = set.vectors.shape[1];
  if (latent.styleOffsets && latent.styleOffsets.shape[1] !== dim)
    throw new ShapeError(`edit: StyleSpace direction is ${dim}-d, the latent's style offsets ${latent.styleOffsets.shape[1]}-d`);
  if (opts.model) {
    if (opts.model.architecture !== 'stylegan2') throw new ArgumentError(`edit: StyleSpace directions need a StyleGAN2 (${opts.model.name} is a ${opts.model.architecture})`);
    const want = styleLayout(opts.model.stylegan2()).dim;
    if (want !== dim) throw new ShapeError(`edit: StyleSpace direction is ${dim}-d, ${opts.model.name}'s styles are ${want}-d`);
  }
  const { step } = editStep(set, opts);
  const out = latent.styleOffsets ? new Tensor('float32', [n, dim], latent.styleOffsets.data.slice()) : Tensor.float32([n, dim]);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) if (step[j] !== 0) out.data[i * dim + j] += strength * step[j];
  return out;
}
