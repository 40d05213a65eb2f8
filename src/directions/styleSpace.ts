import { ArgumentError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { concatRows, Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { computeStyles, mapZ, sampleZ, synthesize } from '../models/generate.js';
import { styleChannel, type StyleLayout, styleLayout } from '../models/stylegan2/styles.js';
import { type AttributeSpec, classProbability, scoreChunk } from './attributes.js';

/**
 * StyleSpace gradients (Wu et al., "StyleSpace analysis", CVPR 2021): how each style channel moves
 * each attribute and each class, estimated through the generator by random central differences in
 * S, in units of each channel's std σⱼ over sampled w (StyleSpace's normalisation): for sample i and a
 * Gaussian probe uᵢ, E[(a(sᵢ + εσ⊙uᵢ) − a(sᵢ − εσ⊙uᵢ)) / 2ε · uᵢ] = E[σ ⊙ ∇ₛa].
 */
export interface StyleGradientOptions {
  num?: number;
  firstSeed?: number;
  /**
   * Half-width of the central difference in channel stds (default 0.05; every channel moves at
   * once, so the step is ε·|σ| ≈ 1.3 in S on the 32² model: the network is piecewise linear and a
   * larger step crosses more kinks).
   */
  epsilon?: number;
  seed?: number;
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface StyleGradientEstimate {
  layout: StyleLayout;
  specs: AttributeSpec[];
  /** Std of each style channel over the sampled w [dim] (the sigma of a one-channel edit). */
  std: Float64Array;
  /** Sampled styles [num, dim] (sigma of many-channel directions). */
  styles: Tensor<'float32'>;
  /** Per spec: mean over samples of σ ⊙ ∇ₛa [dim] (per one-std move of each channel). */
  grads: Float64Array[];
  /** Per class c: the mean of σ ⊙ ∇ₛ log p(c) over the samples whose top class is c. */
  ownClassGrads: Float64Array[];
  /** Per class k: the mean of σ ⊙ ∇ₛ p(k) over every sample (class directions). */
  probGrads: Float64Array[];
  classCounts: Int32Array;
  classNames: readonly string[];
  classifier: string;
  epsilon: number;
  num: number;
  firstSeed: number;
  model: { name: string; contentHash: string };
  /** Per class c: the mean over its samples of (σ ⊙ ∇ₛ log p(c))², per channel (exact estimates only: per-sample side effects). */
  ownClassMeanSquares?: Float64Array[];
  /** Specs whose gradients are exact (reverse mode, exactStyleAttributeGradients) rather than probed, and their sample count. */
  exactSpecs?: string[];
  exactNum?: number;
  /**
   * Per spec, the class gradients its side effect is measured with, when not ownClassGrads /
   * classCounts: a probed gain is compared with a side effect from the same probes (against an exact
   * side effect, channels that do nothing — side exactly 0 — would win on probe noise alone).
   */
  specSides?: ({ ownClassGrads: Float64Array[]; classCounts: Int32Array } | null)[];
}

/** ws and styles of seeds firstSeed.. (untruncated), and each style channel's std over them. */
export async function sampleStyles(model: GanModel, num: number, firstSeed: number): Promise<{ ws: Tensor<'float32'>; styles: Tensor<'float32'>; std: Float64Array }> {
  const ws = await mapZ(model, sampleZ(model, Array.from({ length: num }, (_, i) => firstSeed + i)), { batchSize: 500 });
  const styles = await computeStyles(model, ws);
  const d = styles.shape[1];
  const std = new Float64Array(d);
  const mean = new Float64Array(d);
  for (let i = 0; i < num; i++) for (let j = 0; j < d; j++) mean[j] += styles.data[i * d + j] / num;
  for (let i = 0; i < num; i++) for (let j = 0; j < d; j++) std[j] += (styles.data[i * d + j] - mean[j]) ** 2 / (num - 1);
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]);
  return { ws, styles, std };
}

function logSoftmaxRow(logits: Tensor, row: number, k: number): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < k; j++) m = Math.max(m, Number(logits.data[row * k + j]));
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(Number(logits.data[row * k + j]) - m);
  const ls = Math.log(s);
  return Float64Array.from({ length: k }, (_, j) => Number(logits.data[row * k + j]) - m - ls);
}

