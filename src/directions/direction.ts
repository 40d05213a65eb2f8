import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/**
 * Which latent space a direction's vectors live in: Z (mapping input), W (one row of ws / W+) or S
 * (StyleSpace: every layer's styles A(w), flat — a StyleGAN2's `styleLayout`; an edit adds an offset).
 */
export type DirectionSpace = 'z' | 'w' | 's';

export type DirectionMethod = 'interfacegan' | 'conditional' | 'ganspace' | 'sefa' | 'jacobian' | 'import' | 'stylespace';

export interface DirectionProvenance {
  method: DirectionMethod;
  [key: string]: unknown;
}

/**
 * A set of K directions in one latent space (an InterFaceGAN boundary is K = 1; GANSpace, SeFa and
 * Jacobian directions are K components in decreasing importance).
 */
export interface DirectionSet {
  space: DirectionSpace;
  /** [K, dim] float32, one direction per row (unit length for every method here). */
  vectors: Tensor<'float32'>;
  /** A label per row ('Trouser', 'pc0', 'sefa3'). */
  labels: string[];
  /**
   * Per row: std of latent samples projected on the unit direction (the 'sigma' edit unit),
   * measured from samples of the space; null where unknown (then only 'distance' units work).
   */
  sigma: (number | null)[];
  /** Per row: SVM intercept b (decision = n·x + b), InterFaceGAN only. */
  intercept?: number[];
  /** Sample mean of the space [dim] (GANSpace lat_mean); edits never need it. */
  mean?: Tensor<'float32'>;
  /** ws rows [start, end) an edit touches by default (W only; null = every row). */
  layers: [number, number] | null;
  /** Generator the directions were found on. */
  model?: { name: string; contentHash: string };
  provenance: DirectionProvenance;
}

export function directionDim(d: DirectionSet): number {
  return d.vectors.shape[1];
}

export function directionCount(d: DirectionSet): number {
  return d.vectors.shape[0];
}

/** Row k of the set as float64. */
export function directionRow(d: DirectionSet, k: number): Float64Array {
  const [count, dim] = d.vectors.shape;
  if (!Number.isInteger(k) || k < 0 || k >= count)
    throw new ArgumentError(`direction index ${k} is out of range: the set has ${count} directions (${d.labels.join(', ')})`);
  return Float64Array.from(d.vectors.data.subarray(k * dim, (k + 1) * dim));
}

/** Resolves a component given by index or label. */
export function directionIndex(d: DirectionSet, which: number | string): number {
  if (typeof which === 'number') {
    directionRow(d, which);
    return which;
  }
  const k = d.labels.indexOf(which);
  if (k >= 0) return k;
  const n = Number(which);
  if (which.trim() !== '' && Number.isInteger(n)) return directionIndex(d, n);
  throw new ArgumentError(`no direction '${which}' in the set (labels: ${d.labels.join(', ')})`);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new ShapeError(`dot: vectors of length ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** a / |a|; throws for a zero vector, naming `what`. */
export function unit(a: ArrayLike<number>, what = 'direction'): Float64Array {
  const n = norm(a);
  if (!(n > 0) || !Number.isFinite(n)) throw new ArgumentError(`${what} has norm ${n}: cannot normalise it`);
  return Float64Array.from(a, (v) => v / n);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(a, b) / (norm(a) * norm(b));
}

/**
 * Std of `samples` [N, dim] projected on each unit row of `vectors` [K, dim] (float64 sums): the
 * 'sigma' unit of an edit, so strength 1 moves a latent by one standard deviation of the
 * distribution along the direction.
 */
export function projectedStd(samples: Tensor, vectors: Tensor): number[] {
  const [n, dim] = samples.shape;
  const [k, vdim] = vectors.shape;
  if (samples.rank !== 2 || vectors.rank !== 2 || dim !== vdim)
    throw new ShapeError(`projectedStd: samples ${formatShape(samples.shape)} and directions ${formatShape(vectors.shape)} must be [N, D] and [K, D]`);
  if (n < 2) throw new ArgumentError(`projectedStd: needs at least 2 samples, got ${n}`);
  const out: number[] = [];
  const x = samples.toFloat64().data;
  const rows = vectors.toFloat64().data;
  for (let r = 0; r < k; r++) {
    const v = unit(rows.subarray(r * dim, (r + 1) * dim), `direction ${r}`);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let j = 0; j < dim; j++) p += x[i * dim + j] * v[j];
      s += p;
      s2 += p * p;
    }
    const mean = s / n;
    out.push(Math.sqrt(Math.max(0, (s2 - n * mean * mean) / (n - 1))));
  }
  return out;
}

/** Builds a set from float64 rows, checking they share one length. */
/** Direction rows as the float32 [K, dim] tensor a set stores. */
function stackDirections(rows: readonly ArrayLike<number>[]): Tensor<'float32'> {
  if (!rows.length) throw new ArgumentError('a direction set needs at least one direction');
  const dim = rows[0].length;
  const vectors = Tensor.float32([rows.length, dim]);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new ShapeError(`direction ${i} has ${r.length} values, direction 0 has ${dim}`);
    vectors.data.set(Array.from(r), i * dim);
  });
  return vectors;
}

/** `projectedStd` of direction rows about to become a set (as the set stores them: float32). */
export function rowsStd(samples: Tensor, rows: readonly ArrayLike<number>[]): number[] {
  return projectedStd(samples, stackDirections(rows));
}

export function makeDirectionSet(
  rows: readonly ArrayLike<number>[],
  fields: Omit<DirectionSet, 'vectors' | 'sigma' | 'labels' | 'layers'> &
    Partial<Pick<DirectionSet, 'sigma' | 'labels' | 'layers'>>,
): DirectionSet {
  const vectors = stackDirections(rows);
  const labels = fields.labels ?? rows.map((_, i) => `${fields.provenance.method}${i}`);
  const sigma = fields.sigma ?? rows.map(() => null);
  if (labels.length !== rows.length || sigma.length !== rows.length)
    throw new ArgumentError(`direction set: ${rows.length} directions but ${labels.length} labels and ${sigma.length} sigmas`);
  return { ...fields, vectors, labels, sigma, layers: fields.layers ?? null };
}
