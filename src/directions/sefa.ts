import { ArgumentError, CheckpointError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import type { SynthesisLayerInfo } from '../models/stylegan2/config.js';
import { type DirectionSet, makeDirectionSet } from './direction.js';

export interface SefaOptions {
  /**
   * 'genforce' (default): the SeFa paper's code, genforce/sefa `factorize_weight(layer_idx='all')` —
   * the style (affine) weights of every layer index 0..num_layers − 1 of its StyleGAN2, which are
   * all the convs plus, for the last index, `output{idx // 2}`: the LAST ToRGB; each output unit's
   * weight row normalised to unit length. 'rosinality': closed_form_factorization.py — raw
   * modulation weights of every conv layer plus the first ToRGB (its key filter keeps `to_rgb1`
   * and drops `to_rgbs.*`).
   */
  preset?: 'genforce' | 'rosinality';
  /** ws rows [start, end) whose layers take part (default all); a layer joins when its wsIndex is inside. */
  layers?: [number, number];
  /** Override the preset: which layer kinds join. */
  include?: SefaInclude;
  /** Override the preset: normalise each affine output row to unit length. */
  normalize?: boolean;
  /** Directions to keep (default all wDim). */
  components?: number;
}

export type SefaInclude = 'conv' | 'conv+torgb' | 'conv+first-torgb' | 'conv+last-torgb';
export const SEFA_INCLUDES: readonly SefaInclude[] = ['conv', 'conv+torgb', 'conv+first-torgb', 'conv+last-torgb'];

/** The layers each preset stacks (for --help, the README and provenance). */
export const SEFA_PRESET_LAYERS = {
  genforce: 'conv+last-torgb',
  rosinality: 'conv+first-torgb',
} as const satisfies Record<string, SefaInclude>;

export interface SefaResult {
  set: DirectionSet;
  /** Eigenvalues of AᵀA (squared singular values of the stacked weights A), descending. */
  eigenvalues: number[];
  /** Layer names whose affine weights were stacked, in order. */
  layerNames: string[];
}

function selectLayers(layers: readonly SynthesisLayerInfo[], include: NonNullable<SefaOptions['include']>, range: [number, number]): SynthesisLayerInfo[] {
  const rgbs = layers.filter((l) => l.kind === 'torgb');
  return layers.filter((l) => {
    if (l.wsIndex < range[0] || l.wsIndex >= range[1]) return false;
    if (l.kind === 'conv') return true;
    if (include === 'conv+torgb') return true;
    if (include === 'conv+first-torgb') return l === rgbs[0];
    return include === 'conv+last-torgb' && l === rgbs[rgbs.length - 1];
  });
}

/**
 * SeFa (Shen & Zhou 2021), closed-form factorisation: the directions n maximising |A n|² for the
 * stacked affine (style modulation) weights A [Σ out, wDim] of the chosen layers are the
 * eigenvectors of AᵀA (= the right singular vectors of A), ordered by eigenvalue.
 * Eigenvectors are defined up to sign; the sign is fixed so the largest entry is positive.
 */
export function sefa(model: GanModel, o: SefaOptions = {}): SefaResult {
  const cfg = model.stylegan2();
  const preset = o.preset ?? 'genforce';
  const include = o.include ?? SEFA_PRESET_LAYERS[preset];
  if (!SEFA_INCLUDES.includes(include)) throw new ArgumentError(`sefa: include must be one of ${SEFA_INCLUDES.join(', ')}, got '${String(include)}'`);
  const normalize = o.normalize ?? preset === 'genforce';
  const range = o.layers ?? [0, cfg.numWs];
  if (!(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 0 && range[1] <= cfg.numWs && range[0] < range[1]))
    throw new ArgumentError(`sefa: layer range [${range[0]}, ${range[1]}) is not inside ws rows [0, ${cfg.numWs})`);
  const chosen = selectLayers(cfg.layers, include, range);
  if (!chosen.length) throw new ArgumentError(`sefa: no ${include} layer reads ws rows [${range[0]}, ${range[1]})`);
  const d = cfg.wDim;
  const gram = new Float64Array(d * d);
  for (const layer of chosen) {
    const key = `${layer.name}.affine.weight`;
    const t = model.g.get(key);
    if (!t) throw new CheckpointError(model.name, `missing '${key}' (SeFa needs the affine weights)`);
    if (t.rank !== 2 || t.shape[1] !== d) throw new CheckpointError(model.name, `'${key}' has shape [${t.shape.join(', ')}], expected [out, ${d}]`);
    const a = t.toFloat64().data;
    const row = new Float64Array(d);
    for (let r = 0; r < t.shape[0]; r++) {
      let len = 1;
      if (normalize) {
        len = 0;
        for (let j = 0; j < d; j++) len += a[r * d + j] * a[r * d + j];
        len = Math.sqrt(len);
        if (!(len > 0)) continue; // a dead unit contributes nothing either way
      }
      for (let j = 0; j < d; j++) row[j] = a[r * d + j] / len;
      for (let p = 0; p < d; p++) {
        const rp = row[p];
        for (let q = p; q < d; q++) gram[p * d + q] += rp * row[q];
      }
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) gram[p * d + q] = gram[q * d + p];
  const { values, vectors } = symmetricEigen(gram);
  const k = o.components ?? d;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new ArgumentError(`sefa: components must be 1..${d}, got ${k}`);
  const rows: Float64Array[] = [];
  const eigenvalues: number[] = [];
  for (let i = 0; i < k; i++) {
    const col = d - 1 - i;
    const v = new Float64Array(d);
    let big = 0;
    for (let j = 0; j < d; j++) {
      v[j] = vectors[j * d + col];
      if (Math.abs(v[j]) > Math.abs(big)) big = v[j];
    }
    if (big < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    rows.push(v);
    eigenvalues.push(values[col]);
  }
  const layerNames = chosen.map((l) => l.name.replace(/^synthesis\./, ''));
  const set = makeDirectionSet(rows, {
    space: 'w',
    labels: rows.map((_, i) => `sefa${i}`),
    layers: range[0] === 0 && range[1] === cfg.numWs ? null : range,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    provenance: { method: 'sefa', preset, include, normalize, layerNames, eigenvalues },
  });
  return { set, eigenvalues, layerNames };
}

/** Eigenvector matrix V [wDim, K] (columns are directions) as rosinality's factor.pt stores it. */
export function eigvecMatrix(set: DirectionSet): Tensor<'float32'> {
  const [k, d] = set.vectors.shape;
  const out = Tensor.float32([d, k]);
  for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) out.data[j * k + i] = set.vectors.data[i * d + j];
  return out;
}