/** Gradients in S of `specs`, of each class's own log-probability and of every class probability (labelled by `classifier`). */
export async function estimateStyleGradients(
  model: GanModel,
  classifier: Classifier,
  specs: readonly AttributeSpec[],
  o: StyleGradientOptions = {},
): Promise<StyleGradientEstimate> {
  const num = o.num ?? 3000;
  const eps = o.epsilon ?? 0.05;
  const chunk = o.chunk ?? 200;
  if (model.architecture !== 'stylegan2') throw new ArgumentError(`StyleSpace directions: ${model.name} is a ${model.architecture}; StyleSpace is implemented for StyleGAN2`);
  if (!(eps > 0)) throw new ArgumentError(`StyleSpace directions: epsilon must be positive, got ${eps}`);
  if (!Number.isInteger(num) || num < 2) throw new ArgumentError(`StyleSpace directions: needs at least 2 samples, got ${num}`);
  const layout = styleLayout(model.stylegan2());
  const d = layout.dim;
  const k = classifier.config.numClasses;
  const firstSeed = o.firstSeed ?? 0;
  const { ws, styles, std } = await sampleStyles(model, num, firstSeed);
  const grads = specs.map(() => new Float64Array(d));
  const ownClassGrads = Array.from({ length: k }, () => new Float64Array(d));
  const probGrads = Array.from({ length: k }, () => new Float64Array(d));
  const classCounts = new Int32Array(k);
  const rng = new RandomState(o.seed ?? 0);
  const { numWs, wDim } = model.stylegan2();
  for (let start = 0; start < num; start += chunk) {
    const count = Math.min(chunk, num - start);
    const u = rng.randn(count, d);
    const part = new Tensor('float32', [count, numWs, wDim], ws.data.slice(start * numWs * wDim, (start + count) * numWs * wDim));
    const offsets = Tensor.float32([2 * count, d]); // [+eps side; -eps side]
    for (let i = 0; i < count; i++)
      for (let j = 0; j < d; j++) {
        const step = eps * std[j] * u[i * d + j];
        offsets.data[i * d + j] = step;
        offsets.data[(count + i) * d + j] = -step;
      }
    const img = await synthesize(model, concatRows([part, part]), { noiseMode: 'const', batchSize: 100, styleOffsets: offsets });
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
    const { logits } = await predict(classifier, img, { batchSize: 100 });
    const scores = scoreChunk(specs, img, logits);
    const probs = Array.from({ length: k }, (_, c) => classProbability(logits, c));
    const add = (g: Float64Array, slope: number, i: number, scale: number) => {
      for (let j = 0; j < d; j++) g[j] += (slope * u[i * d + j]) / scale;
    };
    for (let i = 0; i < count; i++) {
      const lp = logSoftmaxRow(logits, i, k);
      const lm = logSoftmaxRow(logits, count + i, k);
      let top = 0;
      for (let c = 1; c < k; c++) if (lp[c] + lm[c] > lp[top] + lm[top]) top = c;
      classCounts[top]++;
      scores.forEach((col, a) => add(grads[a], (col[i] - col[count + i]) / (2 * eps), i, num));
      add(ownClassGrads[top], (lp[top] - lm[top]) / (2 * eps), i, 1);
      for (let c = 0; c < k; c++) add(probGrads[c], (probs[c][i] - probs[c][count + i]) / (2 * eps), i, num);
    }
    o.onProgress?.(start + count, num);
  }
  for (let c = 0; c < k; c++) if (classCounts[c] > 0) for (let j = 0; j < d; j++) ownClassGrads[c][j] /= classCounts[c];
  return {
    layout,
    specs: [...specs],
    std,
    styles,
    grads,
    ownClassGrads,
    probGrads,
    classCounts,
    classNames: classifier.labelNames,
    classifier: classifier.name,
    epsilon: eps,
    num,
    firstSeed,
    model: { name: model.name, contentHash: model.manifest.contentHash },
  };
}

/** A style channel chosen for a direction: its name, flat index and scores. */
export interface ChosenChannel {
  channel: string;
  index: number;
  /** Target change per one-std move of the channel (mean over samples). */
  gain: number;
  /** Side effect per one-std move (what the score divides by). */
  side: number;
}

/**
 * StyleSpace's locally-active channels for one target: the `k` channels with the largest
 * |gain| / (side + τ) (τ = the median side effect, so a channel that barely moves anything is not
 * chosen for a ratio of two noises), among channels whose |gain| is at least `minGain` of the largest.
 */
export function chooseChannels(layout: StyleLayout, gain: Float64Array, side: Float64Array, k: number, minGain = 0.25): ChosenChannel[] {
  const d = gain.length;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new ArgumentError(`StyleSpace directions: channels must be 1..${d}, got ${k}`);
  const tau = [...side].sort((a, b) => a - b)[Math.floor(d / 2)];
  const top = Math.max(...Array.from(gain, Math.abs));
  const ranked = Array.from({ length: d }, (_, j) => j)
    .filter((j) => Math.abs(gain[j]) >= minGain * top)
    .sort((a, b) => Math.abs(gain[b]) / (side[b] + tau) - Math.abs(gain[a]) / (side[a] + tau) || a - b);
  return ranked.slice(0, k).map((j) => ({ channel: styleChannel(layout, j).name, index: j, gain: gain[j], side: side[j] }));
}

/**
 * A unit direction on chosen channels, in raw S, along the target's steepest ascent within them:
 * metric 'std' (attribute knobs) measures distance in channel stds, so channel j moves by gainⱼ·σⱼ;
 * 'raw' (class directions, compared at one Euclidean distance in S) by gainⱼ/σⱼ = ∂target/∂sⱼ.
 * One channel: the unit vector of that channel either way, so its sigma is the channel's std.
 */
export function channelDirection(est: Pick<StyleGradientEstimate, 'std' | 'layout'>, chosen: readonly ChosenChannel[], metric: 'std' | 'raw' = 'std'): Float64Array {
  const v = new Float64Array(est.layout.dim);
  let n = 0;
  for (const c of chosen) {
    v[c.index] = metric === 'std' ? c.gain * est.std[c.index] : c.gain / est.std[c.index];
    n += v[c.index] ** 2;
  }
  n = Math.sqrt(n);
  if (!(n > 0)) throw new ArgumentError('StyleSpace direction: the chosen channels have no gain');
  return v.map((x) => x / n);
}
