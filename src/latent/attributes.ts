import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { argmaxRows, predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { broadcastW, checkLatent, latentFromCodes, latentFromSeeds, type Latent, renderLatent } from './latent.js';

export interface ClassMeansOptions {
  /** Seeds seedStart .. seedStart + samples - 1 are drawn (default 1000 from 0). */
  samples?: number;
  seedStart?: number;
  /** Truncation of the samples (default 1: means of the real distribution). */
  psi?: number;
  /** Samples whose top class probability is below this are left out (default 0.5). */
  minConfidence?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ClassMeans {
  /** w (StyleGAN2) or z (DCGAN). */
  space: 'w' | 'z';
  /** [numClasses, dim]; rows of classes with no sample are zero (count 0). */
  means: Tensor<'float32'>;
  counts: number[];
  labels: readonly string[];
}

/**
 * Mean latent of each class as a classifier sees the samples: draw seeds, render, classify, and average
 * the w (or z) of the confidently classified ones. Differences of these means are attribute vectors
 * ("sneaker" minus "sandal") for unconditional models.
 */
export async function classMeans(model: GanModel, classifier: Classifier, opts: ClassMeansOptions = {}): Promise<ClassMeans> {
  const samples = opts.samples ?? 1000;
  const start = opts.seedStart ?? 0;
  const minConfidence = opts.minConfidence ?? 0.5;
  const space = model.architecture === 'dcgan' ? 'z' : 'w';
  const k = classifier.labelNames.length;
  const chunk = 200;
  let dim = 0;
  let sums = new Float64Array(0);
  const counts = new Array<number>(k).fill(0);
  for (let at = 0; at < samples; at += chunk) {
    const seeds = Array.from({ length: Math.min(chunk, samples - at) }, (_, i) => start + at + i);
    const latent = await latentFromSeeds(model, seeds, { space, psi: opts.psi ?? 1, classes: model.cDim ? seeds.map(() => 0) : undefined });
    const images = await renderLatent(model, latent, { batchSize: opts.batchSize });
    const { probs } = await predict(classifier, images);
    const top = argmaxRows(probs);
    dim = latent.codes.shape[1];
    if (sums.length === 0) sums = new Float64Array(k * dim);
    seeds.forEach((_, i) => {
      if (probs.data[i * k + top[i]] < minConfidence) return;
      counts[top[i]]++;
      for (let d = 0; d < dim; d++) sums[top[i] * dim + d] += latent.codes.data[i * dim + d];
    });
    opts.onProgress?.(Math.min(at + chunk, samples), samples);
  }
  const means = Tensor.float32([k, dim], sums.map((s, i) => s / Math.max(1, counts[Math.floor(i / dim)])));
  return { space, means, counts, labels: classifier.labelNames };
}

/** Index of a class by name (case-insensitive, ignoring non-letters: "ankle boot" = "Ankle boot") or number. */
export function classIndex(labels: readonly string[], name: string): number {
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/^\d+$/.test(name) && Number(name) < labels.length) return Number(name);
  const i = labels.findIndex((l) => key(l) === key(name));
  const j = i >= 0 ? i : labels.findIndex((l) => key(l).startsWith(key(name)));
  if (j < 0) throw new ArgumentError(`no class '${name}' (classes: ${labels.join(', ')})`);
  return j;
}

/** mean(to) - mean(from): the direction that turns class `from` into class `to`. */
export function attributeVector(means: ClassMeans, to: string, from: string): Float32Array {
  const [k, dim] = means.means.shape;
  const a = classIndex(means.labels, to);
  const b = classIndex(means.labels, from);
  for (const c of [a, b]) if (means.counts[c] === 0) throw new ArgumentError(`no confident samples of class '${means.labels[c]}': raise --samples`);
  if (a >= k || b >= k) throw new ArgumentError('class index out of range');
  const out = new Float32Array(dim);
  for (let d = 0; d < dim; d++) out[d] = means.means.data[a * dim + d] - means.means.data[b * dim + d];
  return out;
}

/**
 * latent + strength * vector on every row (w+ latents: on every ws row, or only `layers`). The vector
 * lives in w (StyleGAN2) or z (DCGAN); z latents of a StyleGAN2 must be mapped first (space w or w+).
 */
export function applyAttribute(model: GanModel, latent: Latent, vector: Float32Array, strength: number, layers?: readonly number[]): Latent {
  checkLatent(model, latent);
  if (latent.space === 'z' && model.architecture !== 'dcgan') {
    throw new ArgumentError('attribute vectors live in W: make the latent in space w or w+ (e.g. --space w)');
  }
  const codes = latent.space === 'w' && layers ? broadcastW(latent.codes, model.styleSpace().numWs) : latent.codes;
  const space = latent.space === 'w' && layers ? 'w+' : latent.space;
  const dim = vector.length;
  const vectors = codes.size / dim;
  const perCode = codes.size / codes.shape[0] / dim;
  const moving = new Set(layers ?? Array.from({ length: perCode }, (_, i) => i));
  const out = new Tensor('float32', codes.shape, codes.data.slice());
  for (let v = 0; v < vectors; v++) {
    if (!moving.has(v % perCode)) continue;
    for (let d = 0; d < dim; d++) out.data[v * dim + d] += strength * vector[d];
  }
  return latentFromCodes(model, space, out, {
    psi: latent.psi,
    cutoff: latent.cutoff,
    classes: latent.classes,
    noiseMode: latent.noiseMode,
    noise: latent.noise,
    noiseSeed: latent.noiseSeed,
    provenance: { kind: 'edit', edit: 'attribute', strength, layers: layers ? [...layers] : null, source: latent.provenance },
  });
}
