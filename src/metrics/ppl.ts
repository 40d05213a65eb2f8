import { ArgumentError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, synthesize } from '../models/generate.js';
import type { PairDistance } from './featureDistance.js';

export interface PplOptions {
  /** 'z': slerp between z's (StyleGAN's PPL in Z); 'w': lerp between mapped w's. */
  space: 'z' | 'w';
  /** Pairs sampled (default 10000; StyleGAN uses 100k, ADA 50k). */
  num?: number;
  /** Step between the two images of a pair (StyleGAN's 1e-4). */
  epsilon?: number;
  /** 'full': t ~ U(0, 1); 'end': t = 0 (path endpoints only). */
  sampling?: 'full' | 'end';
  /** Seed of the z pairs and t (default 0). */
  seed?: number;
  /** Pairs per generator + distance round (default 100). */
  batchSize?: number;
  /** Bootstrap resamples for the confidence interval (default 1000). */
  bootstrap?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PplResult {
  /** Mean of d / ε² over pairs within the 1st–99th percentile (StyleGAN's outlier filter). */
  value: number;
  /** 95 % bootstrap percentile interval of `value` (resampling pairs, filter included). */
  ci95: [number, number];
  /** Standard error of the filtered mean. */
  stderr: number;
  /** Unfiltered mean and median of d / ε². */
  rawMean: number;
  median: number;
  num: number;
  kept: number;
  space: 'z' | 'w';
  epsilon: number;
  sampling: 'full' | 'end';
  distance: string;
  /** d / ε² per pair, in sampling order (pairs, t and seed are shared by Z and W runs). */
  samples: Float64Array;
}

/** NVIDIA's slerp on unit-normalised rows (stylegan2-ada metrics/perceptual_path_length.py). */
export function slerp(a: Float64Array, b: Float64Array, t: number): Float64Array {
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  const ua = a.map((v) => v / na);
  const ub = b.map((v) => v / nb);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += ua[i] * ub[i];
  d = Math.min(1, Math.max(-1, d));
  const p = t * Math.acos(d);
  const c = ub.map((v, i) => v - d * ua[i]);
  const nc = Math.hypot(...c);
  const out = ua.map((v, i) => v * Math.cos(p) + (c[i] / nc) * Math.sin(p));
  const no = Math.hypot(...out);
  return out.map((v) => v / no);
}

/** NumPy percentile with interpolation 'lower' / 'higher' on a sorted array. */
function percentile(sorted: Float64Array, q: number, mode: 'lower' | 'higher'): number {
  const pos = (q / 100) * (sorted.length - 1);
  return sorted[mode === 'lower' ? Math.floor(pos) : Math.ceil(pos)];
}

function filteredMean(values: Float64Array): { mean: number; kept: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  const lo = percentile(sorted, 1, 'lower');
  const hi = percentile(sorted, 99, 'higher');
  const kept = values.filter((v) => v >= lo && v <= hi);
  let s = 0;
  for (const v of kept) s += v;
  return { mean: s / kept.length, kept };
}

/**
 * Perceptual path length (Karras et al. 2019, as in stylegan2-ada-pytorch): for random pairs of
 * latents and t, the perceptual distance between images at t and t + ε along the interpolation
 * path (slerp in Z, lerp in W), divided by ε². Noise is the stored constant maps. DCGANs have only Z.
 */
export async function perceptualPathLength(model: GanModel, distance: PairDistance, o: PplOptions): Promise<PplResult> {
  const num = o.num ?? 10_000;
  const eps = o.epsilon ?? 1e-4;
  const sampling = o.sampling ?? 'full';
  const batch = o.batchSize ?? 100;
  if (!Number.isInteger(num) || num < 10) throw new ArgumentError(`PPL: num must be an integer >= 10, got ${num}`);
  if (!(eps > 0)) throw new ArgumentError(`PPL: epsilon must be positive, got ${eps}`);
  if (o.space === 'w' && !model.hasWSpace) throw new ArgumentError(`PPL: ${model.name} has no W space`);
  if (model.cDim) throw new ArgumentError(`PPL: conditional models are not supported (${model.name})`);
  const zDim = model.zDim;
  const rng = new RandomState(o.seed ?? 0);
  const dist = new Float64Array(num);
  for (let start = 0; start < num; start += batch) {
    const n = Math.min(batch, num - start);
    const z0 = Float64Array.from(rng.randn(n, zDim));
    const z1 = Float64Array.from(rng.randn(n, zDim));
    const ts = sampling === 'full' ? Float64Array.from(rng.rand(n)) : new Float64Array(n);
    let lat: Tensor<'float32'>; // [2n, ...]: rows 0..n-1 at t, n..2n-1 at t + ε
    if (o.space === 'z') {
      const z = Tensor.float32([2 * n, zDim]);
      for (let i = 0; i < n; i++) {
        const a = z0.subarray(i * zDim, (i + 1) * zDim);
        const b = z1.subarray(i * zDim, (i + 1) * zDim);
        z.data.set(slerp(a, b, ts[i]), i * zDim);
        z.data.set(slerp(a, b, ts[i] + eps), (n + i) * zDim);
      }
      lat = model.hasWSpace ? await mapZ(model, z, { batchSize: 2 * n }) : z;
    } else {
      const cfg = model.styleSpace();
      const both = Tensor.float32([2 * n, zDim]);
      both.data.set(z0);
      both.data.set(z1, n * zDim);
      const ws = await mapZ(model, both, { batchSize: 2 * n });
      const { numWs, wDim } = cfg;
      lat = Tensor.float32([2 * n, numWs, wDim]);
      for (let i = 0; i < n; i++) {
        const w0 = ws.data.subarray(i * numWs * wDim, i * numWs * wDim + wDim);
        const w1 = ws.data.subarray((n + i) * numWs * wDim, (n + i) * numWs * wDim + wDim);
        for (const [row, t] of [
          [i, ts[i]],
          [n + i, ts[i] + eps],
        ] as const) {
          for (let r = 0; r < numWs; r++)
            for (let j = 0; j < wDim; j++) lat.data[(row * numWs + r) * wDim + j] = w0[j] + (w1[j] - w0[j]) * t;
        }
      }
    }
    const img = await synthesize(model, lat, { noiseMode: 'const', batchSize: 2 * n });
    const size = img.size / (2 * n);
    const a = new Tensor('float32', [n, ...img.shape.slice(1)], img.data.subarray(0, n * size));
    const b = new Tensor('float32', [n, ...img.shape.slice(1)], img.data.subarray(n * size));
    const d = await distance.distances(a, b);
    for (let i = 0; i < n; i++) dist[start + i] = d[i] / (eps * eps);
    o.onProgress?.(start + n, num);
  }
  const { mean, kept } = filteredMean(dist);
  let v = 0;
  for (const x of kept) v += (x - mean) ** 2;
  const stderr = Math.sqrt(v / (kept.length - 1) / kept.length);
  const boot = new RandomState((o.seed ?? 0) + 1);
  const reps = o.bootstrap ?? 1000;
  const means = new Float64Array(reps);
  const sample = new Float64Array(num);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < num; i++) sample[i] = dist[Math.floor(boot.randomSample() * num)];
    means[r] = filteredMean(sample).mean;
  }
  means.sort();
  let raw = 0;
  for (const x of dist) raw += x / num;
  const sorted = Float64Array.from(dist).sort();
  return {
    value: mean,
    ci95: [percentile(means, 2.5, 'lower'), percentile(means, 97.5, 'higher')],
    stderr,
    rawMean: raw,
    median: sorted[Math.floor(num / 2)],
    num,
    kept: kept.length,
    space: o.space,
    epsilon: eps,
    sampling,
    distance: distance.name,
    samples: dist,
  };
}

