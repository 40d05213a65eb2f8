import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { RandomState } from '../core/rng.js';
import { grad } from '../graph/autodiff.js';
import { reshape } from '../graph/ops/movement.js';
import type { Program } from '../graph/program.js';
import { constant, input, type Value } from '../graph/value.js';
import type { LatentSpace } from '../latent/latent.js';
import { batchRows } from '../models/batching.js';
import type { GanModel } from '../models/ganModel.js';
import { dcganGenerate } from '../models/dcgan/networks.js';
import { broadcastWs, mapToW } from '../models/stylegan2/mapping.js';
import { styleSynthesis } from '../models/styleGraph.js';
import { compile, type Executable } from '../runtime/compile.js';
import { keepsPages } from '../runtime/mallocEnv.js';
import { type FeatureNets, featureTaps, type LossTerm, LOSS_TERMS, projectionLoss } from './losses.js';
import { expand } from '../graph/ops/movement.js';
import { mul } from '../graph/ops/elementwise.js';

/** What one gradient program is built for: it is compiled once per model and spec. */
export interface ProjectionSpec {
  space: LatentSpace;
  batch: number;
  /** Optimise StyleGAN2 noise maps (fed as inputs, gradients returned); else the stored const maps. */
  optimizeNoise: boolean;
  /** Non-zero loss weights (see activeTerms). */
  terms: Partial<Record<LossTerm, number>>;
  nets: FeatureNets;
  /** Z space: truncation applied by the mapping network. */
  psi: number;
  cutoff: number | null;
  /** The prior's mean, one code without the batch axis (w_avg for W/W+, zeros for Z). */
  latentMean: Tensor<'float32'>;
}

/** Noisy synthesis layers of a StyleGAN2 model, in a fixed order. */
export function noiseLayers(model: GanModel): { name: string; resolution: number }[] {
  if (model.architecture !== 'stylegan2') return [];
  return model
    .stylegan2()
    .layers.filter((l) => l.kind === 'conv')
    .map((l) => ({ name: l.name, resolution: l.resolution }));
}

function codeDims(model: GanModel, space: LatentSpace): number[] {
  if (model.architecture === 'dcgan') {
    if (space !== 'z') throw new ArgumentError(`${model.name} is a DCGAN: it can only be projected into z (got ${space})`);
    return [model.dcgan().nz];
  }
  const cfg = model.styleSpace();
  if (cfg.cDim > 0) throw new ArgumentError(`${model.name} is conditional: projection supports unconditional models only`);
  return space === 'z' ? [cfg.zDim] : space === 'w' ? [cfg.wDim] : [cfg.numWs, cfg.wDim];
}

/** latent → image [N, C, R, R] for the space, with explicit noise maps where given. */
function generate(model: GanModel, spec: ProjectionSpec, latent: Value, noise: Record<string, Value>): Value {
  const g = model.generatorWeights();
  if (model.architecture === 'dcgan') return dcganGenerate(g.at(''), model.dcgan(), latent);
  const cfg = model.styleSpace();
  const n = latent.shape[0];
  let ws: Value;
  if (spec.space === 'w+') ws = latent;
  else if (spec.space === 'w') ws = expand(reshape(latent, [n, 1, cfg.wDim]), [n, cfg.numWs, cfg.wDim]);
  else ws = broadcastWs(g.at('mapping'), cfg, mapToW(g.at('mapping'), cfg, latent), { psi: spec.psi, cutoff: spec.cutoff });
  return styleSynthesis(model, ws, { noiseMode: 'const', noise });
}

/**
 * The projection program: inputs `latent`, `noise:<layer>` (when optimised), `target`, `mask`,
 * `feat:<tap>` (target features); outputs `loss` (batch sum), `perImage` [N], one [N] output per
 * active term (`term:mse`...), the image `img`, and gradients `grad:latent`, `grad:noise:<layer>`.
 */
