import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';

/** Reconstruction quality of one image: pixel errors on the [0, 1] scale, SSIM, and a feature distance. */
export interface ReconstructionMetrics {
  /** Mean squared error with both images mapped from [-1, 1] to [0, 1] (the reconstruction clamped). */
  mse: number;
  /** 10·log10(1 / mse) in dB (peak 1 on the [0, 1] scale); Infinity for identical images. */
  psnr: number;
  /** Mean SSIM (Gaussian window 11, σ 1.5, K1 0.01, K2 0.03, as Wang et al. 2004), averaged over channels. */
  ssim: number;
  /** ‖f(x̂) − f(x)‖₂ of the classifier's penultimate features; null without a classifier. */
  featureDistance: number | null;
}

function check(a: Tensor, b: Tensor): void {
  if (a.rank !== 4 || a.shape.join() !== b.shape.join()) {
    throw new ShapeError(`metrics: images should both be [N, C, H, W], got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
}

const unit = (v: number) => Math.min(1, Math.max(0, (v + 1) / 2));

/** Per-image MSE on [0, 1] (reconstruction clamped to the image range first). */
export function mse01(recon: Tensor, target: Tensor): number[] {
  check(recon, target);
  const n = recon.shape[0];
  const size = recon.size / n;
  const a = recon.toFloat32().data;
  const b = target.toFloat32().data;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = i * size; k < (i + 1) * size; k++) s += (unit(a[k]) - unit(b[k])) ** 2;
    return s / size;
  });
}

export function psnrFromMse(mse: number): number {
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
}

function gaussianWindow(size = 11, sigma = 1.5): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

/** Separable 'valid' filtering of an H×W plane. */
function blur(x: Float64Array, h: number, w: number, g: Float64Array): Float64Array {
  const k = g.length;
  const wo = w - k + 1;
  const ho = h - k + 1;
  const tmp = new Float64Array(h * wo);
  for (let y = 0; y < h; y++)
    for (let xo = 0; xo < wo; xo++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += g[j] * x[y * w + xo + j];
      tmp[y * wo + xo] = s;
    }
  const out = new Float64Array(ho * wo);
  for (let yo = 0; yo < ho; yo++)
    for (let xo = 0; xo < wo; xo++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += g[j] * tmp[(yo + j) * wo + xo];
      out[yo * wo + xo] = s;
    }
  return out;
}

/** Per-image mean SSIM on [0, 1] images (valid windows only, as skimage's gaussian_weights=True with data_range 1). */
export function ssim(recon: Tensor, target: Tensor): number[] {
  check(recon, target);
  const [n, c, h, w] = recon.shape;
  const win = Math.min(11, h, w) | 1;
  const g = gaussianWindow(win);
  const a = recon.toFloat32().data;
  const b = target.toFloat32().data;
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const plane = h * w;
  return Array.from({ length: n }, (_, i) => {
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      const off = (i * c + ch) * plane;
      const x = new Float64Array(plane);
      const y = new Float64Array(plane);
      for (let p = 0; p < plane; p++) {
        x[p] = unit(a[off + p]);
        y[p] = unit(b[off + p]);
      }
      const xx = x.map((v) => v * v);
      const yy = y.map((v) => v * v);
      const xy = x.map((v, p) => v * y[p]);
      const [mx, my, sxx, syy, sxy] = [x, y, xx, yy, xy].map((v) => blur(v, h, w, g));
      let s = 0;
      for (let p = 0; p < mx.length; p++) {
        const vx = sxx[p] - mx[p] * mx[p];
        const vy = syy[p] - my[p] * my[p];
        const cov = sxy[p] - mx[p] * my[p];
        s += ((2 * mx[p] * my[p] + c1) * (2 * cov + c2)) / ((mx[p] ** 2 + my[p] ** 2 + c1) * (vx + vy + c2));
      }
      total += s / mx.length;
    }
    return total / c;
  });
}

/** Per-image L2 distance between classifier features of the reconstruction and of the target. */
export async function featureDistances(classifier: Classifier, recon: Tensor, target: Tensor): Promise<number[]> {
  check(recon, target);
  const [fa, fb] = await Promise.all([predict(classifier, recon), predict(classifier, target)]);
  const d = classifier.featureDim;
  return Array.from({ length: recon.shape[0] }, (_, i) => {
    let s = 0;
    for (let k = i * d; k < (i + 1) * d; k++) s += (fa.features.data[k] - fb.features.data[k]) ** 2;
    return Math.sqrt(s);
  });
}

/** All metrics per image. */
export async function reconstructionMetrics(recon: Tensor, target: Tensor, classifier?: Classifier): Promise<ReconstructionMetrics[]> {
  const m = mse01(recon, target);
  const s = ssim(recon, target);
  const f = classifier && classifier.config.inChannels === recon.shape[1] ? await featureDistances(classifier, recon, target) : null;
  return m.map((mse, i) => ({ mse, psnr: psnrFromMse(mse), ssim: s[i], featureDistance: f ? f[i] : null }));
}
