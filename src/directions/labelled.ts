import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, sampleZ, synthesize } from '../models/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';

export interface LabelledSampleOptions {
  /** Latents in all (seeds firstSeed, firstSeed + 1, ...). */
  num: number;
  firstSeed?: number;
  /** Truncation psi applied when mapping (default 1: the full distribution). */
  psi?: number;
  noiseMode?: NoiseMode;
  /** Latents per generate + classify round (default 500). */
  chunk?: number;
  /** Called after each chunk with the number of latents done. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called per chunk with its images [count, C, H, W] (clamped to [-1, 1]), their classifier logits
   * [count, numClasses] and the index of its first latent: image measures are taken here, so the
   * images of a run never have to be held at once.
   */
  onImages?: (images: Tensor<'float32'>, logits: Tensor<'float32'>, start: number) => void;
}

export interface LabelledSamples {
  seeds: number[];
  /** [N, zDim]. */
  z: Tensor<'float32'>;
  /** [N, wDim] (StyleGAN2; ws rows are all equal without W+ edits), absent for a DCGAN. */
  w?: Tensor<'float32'>;
  /** Classifier log-probabilities [N, numClasses], float64. */
  logProbs: Float64Array;
  numClasses: number;
}

/**
 * Samples latents by seed, renders them (images clamped to [-1, 1] as when written) and labels each
 * with the classifier's class log-probabilities. Memory stays at one chunk of images.
 */
export async function sampleLabelled(model: GanModel, classifier: Classifier, o: LabelledSampleOptions): Promise<LabelledSamples> {
  if (!Number.isInteger(o.num) || o.num < 2) throw new ArgumentError(`labelled samples: num must be an integer >= 2, got ${o.num}`);
  return labelSeedRange(model, classifier, o);
}

/** Latents per generate + classify round of sampleLabelled: a shard of a run starts on a multiple of it. */
export const LABEL_CHUNK = 500;

/**
 * sampleLabelled over any range of seeds (one latent or more): a shard of a distributed run. Ranges that
 * start on a multiple of `chunk` from the run's first seed repeat the run's ONNX Runtime calls exactly.
 */
export async function labelSeedRange(model: GanModel, classifier: Classifier, o: LabelledSampleOptions): Promise<LabelledSamples> {
  const { num, firstSeed = 0, psi = 1, chunk = LABEL_CHUNK } = o;
  if (!Number.isInteger(num) || num < 1) throw new ArgumentError(`labelled samples: num must be a positive integer, got ${num}`);
  if (model.imgChannels !== classifier.config.inChannels)
    throw new ArgumentError(`${model.name} makes ${model.imgChannels}-channel images, ${classifier.name} reads ${classifier.config.inChannels}`);
  const k = classifier.config.numClasses;
  const seeds = Array.from({ length: num }, (_, i) => firstSeed + i);
  const z = sampleZ(model, seeds);
  const sg2 = model.hasWSpace;
  const wDim = sg2 ? model.styleSpace().wDim : 0;
  const w = sg2 ? Tensor.float32([num, wDim]) : undefined;
  const logProbs = new Float64Array(num * k);
  for (let start = 0; start < num; start += chunk) {
    const count = Math.min(chunk, num - start);
    const zc = new Tensor('float32', [count, model.zDim], z.data.subarray(start * model.zDim, (start + count) * model.zDim));
    let img: Tensor<'float32'>;
    if (sg2) {
      const ws = await mapZ(model, zc, { psi, batchSize: chunk });
      const numWs = ws.shape[1];
      for (let i = 0; i < count; i++) w!.data.set(ws.data.subarray(i * numWs * wDim, i * numWs * wDim + wDim), (start + i) * wDim);
      img = await synthesize(model, ws, { noiseMode: o.noiseMode ?? 'const', batchSize: 100 });
    } else img = await synthesize(model, zc, { batchSize: 100 });
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(-1, d[i]));
    const { logits } = await predict(classifier, img, { batchSize: 100 });
    o.onImages?.(img, logits, start);
    for (let i = 0; i < count; i++) {
      const row = logits.data.subarray(i * k, (i + 1) * k);
      let m = -Infinity;
      for (const v of row) m = Math.max(m, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < k; j++) logProbs[(start + i) * k + j] = row[j] - lse;
    }
    o.onProgress?.(start + count, num);
  }
  return { seeds, z, w, logProbs, numClasses: k };
}

/**
 * An attribute's score per sample: log of the summed probability of its classes (a monotone
 * function of the probability that, unlike it, still ranks the near-zero bottom of the list).
 */
export function attributeScores(s: Pick<LabelledSamples, 'logProbs' | 'numClasses'>, classes: readonly number[]): Float64Array {
  const k = s.numClasses;
  const n = s.logProbs.length / k;
  if (!classes.length) throw new ArgumentError('an attribute needs at least one class');
  for (const c of classes) if (!Number.isInteger(c) || c < 0 || c >= k) throw new ArgumentError(`class ${c} is out of range 0..${k - 1}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (const c of classes) m = Math.max(m, s.logProbs[i * k + c]);
    let sum = 0;
    for (const c of classes) sum += Math.exp(s.logProbs[i * k + c] - m);
    out[i] = m + Math.log(sum);
  }
  return out;
}
