import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { abs, add, clip, div, mul, relu, sigmoid, sqrt, square, sub } from '../graph/ops/elementwise.js';
import { matmul } from '../graph/ops/matmul.js';
import { concat, reshape } from '../graph/ops/movement.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import { constant, type Value } from '../graph/value.js';
import type { MeasureName } from './measures.js';

/**
 * The image measures of measures.ts as graph ops, so reverse mode gives their gradients through a
 * generator. brightness, ink, symmetry, texture, contrast and the shadings are exact: the same values as measureInk on ink
 * v = clamp(mean over channels of (x + 1) / 2, 0, 1). area (a threshold) and width/height (mass
 * quantiles) have zero or piecewise gradients, so their graph forms are smooth SURROGATES, used only
 * to find directions (discovery gradients); every evaluation keeps measures.ts's exact definitions:
 * - area ≈ mean of σ((v − 0.25) / AREA_TEMPERATURE) (the fraction of pixels past 0.25, soft step);
 * - width/height ≈ (q(0.98) − q(0.02)) / length of the column/row ink mass, each quantile q(α) the
 *   soft count Σᵢ σ(4 (α − Cᵢ) / (cᵢ + EXTENT_TEMPERATURE)) of pixels below it: cᵢ = pixel i's share
 *   of the mass, Cᵢ the cumulative share at its centre. With cᵢ ≫ the temperature that is the exact
 *   linear ramp's slope 1/cᵢ at the quantile's pixel; empty pixels become sharp steps.
 */
export const GRAPH_MEASURES = ['brightness', 'ink', 'area', 'width', 'height', 'symmetry', 'texture', 'contrast', 'vshading', 'hshading'] as const satisfies readonly MeasureName[];
export type GraphMeasureName = (typeof GRAPH_MEASURES)[number];
/** Graph measures whose values equal measures.ts's (the rest are discovery surrogates). */
export const EXACT_GRAPH_MEASURES = ['brightness', 'ink', 'symmetry', 'texture', 'contrast', 'vshading', 'hshading'] as const satisfies readonly GraphMeasureName[];
export const SURROGATE_MEASURES = ['area', 'width', 'height'] as const satisfies readonly GraphMeasureName[];
/** Soft step width of the area surrogate, in ink units (the threshold is 0.25). */
export const AREA_TEMPERATURE = 0.05;
/** Soft step width of the extent surrogates' quantiles, in shares of the total mass (quantiles 0.02 and 0.98). */
export const EXTENT_TEMPERATURE = 0.01;

export function isGraphMeasure(name: string): name is GraphMeasureName {
  return (GRAPH_MEASURES as readonly string[]).includes(name);
}

export function isSurrogateMeasure(name: string): boolean {
  return (SURROGATE_MEASURES as readonly string[]).includes(name);
}

/** Guard for the 0/0 cases (an empty image): measureInk returns 0 (brightness, texture, contrast, shadings) or 1 (symmetry) there; so does this. */
const TINY = 1e-12;
/** Inside contrast's square root: keeps its gradient finite on a flat image (where the std is 0); shifts the value by ≤ 1e-6. */
const SQRT_FLOOR = 1e-12;

/** [n, n] matrix M with (M·v)[y] = Σ_{d=-1..1} v[clamp(y + d)] (3-tap box sum, edges replicated). */
function boxSumMatrix(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let d = -1; d <= 1; d++) m[y * n + Math.min(n - 1, Math.max(0, y + d))] += 1;
  return m;
}

/** [n, n] permutation that reverses the last axis when multiplied on the right. */
function flipMatrix(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let x = 0; x < n; x++) m[x * n + (n - 1 - x)] = 1;
  return m;
}

/** A constant of `like`'s float dtype. */
function constantLike(like: Value, shape: number[], data: Float64Array): Value {
  if (like.dtype === 'float64') return constant(new Tensor('float64', shape, data));
  if (like.dtype === 'float32') return constant(new Tensor('float32', shape, Float32Array.from(data)));
  throw new ArgumentError(`image measures: images must be float32 or float64, got ${like.dtype}`);
}

/** An [n, n] constant of `like`'s float dtype. */
function matrix(like: Value, n: number, data: Float64Array): Value {
  return constantLike(like, [n, n], data);
}

