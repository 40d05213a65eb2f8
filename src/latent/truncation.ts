import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { checkLatent, latentFromCodes, type Latent, toWs } from './latent.js';

/** `count` evenly spaced values from `from` to `to` inclusive (a psi sweep such as -1..1 in 9 steps). */
export function linspace(from: number, to: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`linspace: count must be a positive integer, got ${count}`);
  if (count === 1) return [from];
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from + ((to - from) * i) / (count - 1)));
}

/** The model's tracked mean w (`mapping.w_avg`), the centre truncation pulls towards. */
export function wAverage(model: GanModel): Float32Array {
  const w = model.g.get('mapping.w_avg');
  const { wDim } = model.styleSpace();
  if (!w || w.size !== wDim) throw new ArgumentError(`${model.name} has no mapping.w_avg [${wDim}]: truncation needs it`);
  return w.toFloat32().data;
}

/**
 * torch.lerp(w_avg, w, psi) in float32, with torch's two-branch formula, so the ws equal those of the
 * mapping network's own truncation bit for bit (Math.fround after each operation is float32 arithmetic).
 */
function truncateRow(avg: Float32Array, w: Float32Array, psi: number, out: Float32Array): void {
  const f = Math.fround;
  const p = f(psi);
  const q = f(1 - psi);
  for (let i = 0; i < w.length; i++) {
    const d = f(w[i] - avg[i]);
    out[i] = psi < 0.5 ? f(avg[i] + f(d * p)) : f(w[i] - f(d * q));
  }
}

/** ws [N, numWs, wDim] truncated towards w_avg by psi on rows below `cutoff` (all rows when null). */
export function truncateWs(model: GanModel, ws: Tensor<'float32'>, psi: number, cutoff: number | null = null): Tensor<'float32'> {
  const avg = wAverage(model);
  const [n, numWs, wDim] = ws.shape;
  const out = new Tensor('float32', ws.shape, ws.data.slice());
  if (psi === 1) return out;
  const rows = Math.min(cutoff ?? numWs, numWs);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      const at = (i * numWs + r) * wDim;
      truncateRow(avg, ws.data.subarray(at, at + wDim), psi, out.data.subarray(at, at + wDim));
    }
  }
  return out;
}

export interface TruncationSweep {
  /** Row s * psis.length + p: latent s at psis[p] (w+ for StyleGAN2, z for DCGAN). */
  latent: Latent;
  psis: number[];
  count: number;
}

/**
 * A truncation sweep: every latent at every psi. StyleGAN2 z latents are mapped untruncated and then
 * truncated towards w_avg (psi 0 = the average image, negative psi = the "opposite" image); w/w+ latents
 * are truncated from where they are. DCGAN has no w_avg: its sweep scales z by psi (the z-space
 * truncation of BigGAN-style samplers, without resampling).
 */
export async function truncationSweep(model: GanModel, latent: Latent, psis: readonly number[], opts: { cutoff?: number | null } = {}): Promise<TruncationSweep> {
  checkLatent(model, latent);
  if (psis.length === 0) throw new ArgumentError('truncation sweep: no psi values');
  const n = latent.codes.shape[0];
  const provenance = { kind: 'edit' as const, edit: 'truncation', psis: [...psis], cutoff: opts.cutoff ?? null, source: latent.provenance };
  const perRow = (i: number) => Array.from({ length: psis.length }, () => i);
  const classes = latent.classes ? Array.from({ length: n }, (_, i) => perRow(i)).flat().map((i) => latent.classes![i]) : undefined;
  if (model.architecture === 'dcgan') {
    const zDim = latent.codes.shape[1];
    const out = Tensor.float32([n * psis.length, zDim]);
    for (let i = 0; i < n; i++) {
      psis.forEach((psi, p) => {
        for (let k = 0; k < zDim; k++) out.data[(i * psis.length + p) * zDim + k] = latent.codes.data[i * zDim + k] * psi;
      });
    }
    return { latent: latentFromCodes(model, 'z', out, { provenance }), psis: [...psis], count: n };
  }
  if (latent.noise || latent.noiseMode === 'random') throw new ArgumentError('truncation sweeps render with const or no noise');
  const base = latent.space === 'z' ? await toWs(model, { ...latent, psi: 1, cutoff: null }) : await toWs(model, latent);
  const [, numWs, wDim] = base.shape;
  const size = numWs * wDim;
  const out = Tensor.float32([n * psis.length, numWs, wDim]);
  psis.forEach((psi, p) => {
    const t = truncateWs(model, base, psi, opts.cutoff ?? null);
    for (let i = 0; i < n; i++) out.data.set(t.data.subarray(i * size, (i + 1) * size), (i * psis.length + p) * size);
  });
  return {
    latent: latentFromCodes(model, 'w+', out, { noiseMode: latent.noiseMode, classes, provenance }),
    psis: [...psis],
    count: n,
  };
}