export function projectionProgram(model: GanModel, spec: ProjectionSpec): Program {
  const n = spec.batch;
  const c = model.imgChannels;
  const r = model.resolution;
  const latent = input('latent', [n, ...codeDims(model, spec.space)]);
  const noise: Record<string, Value> = {};
  if (spec.optimizeNoise) {
    if (model.architecture !== 'stylegan2') throw new ArgumentError(`${model.name} has no noise maps to optimise`);
    for (const l of noiseLayers(model)) noise[l.name] = input(`noise:${l.name}`, [n, 1, l.resolution, l.resolution]);
  }
  const target = input('target', [n, c, r, r]);
  const mask = input('mask', [n, 1, r, r]);
  const image = generate(model, spec, latent, noise);
  const targetFeatures: Record<string, Value> = {};
  const featInputs: Value[] = [];
  // Shapes of the taps come from tracing them on the target; the values are fed from featureProgram.
  for (const [name, v] of Object.entries(featureTaps(model, spec.terms, spec.nets, target))) {
    const f = input(`feat:${name}`, v.shape);
    targetFeatures[name] = f;
    featInputs.push(f);
  }
  const latentMean = constant(reshape1(spec.latentMean, [1, ...spec.latentMean.shape]), 'latent_mean');
  const loss = projectionLoss(model, spec.terms, spec.nets, {
    image,
    target,
    mask,
    targetFeatures,
    noise: Object.values(noise),
    latent,
    latentMean,
  });
  const wrt = [latent, ...Object.values(noise)];
  const grads = grad(loss.total, wrt);
  const termNames = LOSS_TERMS.filter((k) => loss.terms[k]);
  return {
    inputs: [latent, ...Object.values(noise), target, mask, ...featInputs],
    outputs: [loss.total, loss.perImage, ...termNames.map((k) => loss.terms[k]!), image, ...grads],
    outputNames: ['loss', 'perImage', ...termNames.map((k) => `term:${k}`), 'img', 'grad:latent', ...Object.keys(noise).map((k) => `grad:noise:${k}`)],
  };
}

function reshape1(t: Tensor<'float32'>, shape: number[]): Tensor<'float32'> {
  return Tensor.float32(shape, t.data);
}

/** Target features program: image, mask → features of mask·image by tap name (`feat:<tap>`). */
export function featureProgram(model: GanModel, spec: ProjectionSpec): Program {
  const n = spec.batch;
  const img = input('img', [n, model.imgChannels, model.resolution, model.resolution]);
  const mask = input('mask', [n, 1, model.resolution, model.resolution]);
  const taps = featureTaps(model, spec.terms, spec.nets, mul(img, mask));
  return { inputs: [img, mask], outputs: Object.values(taps), outputNames: Object.keys(taps).map((k) => `feat:${k}`) };
}

export function specKey(spec: ProjectionSpec): string {
  const terms = LOSS_TERMS.filter((k) => spec.terms[k]).map((k) => `${k}=${spec.terms[k]}`);
  const nets = [spec.nets.vgg ? `vgg=${spec.nets.vgg.id}:${(spec.nets.vgg.layers ?? []).join('+')}` : '', spec.nets.classifier ? `clf=${spec.nets.classifier.manifest.contentHash}` : ''];
  let meanHash = 0;
  for (let i = 0; i < spec.latentMean.size; i++) meanHash = (meanHash * 31 + Math.round(spec.latentMean.data[i] * 1e6)) | 0;
  return `project:${spec.space}:${spec.batch}:${spec.optimizeNoise}:${spec.psi}:${spec.cutoff}:${terms.join(',')}:${nets.join(',')}:${meanHash}`;
}

/**
 * The compiled projection program (cached on the model by spec). From 512 px up, ORT's 'extended'
 * level, not 'all': the NCHWc layout pass adds reordered copies of activations that the backward pass
 * keeps alive (1024x1024 StyleGAN2: peak 4.56 GiB with 'all', 3.74 GiB with 'extended', steps no
 * slower). Below that the copies are small, and 'all' keeps the numerics every smaller model's
 * projections were measured with (the level changes float rounding, and L-BFGS paths with it).
 */
export function projectionExecutable(model: GanModel, spec: ProjectionSpec): Promise<Executable> {
  const optimization = model.resolution >= LAYOUT_COPIES_MATTER_FROM ? 'extended' : 'all';
  const memoryArena = projectionDropsArena(model.resolution) ? false : undefined;
  return model.program(specKey(spec), () => compile(projectionProgram(model, spec), { optimization, memoryArena }));
}

/**
 * Whether a projection at this resolution runs without ORT's arena: from 512 px, when malloc keeps
 * freed pages mapped (runtime/mallocEnv.ts; the CLI's `project` and `encode` start themselves so).
 * 1024x1024 StyleGAN2: peak 3.07 GiB against 3.64-3.66 GiB with the arena, and steps no slower; with
 * glibc's defaults instead, every step faulted its ~3 GB of activations in afresh (6x the CPU time).
 */
