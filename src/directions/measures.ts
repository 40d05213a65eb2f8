import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/**
 * Built-in image measures: attribute scores computed from the pixels alone (no network), so any
 * generator's samples can be ranked by them. Each takes one image as ink v = (x + 1) / 2 in [0, 1]
 * (channels averaged; 0 = background of a [-1, 1] image) and returns one number. They are smooth
 * or piecewise-linear in v where possible, so that small image changes move the score a little
 * (a hard threshold would make the score constant over most latent moves).
 */
export const MEASURE_NAMES = ['brightness', 'ink', 'area', 'width', 'height', 'symmetry', 'texture', 'contrast', 'vshading', 'hshading'] as const;
export type MeasureName = (typeof MEASURE_NAMES)[number];

export const MEASURE_HELP: Record<MeasureName, string> = {
  brightness: 'ink-weighted mean intensity Σv²/Σv (how bright the garment is, not how big)',
  ink: 'mean ink Σv/(H·W): the amount of ink (coverage)',
  area: 'fraction of pixels with v > 0.25 (the silhouette area)',
  width: 'horizontal extent: distance between the 2 % and 98 % quantiles of the column ink mass, over W',
  height: 'vertical extent: the same over rows, over H',
  symmetry: "left-right mirror symmetry 1 − Σ|v − mirror(v)| / Σ(v + mirror(v)) (1 = symmetric)",
  texture: 'high-frequency energy Σ(v − box3(v))² / Σv² (3×3 box blur, edges replicated)',
  contrast: 'ink-weighted std of the intensity, √(Σv³/Σv − brightness²) (0 = one flat tone)',
  vshading: 'where the light sits vertically: (Σv²·y/Σv² − Σv·y/Σv) / H (> 0: brighter below the ink centre)',
  hshading: 'where the light sits horizontally: (Σv²·x/Σv² − Σv·x/Σv) / W (> 0: brighter right of the ink centre)',
};

/** Ink of image `i` of a [N, C, H, W] tensor in [-1, 1], clamped to [0, 1]. */
export function inkOf(images: Tensor, i: number): Float64Array {
  const [, c, h, w] = images.shape;
  const out = new Float64Array(h * w);
  const base = i * c * h * w;
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < h * w; p++) out[p] += (Number(images.data[base + ch * h * w + p]) + 1) / 2 / c;
  for (let p = 0; p < out.length; p++) out[p] = Math.min(1, Math.max(0, out[p]));
  return out;
}

/** Position (in pixels, continuous) where the cumulative mass of `profile` reaches fraction q. */
function quantile(profile: Float64Array, q: number): number {
  let total = 0;
  for (const v of profile) total += v;
  if (!(total > 0)) return 0;
  const target = q * total;
  let acc = 0;
  for (let i = 0; i < profile.length; i++) {
    const next = acc + profile[i];
    // Pixel i spreads its mass evenly over [i, i + 1).
    if (next >= target && profile[i] > 0) return i + (target - acc) / profile[i];
    acc = next;
  }
  return profile.length;
}

function extent(profile: Float64Array): number {
  return (quantile(profile, 0.98) - quantile(profile, 0.02)) / profile.length;
}

/** One measure of one ink image v [h, w]. */
export function measureInk(name: MeasureName, v: Float64Array, h: number, w: number): number {
  if (v.length !== h * w) throw new ShapeError(`measure ${name}: ${v.length} values for a ${h}×${w} image`);
  let sum = 0;
  let sq = 0;
  for (const x of v) {
    sum += x;
    sq += x * x;
  }
  switch (name) {
    case 'brightness':
      return sum > 0 ? sq / sum : 0;
    case 'ink':
      return sum / v.length;
    case 'area': {
      let n = 0;
      for (const x of v) if (x > 0.25) n++;
      return n / v.length;
    }
    case 'width':
    case 'height': {
      const profile = new Float64Array(name === 'width' ? w : h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) profile[name === 'width' ? x : y] += v[y * w + x];
      return extent(profile);
    }
    case 'symmetry': {
      let diff = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) diff += Math.abs(v[y * w + x] - v[y * w + (w - 1 - x)]);
      return sum > 0 ? 1 - diff / (2 * sum) : 1;
    }
    case 'texture': {
      if (!(sq > 0)) return 0;
      let e = 0;
      const at = (y: number, x: number) => v[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let box = 0;
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) box += at(y + dy, x + dx);
          e += (v[y * w + x] - box / 9) ** 2;
        }
      return e / sq;
    }
    case 'contrast': {
      if (!(sum > 0)) return 0;
      let cube = 0;
      for (const x of v) cube += x * x * x;
      return Math.sqrt(Math.max(0, cube / sum - (sq / sum) ** 2));
    }
    case 'vshading':
    case 'hshading': {
      if (!(sq > 0)) return 0;
      const vertical = name === 'vshading';
      let at = 0;
      let atSq = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = v[y * w + x];
          const pos = vertical ? y : x;
          at += p * pos;
          atSq += p * p * pos;
        }
      return (atSq / sq - at / sum) / (vertical ? h : w);
    }
    default:
      throw new ArgumentError(`unknown image measure '${String(name)}' (${MEASURE_NAMES.join(', ')})`);
  }
}

export function isMeasureName(s: string): s is MeasureName {
  return (MEASURE_NAMES as readonly string[]).includes(s);
}

/** Measures of every image of a [N, C, H, W] batch in [-1, 1]: out[m][i] = measure m of image i. */
export function measureImages(images: Tensor, names: readonly MeasureName[]): Float64Array[] {
  if (images.rank !== 4) throw new ShapeError(`image measures: expected images [N, C, H, W], got ${formatShape(images.shape)}`);
  const [n, , h, w] = images.shape;
  const out = names.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const v = inkOf(images, i);
    names.forEach((m, k) => (out[k][i] = measureInk(m, v, h, w)));
  }
  return out;
}
