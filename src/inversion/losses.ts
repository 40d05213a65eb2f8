import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { abs, add, div, mul, sub } from '../graph/ops/elementwise.js';
import { concat, reshape, slice } from '../graph/ops/movement.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import type { Value } from '../graph/value.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { classify } from '../models/classifier/network.js';
import type { GanModel } from '../models/ganModel.js';
import { discriminatorGraph } from '../models/stylegan2/discriminator.js';
import type { VggConfig } from '../models/vgg/config.js';
import { imagenetNormalize, vggFeatures } from '../models/vgg/features.js';
import type { Weights } from '../nn/weights.js';

/** Image2StyleGAN's perceptual layers (conv1_1, conv1_2, conv3_2, conv4_2, after their ReLUs). */
export const IMAGE2STYLEGAN_LAYERS = Object.freeze(['relu1_1', 'relu1_2', 'relu3_2', 'relu4_2']);

/** Weights of the projection loss terms; a missing or zero weight drops the term from the graph. */
export interface LossWeights {
  /** Pixel mean squared error on [-1, 1] images (inside the mask). */
  mse?: number;
  /** Pixel mean absolute error. */
  l1?: number;
  /** VGG16 perceptual loss: Σ over layers of the mean squared feature difference (needs `FeatureNets.vgg`). */
  vgg?: number;
  /** Attribute-classifier feature loss: mean squared difference of its 128-d features (needs `FeatureNets.classifier`). */
  classifier?: number;
  /** Discriminator-feature loss: Σ over D blocks of the mean squared feature difference (needs the model's D). */
  discriminator?: number;
  /** NVIDIA's multi-scale noise autocorrelation penalty over the optimised noise maps (projector.py: 1e5). */
  noise?: number;
  /** L2 prior λ·‖latent − mean‖² (mean = w_avg in W/W+, 0 in Z; sketch2image uses λ ≈ 0.1). */
  prior?: number;
}