export function projectionDropsArena(resolution: number, env: NodeJS.ProcessEnv = process.env): boolean {
  return resolution >= LAYOUT_COPIES_MATTER_FROM && keepsPages(env);
}

/** Resolution from which the NCHWc layout copies dominate a projection's memory peak. */
const LAYOUT_COPIES_MATTER_FROM = 512;

/** The compiled target-feature program, or null when no perceptual term is active. */
export function featureExecutable(model: GanModel, spec: ProjectionSpec): Promise<Executable> | null {
  if (!spec.terms.vgg && !spec.terms.classifier && !spec.terms.discriminator) return null;
  return model.program(`features:${specKey(spec)}`, () => compile(featureProgram(model, spec)));
}

/** NVIDIA's starting point statistics: w_avg of `samples` mapped z from RandomState(123), the scalar w_std, and the z nearest w_avg. */
export interface LatentStats {
  /** [wDim] (StyleGAN2) or [zDim] zeros (DCGAN). */
  wAvg: Tensor<'float32'>;
  /** RMS distance of a sample from the mean: sqrt(Σ‖w − w_avg‖² / samples). */
  wStd: number;
  /** The sampled z whose w lies nearest w_avg (the Z-space starting point), [zDim]. */
  zNearest: Tensor<'float32'>;
}

const statsCache = new WeakMap<GanModel, Map<number, Promise<LatentStats>>>();

/** projector.py's w_avg / w_std (cached per model and sample count). DCGAN: z ~ N(0, I), mean 0, std sqrt(nz). */
export function latentStats(model: GanModel, samples = 10_000): Promise<LatentStats> {
  let byCount = statsCache.get(model);
  if (!byCount) statsCache.set(model, (byCount = new Map()));
  let p = byCount.get(samples);
  if (!p) {
    p = computeStats(model, samples);
    byCount.set(samples, p);
  }
  return p;
}

async function computeStats(model: GanModel, samples: number): Promise<LatentStats> {
  if (!Number.isInteger(samples) || samples < 2) throw new ArgumentError(`w_avg samples must be an integer >= 2, got ${samples}`);
  if (model.architecture === 'dcgan') {
    const nz = model.dcgan().nz;
    return { wAvg: Tensor.float32([nz]), wStd: Math.sqrt(nz), zNearest: Tensor.float32([nz]) };
  }
  const cfg = model.styleSpace();
  if (cfg.cDim > 0) throw new ArgumentError(`${model.name} is conditional: w_avg needs class labels (projection supports unconditional models only)`);
  const z = Tensor.float32([samples, cfg.zDim], new RandomState(123).standardNormalFloat32([samples, cfg.zDim]));
  const d = cfg.wDim;
  // Mapped 500 at a time (the last batch padded by repeating its last row) by a mapping program of its
  // own that returns one w per sample (not [numWs] broadcast copies), into one reused buffer, and closed
  // afterwards: outputs left to the runtime stayed in its arena until collected, and the arena stayed
  // with the session (1024x1024: +0.2 GiB resident through the projection that followed).
  const w = new Float32Array(samples * d);
  const batch = Math.min(500, samples);
  const zIn = input('z', [batch, cfg.zDim]);
  const exe = await compile({ inputs: [zIn], outputs: [mapToW(model.generatorWeights().at('mapping'), cfg, zIn)], outputNames: ['w'] });
  const out = { w: Tensor.float32([batch, d]) };
  try {
    for (let start = 0; start < samples; start += batch) {
      const count = Math.min(batch, samples - start);
      await exe.runNamed({ z: batchRows(z, start, count, batch) }, out);
      w.set(out.w.data.subarray(0, count * d), start * d);
    }
  } finally {
    await exe.release();
  }
  const mean = new Float64Array(d);
  for (let s = 0; s < samples; s++) for (let k = 0; k < d; k++) mean[k] += w[s * d + k];
  for (let k = 0; k < d; k++) mean[k] /= samples;
  let total = 0;
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let s = 0; s < samples; s++) {
    let dist = 0;
    for (let k = 0; k < d; k++) dist += (w[s * d + k] - mean[k]) ** 2;
    total += dist;
    if (dist < bestDist) [best, bestDist] = [s, dist];
  }
  return {
    wAvg: Tensor.float32([d], mean),
    wStd: Math.sqrt(total / samples),
    zNearest: Tensor.float32([cfg.zDim], z.data.subarray(best * cfg.zDim, (best + 1) * cfg.zDim)),
  };
}