export interface PplDifference {
  /** a.value − b.value. */
  difference: number;
  /** 95 % paired-bootstrap interval of the difference (the same pairs resampled for both). */
  ci95: [number, number];
  /** Fraction of bootstrap resamples with a ≤ b. */
  pNotGreater: number;
}

/**
 * Paired comparison of two PPL runs over the same (z0, z1, t) pairs — same seed, num and sampling,
 * e.g. Z vs W: resampling pair indices jointly removes the shared pair-to-pair variance.
 */
export function pplDifference(a: PplResult, b: PplResult, reps = 1000, seed = 0): PplDifference {
  const n = a.samples.length;
  if (b.samples.length !== n || a.sampling !== b.sampling || a.epsilon !== b.epsilon)
    throw new ArgumentError('pplDifference: the runs must share num, sampling and epsilon (and seed)');
  const rng = new RandomState(seed + 2);
  const diffs = new Float64Array(reps);
  const sa = new Float64Array(n);
  const sb = new Float64Array(n);
  let notGreater = 0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.randomSample() * n);
      sa[i] = a.samples[k];
      sb[i] = b.samples[k];
    }
    diffs[r] = filteredMean(sa).mean - filteredMean(sb).mean;
    if (diffs[r] <= 0) notGreater++;
  }
  diffs.sort();
  return { difference: a.value - b.value, ci95: [percentile(diffs, 2.5, 'lower'), percentile(diffs, 97.5, 'higher')], pNotGreater: notGreater / reps };
}