export const LOSS_TERMS = ['mse', 'l1', 'vgg', 'classifier', 'discriminator', 'noise', 'prior'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

/** A user-supplied torchvision VGG16 `features` state dict (see inferVggConfig). */
export interface VggNet {
  weights: Weights;
  config: VggConfig;
  /** Tap names; default IMAGE2STYLEGAN_LAYERS. */
  layers?: readonly string[];
  /** Names the weights in program cache keys (a path or a hash). */
  id: string;
}

/** Networks whose features the perceptual terms compare. */
export interface FeatureNets {
  vgg?: VggNet;
  classifier?: Classifier;
}

/** The weights that are non-zero, checked: finite and >= 0, and every needed network present. */
export function activeTerms(model: GanModel, w: LossWeights, nets: FeatureNets): Partial<Record<LossTerm, number>> {
  const out: Partial<Record<LossTerm, number>> = {};
  for (const [k, v] of Object.entries(w)) {
    if (!(LOSS_TERMS as readonly string[]).includes(k)) throw new ArgumentError(`unknown loss term '${k}' (have ${LOSS_TERMS.join(', ')})`);
    if (v === undefined || v === 0) continue;
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ArgumentError(`loss weight ${k} must be a finite number >= 0, got ${v}`);
    out[k as LossTerm] = v;
  }
  if (out.vgg && !nets.vgg) throw new ArgumentError('the vgg loss needs VGG16 weights (a torchvision vgg16 state dict, CLI --vgg FILE)');
  if (out.classifier && !nets.classifier) throw new ArgumentError('the classifier loss needs a classifier bundle (CLI --classifier DIR)');
  if (out.classifier && nets.classifier && nets.classifier.config.inChannels !== model.imgChannels) {
    throw new ArgumentError(`${nets.classifier.name} takes ${nets.classifier.config.inChannels}-channel images, ${model.name} makes ${model.imgChannels}`);
  }
  if (out.discriminator) {
    if (model.architecture !== 'stylegan2') throw new ArgumentError(`the discriminator-feature loss needs a StyleGAN2 D; ${model.name} is a ${model.architecture}`);
    if (!model.d) throw new ArgumentError(`${model.name} has no discriminator for the discriminator-feature loss`);
  }
  if (Object.keys(out).every((k) => k === 'noise' || k === 'prior')) {
    throw new ArgumentError('projection needs at least one image loss (mse, l1, vgg, classifier or discriminator)');
  }
  return out;
}

/** VGG input: grey images repeated to RGB, [-1, 1] → ImageNet-normalised; area-downsampled to ≤ 256 px as NVIDIA does. */
function vggInput(img: Value): Value {
  let x = img.shape[1] === 1 ? concat([img, img, img], 1) : img;
  const r = x.shape[2];
  if (r > 256) {
    const f = r / 256;
    if (!Number.isInteger(f)) throw new ShapeError(`VGG loss: cannot area-downsample ${r} px to 256 px by an integer factor`);
    const [n, c] = x.shape;
    x = reduceMean(reshape(x, [n, c, 256, f, 256, f]), [3, 5]);
  }
  return imagenetNormalize(x, 'signed');
}

/**
 * Feature taps of the perceptual terms for images [N, C, R, R] in [-1, 1], by name
 * (`vgg:relu1_1`, `classifier`, `d:0`...). Each tap is [N, ...]; the loss compares them per image.
 */
export function featureTaps(model: GanModel, terms: Partial<Record<LossTerm, number>>, nets: FeatureNets, img: Value): Record<string, Value> {
  const taps: Record<string, Value> = {};
  if (terms.vgg) {
    const vgg = nets.vgg!;
    const feats = vggFeatures(vgg.weights.at('features'), vgg.config, vggInput(img), vgg.layers ?? IMAGE2STYLEGAN_LAYERS);
    for (const [k, v] of Object.entries(feats)) taps[`vgg:${k}`] = v;
  }
  if (terms.classifier) {
    const c = nets.classifier!;
    taps.classifier = classify(c.weights().at(''), c.config, img).features;
  }
  if (terms.discriminator) {
    const feats: Value[] = [];
    discriminatorGraph(model.discriminatorWeights().at(''), model.discriminatorConfig(), img, null, feats);
    feats.forEach((f, i) => {
      taps[`d:${i}`] = f;
    });
  }
  return taps;
}

/** Mean over every axis but the batch: [N, ...] → [N]. */
function perImageMean(x: Value): Value {
  return x.rank === 1 ? x : reduceMean(x, Array.from({ length: x.rank - 1 }, (_, i) => i + 1));
}

/** Σ_i M·f(x̂ − x) / (C·Σ M) per image: the pixel loss where the mask is 1, 0 elsewhere. */
function maskedPixelLoss(diff: Value, mask: Value, kind: 'mse' | 'l1'): Value {
  const e = kind === 'mse' ? mul(diff, diff) : abs(diff);
  const num = reduceSum(mul(e, mask), [1, 2, 3]);
  const area = add(mul(reduceSum(mask, [1, 2, 3]), diff.shape[1]), 1e-8);
  return div(num, area); // [N]
}

export interface LossInputs {
  /** Generated images [N, C, R, R]. */
  image: Value;
  target: Value;
  /** [N, 1, R, R], 1 where the loss counts. */
  mask: Value;
  /** Target features by tap name (from `featureTaps` on mask·target). */
  targetFeatures: Readonly<Record<string, Value>>;
  /** Optimised noise maps [N, 1, r, r]. */
  noise: readonly Value[];
  /** The optimised latent and the prior's mean (broadcastable). */
  latent: Value;
  latentMean: Value;
}

/** Per-image loss terms ([N] each) and their weighted sum over the batch (a scalar). */
export function projectionLoss(
  model: GanModel,
  terms: Partial<Record<LossTerm, number>>,
  nets: FeatureNets,
  x: LossInputs,
): { total: Value; perImage: Value; terms: Partial<Record<LossTerm, Value>> } {
  const [n, c, r] = x.target.shape;
  if (x.mask.rank !== 4 || x.mask.shape[0] !== n || x.mask.shape[1] !== 1 || x.mask.shape[2] !== r || x.mask.shape[3] !== r) {
    throw new ShapeError(`mask should be [${n}, 1, ${r}, ${r}], got ${formatShape(x.mask.shape)}`);
  }
  if (x.image.shape.join() !== x.target.shape.join() || c !== model.imgChannels) {
    throw new ShapeError(`target ${formatShape(x.target.shape)} does not match generated images ${formatShape(x.image.shape)}`);
  }
  const out: Partial<Record<LossTerm, Value>> = {};
  const diff = sub(x.image, x.target);
  if (terms.mse) out.mse = maskedPixelLoss(diff, x.mask, 'mse');
  if (terms.l1) out.l1 = maskedPixelLoss(diff, x.mask, 'l1');
  const featureTerms = { vgg: terms.vgg, classifier: terms.classifier, discriminator: terms.discriminator };
  if (terms.vgg || terms.classifier || terms.discriminator) {
    const taps = featureTaps(model, featureTerms, nets, mul(x.image, x.mask));
    const sums: Record<string, Value[]> = {};
    for (const [name, f] of Object.entries(taps)) {
      const t = x.targetFeatures[name];
      if (!t) throw new ArgumentError(`missing target features '${name}'`);
      const d = sub(f, t);
      const group = name.startsWith('vgg:') ? 'vgg' : name.startsWith('d:') ? 'discriminator' : 'classifier';
      (sums[group] ??= []).push(perImageMean(mul(d, d)));
    }
    for (const [group, parts] of Object.entries(sums)) out[group as LossTerm] = parts.reduce((a, b) => add(a, b));
  }
  if (terms.noise && x.noise.length) out.noise = noiseRegularization(x.noise);
  if (terms.prior) {
    const d = sub(x.latent, x.latentMean);
    const sq = mul(d, d);
    out.prior = reduceSum(sq, Array.from({ length: sq.rank - 1 }, (_, i) => i + 1));
  }
  let perImage: Value | null = null;
  for (const k of LOSS_TERMS) {
    const v = out[k];
    if (!v) continue;
    const weighted = mul(v, terms[k]!);
    perImage = perImage ? add(perImage, weighted) : weighted;
  }
  return { total: reduceSum(perImage!), perImage: perImage!, terms: out };
}

/** torch.roll(x, 1, axis) for a static axis: the last slice moved to the front. */
function roll1(x: Value, axis: number): Value {
  const s = x.shape[axis];
  return concat([slice(x, [s - 1], [s], [axis]), slice(x, [0], [s - 1], [axis])], axis);
}

/**
 * NVIDIA's noise regulariser, per image: for every map and every pyramid level down to 8×8 (or the
 * map's own size if smaller), the squared mean of the map times itself rolled one pixel along x,
 * plus the same along y; levels are 2×2 average pools. Returns [N].
 *
 * Maps meet at every resolution (a 32² map pooled once joins the 16² maps), so each pyramid level is one
 * set of ops over a [N, maps, r, r] stack with per-channel means: the same sum with a few times fewer
 * ops than map by map, which is what a projector step on a small generator pays for.
 */
export function noiseRegularization(maps: readonly Value[]): Value {
  const byResolution = new Map<number, Value[]>();
  for (const map of maps) {
    if (map.rank !== 4 || map.shape[1] !== 1 || map.shape[2] !== map.shape[3]) {
      throw new ShapeError(`noise map should be [N, 1, r, r], got ${formatShape(map.shape)}`);
    }
    const r = map.shape[2];
    byResolution.set(r, [...(byResolution.get(r) ?? []), map]);
  }
  if (!byResolution.size) throw new ArgumentError('noiseRegularization: no noise maps');
  const resolutions = [...byResolution.keys()].sort((a, b) => b - a);
  const smallest = resolutions[resolutions.length - 1];
  let total: Value | null = null;
  let carried: Value | null = null;
  for (let r = resolutions[0]; r >= smallest; r /= 2) {
    const parts = [...(carried ? [carried] : []), ...(byResolution.get(r) ?? [])];
    carried = null;
    if (!parts.length) continue;
    const x = parts.length === 1 ? parts[0] : concat(parts, 1);
    const ax = reduceMean(mul(x, roll1(x, 3)), [2, 3]);
    const ay = reduceMean(mul(x, roll1(x, 2)), [2, 3]);
    const level = reduceSum(add(mul(ax, ax), mul(ay, ay)), [1]);
    total = total ? add(total, level) : level;
    if (r > 8) {
      const [n, c] = x.shape;
      carried = reduceMean(reshape(x, [n, c, r / 2, 2, r / 2, 2]), [3, 5]);
    }
  }
  return total!;
}

/** After each step, NVIDIA renormalises every noise map to mean 0 and variance 1 (here: per image). */
export function renormalizeNoise(map: Float32Array, n: number): void {
  const size = map.length / n;
  for (let i = 0; i < n; i++) {
    const row = map.subarray(i * size, (i + 1) * size);
    let mean = 0;
    for (const v of row) mean += v;
    mean /= size;
    let sq = 0;
    for (let k = 0; k < size; k++) {
      row[k] -= mean;
      sq += row[k] * row[k];
    }
    const scale = 1 / Math.sqrt(sq / size);
    if (Number.isFinite(scale)) for (let k = 0; k < size; k++) row[k] *= scale;
  }
}
