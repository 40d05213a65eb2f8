import { ArgumentError } from '../core/errors.js';
import { repeatEachRow, Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { makeNoise } from '../models/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import { noiseLayersForRows } from './layerRanges.js';
import { checkLatent, latentFromCodes, type Latent, toWs } from './latent.js';

/** The same codes with another noise mode (explicit maps dropped). */
export function withNoiseMode(latent: Latent, mode: NoiseMode, noiseSeed = 0): Latent {
  return { ...latent, noiseMode: mode, noise: undefined, noiseSeed: mode === 'random' ? noiseSeed : undefined };
}

export interface NoiseVariationOptions {
  /** Variants per latent. */
  count: number;
  /** ws rows whose conv layers get fresh noise (see parseLayerRange); default: every layer. */
  layers?: readonly number[];
  /** Noise of the other layers: the stored const maps (default) or none. */
  baseMode?: 'const' | 'none';
  /** Variant v draws its maps from RandomState(seed + v); every latent shares variant v's maps. */
  seed?: number;
}

export interface NoiseVariations {
  /** Row i * count + v: latent i with variant v's noise (w+, explicit maps for the resampled layers). */
  latent: Latent;
  /** Names of the layers whose noise was resampled. */
  layers: string[];
  count: number;
}

/**
 * Stochastic variation: each latent rendered `count` times with fresh noise only in the chosen layers,
 * which shows what noise controls at each scale (coarse noise moves shapes a little, fine noise only
 * texture and edges).
 */
export async function noiseVariations(model: GanModel, latent: Latent, opts: NoiseVariationOptions): Promise<NoiseVariations> {
  checkLatent(model, latent);
  const count = opts.count;
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`noise variations: count must be a positive integer, got ${count}`);
  const cfg = model.stylegan2();
  const rows = opts.layers ?? cfg.layers.map((l) => l.wsIndex);
  const layers = noiseLayersForRows(model, rows);
  if (layers.length === 0) throw new ArgumentError(`noise variations: ws rows ${rows.join(',')} drive no noisy layer of ${model.name}`);
  const ws = await toWs(model, latent);
  const n = ws.shape[0];
  const codes = repeatEachRow(ws, count);
  const noise: Record<string, Tensor<'float32'>> = {};
  const seed = opts.seed ?? 0;
  const variants = Array.from({ length: count }, (_, v) => makeNoise(model, 1, seed + v));
  for (const name of layers) {
    const r = variants[0][name].shape[2];
    const maps = Tensor.float32([n * count, 1, r, r]);
    for (let i = 0; i < n; i++) for (let v = 0; v < count; v++) maps.data.set(variants[v][name].data, (i * count + v) * r * r);
    noise[name] = maps;
  }
  const classes = latent.classes?.flatMap((c) => Array.from({ length: count }, () => c));
  const result = latentFromCodes(model, 'w+', codes, {
    noiseMode: opts.baseMode ?? 'const',
    noise,
    classes,
    provenance: { kind: 'edit', edit: 'noise', layers, count, seed, source: latent.provenance },
  });
  return { latent: result, layers, count };
}

/**
 * Per-pixel standard deviation over each latent's variants ([N * count, C, H, W] -> [N, C, H, W]),
 * scaled so the largest deviation maps to 1 and zero to -1: the StyleGAN paper's "where noise acts" view.
 */
export function variationStd(images: Tensor, count: number): Tensor<'float32'> {
  const [total, c, h, w] = images.shape;
  if (total % count !== 0) throw new ArgumentError(`variationStd: ${total} images is not a multiple of ${count} variants`);
  const n = total / count;
  const px = c * h * w;
  const src = images.toFloat32().data;
  const out = Tensor.float32([n, c, h, w]);
  // stds in float64 until normalised: a float32 copy can round above the float64 max (1 + 1 ulp)
  const stds = new Float64Array(out.size);
  let max = 0;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < px; p++) {
      let s = 0;
      let s2 = 0;
      for (let v = 0; v < count; v++) {
        const x = src[(i * count + v) * px + p];
        s += x;
        s2 += x * x;
      }
      const mean = s / count;
      const std = Math.sqrt(Math.max(0, s2 / count - mean * mean));
      stds[i * px + p] = std;
      max = Math.max(max, std);
    }
  }
  for (let k = 0; k < out.size; k++) out.data[k] = max > 0 ? (stds[k] / max) * 2 - 1 : -1;
  return out;
}