/** Σ over pixels of m · position [N] (m [N, H, W]; position = row index y, or column index x when `columns`). */
function positionMoment(m: Value, columns: boolean): Value {
  const [n, h, w] = m.shape;
  const along = columns ? w : h;
  const profile = reduceSum(m, [columns ? 1 : 2]); // [N, along]
  const positions = constantLike(m, [along, 1], Float64Array.from({ length: along }, (_, i) => i));
  return reshape(matmul(profile, positions), [n]);
}

/** Ink [N, H, W] of images [N, C, H, W] in [-1, 1] (as inkOf). */
export function inkGraph(images: Value): Value {
  if (images.rank !== 4) throw new ShapeError(`image measures: expected images [N, C, H, W], got ${formatShape(images.shape)}`);
  const [n, , h, w] = images.shape;
  const mean = reshape(reduceMean(images, [1], true), [n, h, w]);
  return clip(mul(add(mean, 1), 0.5), 0, 1);
}

function measureOfInk(name: GraphMeasureName, v: Value): Value {
  const [, h, w] = v.shape;
  const total = (x: Value) => reduceSum(x, [1, 2]);
  const sum = total(v);
  const sq = total(square(v));
  switch (name) {
    case 'brightness':
      return div(sq, add(sum, TINY));
    case 'ink':
      return div(sum, h * w);
    case 'symmetry': {
      const diff = total(abs(sub(v, matmul(v, matrix(v, w, flipMatrix(w))))));
      return sub(1, div(diff, add(mul(sum, 2), TINY)));
    }
    case 'texture': {
      // box3(v) = Bₕ·v·Bᵥᵀ / 9 with the replicated-edge box-sum matrices (separable).
      const bw = boxSumMatrix(w);
      const bwT = new Float64Array(w * w);
      for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) bwT[j * w + i] = bw[i * w + j];
      const box = mul(matmul(matmul(matrix(v, h, boxSumMatrix(h)), v), matrix(v, w, bwT)), 1 / 9);
      return div(total(square(sub(v, box))), add(sq, TINY));
    }
    case 'contrast': {
      const sum0 = add(sum, TINY);
      const variance = sub(div(total(mul(square(v), v)), sum0), square(div(sq, sum0)));
      return sqrt(add(relu(variance), SQRT_FLOOR));
    }
    case 'vshading':
    case 'hshading': {
      const columns = name === 'hshading';
      const offset = sub(div(positionMoment(square(v), columns), add(sq, TINY)), div(positionMoment(v, columns), add(sum, TINY)));
      return mul(offset, 1 / (columns ? w : h));
    }
    case 'area':
      return reduceMean(sigmoid(mul(sub(v, 0.25), 1 / AREA_TEMPERATURE)), [1, 2]);
    case 'width':
    case 'height': {
      const along = name === 'width' ? w : h;
      const profile = reduceSum(v, [name === 'width' ? 1 : 2]); // [N, along]
      const share = div(profile, add(reshape(reduceSum(profile, [1]), [v.shape[0], 1]), TINY));
      // Cumulative share at each pixel's centre: share · U − share / 2, U[j, i] = 1 for j ≤ i.
      const upper = new Float64Array(along * along);
      for (let j = 0; j < along; j++) for (let i = j; i < along; i++) upper[j * along + i] = 1;
      const centre = sub(matmul(share, matrix(v, along, upper)), mul(share, 0.5));
      const slope = div(4, add(share, EXTENT_TEMPERATURE));
      const below = (q: number) => reduceSum(sigmoid(mul(sub(q, centre), slope)), [1]);
      return mul(sub(below(0.98), below(0.02)), 1 / along);
    }
    default:
      throw new ArgumentError(`image measure '${String(name)}' has no graph form (graph measures: ${GRAPH_MEASURES.join(', ')})`);
  }
}

/** Measures `names` of images [N, C, H, W] in [-1, 1] as one [N, names.length] value. */
export function measureGraph(images: Value, names: readonly GraphMeasureName[]): Value {
  if (!names.length) throw new ArgumentError('measureGraph: no measures');
  const v = inkGraph(images);
  const [n] = v.shape;
  return concat(names.map((m) => reshape(measureOfInk(m, v), [n, 1])), 1);
}
