import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { vjp } from '../graph/autodiff.js';
import { input } from '../graph/value.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, sampleZ } from '../models/generate.js';
import { synthesisGraph } from '../models/stylegan2/synthesis.js';
import { compile } from '../runtime/compile.js';

export interface ConditioningOptions {
  /** Latents (seeds firstSeed..; default 200). */
  num?: number;
  firstSeed?: number;
  /** Random image-space directions per latent (default 8). */
  directions?: number;
  /** Truncation of the latents (default 1). */
  psi?: number;
  /** Seed of the image-space directions (default 0). */
  seed?: number;
  batchSize?: number;
}

export interface ConditioningResult {
  /** |Jᵀy| per latent and direction: [num][directions]. */
  lengths: number[][];
  mean: number;
  std: number;
  /** std / mean: 0 for a perfectly conditioned (scaled-isometric) generator. */
  cv: number;
  percentiles: { p5: number; p50: number; p95: number };
  /** Share of the variance that is between latents (the rest is between directions at one latent). */
  betweenLatentShare: number;
}

/**
 * Jᵀy = ∂⟨G(ws), y⟩/∂ws for a batch: ws [B, numWs, wDim], y [B, C, R, R] → [B, numWs, wDim]
 * (const noise). One compiled program per batch size.
 */
export async function latentGradients(model: GanModel, ws: Tensor, y: Tensor): Promise<Tensor<'float32'>> {
  const cfg = model.stylegan2();
  const b = ws.shape[0];
  const imgShape = [b, model.imgChannels, model.resolution, model.resolution];
  if (ws.rank !== 3 || ws.shape[1] !== cfg.numWs || ws.shape[2] !== cfg.wDim || y.shape.join() !== imgShape.join())
    throw new ShapeError(`latentGradients: ws ${formatShape(ws.shape)} and y ${formatShape(y.shape)} should be [B, ${cfg.numWs}, ${cfg.wDim}] and ${formatShape(imgShape)}`);
  const exe = await model.program(`latentGradients:${b}`, () => {
    const wsIn = input('ws', ws.shape);
    const yIn = input('y', imgShape);
    const img = synthesisGraph(model.generatorWeights().at('synthesis'), cfg, wsIn, { noiseMode: 'const' });
    const [g] = vjp([img], [yIn], [wsIn]);
    return compile({ inputs: [wsIn, yIn], outputs: [g], outputNames: ['g'] });
  });
  return (await exe.runNamed({ ws: ws.toFloat32(), y: y.toFloat32() })).g.toFloat32();
}

/**
 * The well-conditioning check of StyleGAN2's path-length regulariser: for a random image-space
 * direction y ~ N(0, I)/√(H·W) at ws, the length of Jᵀy = ∂⟨G(ws), y⟩/∂ws, as NVIDIA measures it
 * (squared gradient summed over w's dimension, averaged over ws rows, square root). A
 * well-conditioned mapping gives the same length for every latent and direction: a small spread.
 */
export async function conditioning(model: GanModel, o: ConditioningOptions = {}): Promise<ConditioningResult> {
  const cfg = model.stylegan2();
  const num = o.num ?? 200;
  const k = o.directions ?? 8;
  const b = o.batchSize ?? 16;
  if (!Number.isInteger(num) || num < 2) throw new ArgumentError(`conditioning: num must be an integer >= 2, got ${num}`);
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`conditioning: directions must be a positive integer, got ${k}`);
  const { numWs, wDim } = cfg;
  const r = model.resolution;
  const imgShape = [b, model.imgChannels, r, r];
  const seeds = Array.from({ length: num }, (_, i) => (o.firstSeed ?? 0) + i);
  const ws = await mapZ(model, sampleZ(model, seeds), { psi: o.psi ?? 1, batchSize: 500 });
  const rng = new RandomState(o.seed ?? 0);
  const scale = 1 / Math.sqrt(r * r);
  const lengths: number[][] = seeds.map(() => []);
  const jobs: [number, number][] = [];
  for (let i = 0; i < num; i++) for (let j = 0; j < k; j++) jobs.push([i, j]);
  const per = ws.size / num;
  const ySize = imgShape.slice(1).reduce((a, c) => a * c, 1);
  for (let s = 0; s < jobs.length; s += b) {
    const part = jobs.slice(s, s + b);
    const wsFeed = Tensor.float32([b, numWs, wDim]);
    const yFeed = Tensor.float32(imgShape);
    part.forEach(([i], q) => {
      wsFeed.data.set(ws.data.subarray(i * per, (i + 1) * per), q * per);
      const noise = rng.randn(ySize);
      for (let t = 0; t < ySize; t++) yFeed.data[q * ySize + t] = noise[t] * scale;
    });
    const g = (await latentGradients(model, wsFeed, yFeed)).data;
    part.forEach(([i], q) => {
      let acc = 0;
      for (let t = 0; t < per; t++) acc += g[q * per + t] ** 2;
      lengths[i].push(Math.sqrt(acc / numWs)); // sum over wDim, mean over rows
    });
  }
  const all = lengths.flat();
  const mean = all.reduce((a, c) => a + c, 0) / all.length;
  const variance = all.reduce((a, c) => a + (c - mean) ** 2, 0) / (all.length - 1);
  const latentMeans = lengths.map((row) => row.reduce((a, c) => a + c, 0) / row.length);
  const between = latentMeans.reduce((a, c) => a + (c - mean) ** 2, 0) / (num - 1);
  const sorted = [...all].sort((a, c) => a - c);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  return {
    lengths,
    mean,
    std: Math.sqrt(variance),
    cv: Math.sqrt(variance) / mean,
    percentiles: { p5: at(0.05), p50: at(0.5), p95: at(0.95) },
    betweenLatentShare: variance > 0 ? Math.min(1, between / variance) : 0,
  };
}
