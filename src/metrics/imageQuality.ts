import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Per-image reconstruction quality of images [N, C, R, R] in [-1, 1] (values are clipped to that
 * range first, as an 8-bit PNG would be): MSE, PSNR with peak-to-peak 2 (the same number as on
 * [0, 255] images with peak 255) and SSIM (Wang et al. 2004: 11×11 Gaussian window σ = 1.5,
 * K1 = 0.01, K2 = 0.03, over the 'valid' window positions, averaged over channels).
 */
export interface ImageQuality {
  mse: number;
  /** dB; Infinity for identical images. */
  psnr: number;
  ssim: number;
}

const clip = (v: number) => (v < -1 ? -1 : v > 1 ? 1 : v);

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size * size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = Math.exp(-((x - c) ** 2 + (y - c) ** 2) / (2 * sigma * sigma));
      w[y * size + x] = v;
      sum += v;
    }
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return w;
}

/** SSIM of two single-channel planes (side r, values in [-1, 1]). */
export function ssimPlane(a: Float32Array | Float64Array, b: Float32Array | Float64Array, r: number, winSize = 11, sigma = 1.5): number {
  const k = Math.min(winSize, r); // small images: the window shrinks to the image
  const win = gaussianWindow(k, k === winSize ? sigma : (sigma * k) / winSize);
  const range = 2;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const out = r - k + 1;
  let total = 0;
  for (let oy = 0; oy < out; oy++)
    for (let ox = 0; ox < out; ox++) {
      let ma = 0;
      let mb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++) {
          const wgt = win[y * k + x];
          const i = (oy + y) * r + ox + x;
          const va = clip(a[i]);
          const vb = clip(b[i]);
          ma += wgt * va;
          mb += wgt * vb;
          saa += wgt * va * va;
          sbb += wgt * vb * vb;
          sab += wgt * va * vb;
        }
      const va = saa - ma * ma;
      const vb = sbb - mb * mb;
      const cov = sab - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
  return total / (out * out);
}

/** MSE / PSNR / SSIM per image of `a` against `b` (same shape [N, C, R, R]). */
export function imageQuality(a: Tensor, b: Tensor): ImageQuality[] {
  if (a.rank !== 4 || a.shape.some((d, i) => d !== b.shape[i]) || b.rank !== 4 || a.shape[2] !== a.shape[3]) {
    throw new ShapeError(`imageQuality: images should both be [N, C, R, R], got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [n, c, r] = a.shape;
  const fa = a.toFloat32().data;
  const fb = b.toFloat32().data;
  const plane = r * r;
  const out: ImageQuality[] = [];
  for (let i = 0; i < n; i++) {
    let se = 0;
    let ssim = 0;
    for (let ch = 0; ch < c; ch++) {
      const off = (i * c + ch) * plane;
      const pa = fa.subarray(off, off + plane);
      const pb = fb.subarray(off, off + plane);
      for (let j = 0; j < plane; j++) se += (clip(pa[j]) - clip(pb[j])) ** 2;
      ssim += ssimPlane(pa, pb, r);
    }
    const mse = se / (c * plane);
    out.push({ mse, psnr: mse === 0 ? Infinity : 10 * Math.log10(4 / mse), ssim: ssim / c });
  }
  return out;
}

/** Means of the per-image values (PSNR averaged in dB, as papers report it). */
export function meanQuality(q: readonly ImageQuality[]): ImageQuality {
  const m = (f: (x: ImageQuality) => number) => q.reduce((s, x) => s + f(x), 0) / Math.max(1, q.length);
  return { mse: m((x) => x.mse), psnr: m((x) => x.psnr), ssim: m((x) => x.ssim) };
}
