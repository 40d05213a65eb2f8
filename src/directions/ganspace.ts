import { ArgumentError, ShapeError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, sampleZ } from '../models/generate.js';
import { type DirectionSet, makeDirectionSet } from './direction.js';

/** A block of samples summarised exactly: its count, mean, and scatter Σ(x − mean)(x − mean)ᵀ (upper triangle, row-major). */
export interface Moments {
  count: number;
  mean: Float64Array;
  scatter: Float64Array;
}

/** The moments of the rows of x [n, dim], in float64. */
export function momentsOf(x: Tensor, dim: number): Moments {
  const d = dim;
  if (x.rank !== 2 || x.shape[1] !== d) throw new ShapeError(`covariance: samples must be [N, ${d}], got ${formatShape(x.shape)}`);
  const nb = x.shape[0];
  const data = x.toFloat64().data;
  const mean = new Float64Array(d);
  const scatter = new Float64Array(d * d);
  if (!nb) return { count: 0, mean, scatter };
  for (let i = 0; i < nb; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= nb;
  const c = new Float64Array(d);
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < d; j++) c[j] = data[i * d + j] - mean[j];
    for (let p = 0; p < d; p++) {
      const cp = c[p];
      const row = p * d;
      for (let q = p; q < d; q++) scatter[row + q] += cp * c[q];
    }
  }
  return { count: nb, mean, scatter };
}

/**
 * Streaming mean and scatter matrix in float64, merged block by block with Chan et al.'s pairwise
 * update (M2 = M2a + M2b + δδᵀ·na·nb/n), so 100k samples never sit in memory and the sums do not
 * lose the small variances to cancellation the way Σxxᵀ − n·μμᵀ would. Merging the same blocks in the
 * same order gives the same bits, wherever each block's moments were computed (a sharded run).
 */
export class StreamingCovariance {
  count = 0;
  readonly mean: Float64Array;
  readonly scatter: Float64Array;

  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.scatter = new Float64Array(dim * dim);
  }

  /** Adds the rows of x [n, dim]. */
  add(x: Tensor): void {
    this.merge(momentsOf(x, this.dim));
  }

  /** Adds a block's moments. */
  merge(m: Moments): void {
    const d = this.dim;
    if (m.mean.length !== d || m.scatter.length !== d * d)
      throw new ShapeError(`covariance: moments of dimension ${m.mean.length} (scatter ${m.scatter.length} values) for a ${d}-d accumulator`);
    const nb = m.count;
    if (!nb) return;
    const na = this.count;
    const n = na + nb;
    const f = (na * nb) / n;
    for (let p = 0; p < d; p++) {
      const dp = m.mean[p] - this.mean[p];
      for (let q = p; q < d; q++) this.scatter[p * d + q] += m.scatter[p * d + q] + dp * (m.mean[q] - this.mean[q]) * f;
    }
    for (let j = 0; j < d; j++) this.mean[j] += ((m.mean[j] - this.mean[j]) * nb) / n;
    this.count = n;
  }

  /** Sample covariance (n − 1 denominator), symmetric, row-major. */
  covariance(): Float64Array {
    const d = this.dim;
    if (this.count < 2) throw new ArgumentError(`covariance: needs at least 2 samples, got ${this.count}`);
    const out = new Float64Array(d * d);
    for (let p = 0; p < d; p++)
      for (let q = p; q < d; q++) {
        const v = this.scatter[p * d + q] / (this.count - 1);
        out[p * d + q] = v;
        out[q * d + p] = v;
      }
    return out;
  }
}

export interface PcaResult {
  /** [K, dim], orthonormal rows, by decreasing variance. */
  components: Float64Array[];
  /** Standard deviation of the samples along each component (√eigenvalue). */
  stdev: number[];
  mean: Float64Array;
  /** Fraction of the total variance each component explains. */
  explained: number[];
  count: number;
}

/** Principal components of accumulated samples; signs fixed so each component's largest entry is positive. */
export function principalComponents(cov: StreamingCovariance, numComponents: number): PcaResult {
  const d = cov.dim;
  if (!Number.isInteger(numComponents) || numComponents < 1 || numComponents > d)
    throw new ArgumentError(`PCA: components must be 1..${d}, got ${numComponents}`);
  const { values, vectors } = symmetricEigen(cov.covariance());
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  const components: Float64Array[] = [];
  const stdev: number[] = [];
  const explained: number[] = [];
  for (let k = 0; k < numComponents; k++) {
    const col = d - 1 - k; // eigenvalues come ascending
    const v = new Float64Array(d);
    let big = 0;
    for (let i = 0; i < d; i++) {
      v[i] = vectors[i * d + col];
      if (Math.abs(v[i]) > Math.abs(big)) big = v[i];
    }
    if (big < 0) for (let i = 0; i < d; i++) v[i] = -v[i];
    components.push(v);
    const lambda = Math.max(values[col], 0);
    stdev.push(Math.sqrt(lambda));
    explained.push(total > 0 ? lambda / total : 0);
  }
  return { components, stdev, mean: Float64Array.from(cov.mean), explained, count: cov.count };
}

export interface GanspaceOptions {
  /** Samples (seeds firstSeed..); GANSpace's default 100k. */
  num?: number;
  firstSeed?: number;
  /** Components to keep (default min(80, dim), GANSpace's 80). */
  components?: number;
  /** PCA of W (default) or of Z. */
  space?: 'w' | 'z';
  /** Samples per mapping round (default 10k). */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * GANSpace (Härkönen et al. 2020): PCA of mapped w = mapping(z) over many samples; components are
 * edit directions with their standard deviations as the 'sigma' unit. `space: 'z'` does the same
 * in Z (their baseline). Truncation is not applied: this is the sampled distribution.
 */
export async function ganspace(model: GanModel, o: GanspaceOptions = {}): Promise<{ set: DirectionSet; pca: PcaResult }> {
  const num = o.num ?? 100_000;
  const firstSeed = o.firstSeed ?? 0;
  const space = o.space ?? 'w';
  const chunk = o.chunk ?? GANSPACE_CHUNK;
  const cov = new StreamingCovariance(ganspaceDim(model, space));
  for (let start = 0; start < num; start += chunk) {
    const count = Math.min(chunk, num - start);
    cov.merge(await ganspaceMoments(model, space, firstSeed + start, count));
    o.onProgress?.(start + count, num);
  }
  return ganspaceFromCovariance(cov, { num, firstSeed, space, components: o.components, model: { name: model.name, contentHash: model.manifest.contentHash } });
}

/** Samples per mapping round of ganspace: the blocks whose moments a sharded run computes apart. */
export const GANSPACE_CHUNK = 10_000;

/** The dimension of the space PCA runs in (and a refusal of conditional models). */
export function ganspaceDim(model: GanModel, space: 'w' | 'z'): number {
  const cfg = model.styleSpace();
  if (cfg.cDim) throw new ArgumentError(`ganspace: ${model.name} is conditional; class-conditional PCA is not supported`);
  return space === 'w' ? cfg.wDim : cfg.zDim;
}

/** The moments of one block: seeds firstSeed..firstSeed + count − 1, in W (mapped, untruncated) or Z. */
export async function ganspaceMoments(model: GanModel, space: 'w' | 'z', firstSeed: number, count: number): Promise<Moments> {
  const dim = ganspaceDim(model, space);
  const z = sampleZ(model, Array.from({ length: count }, (_, i) => firstSeed + i));
  if (space === 'z') return momentsOf(z, dim);
  const ws = await mapZ(model, z, { batchSize: Math.min(count, 1000) });
  const numWs = model.styleSpace().numWs;
  const w = Tensor.float32([count, dim]);
  const stride = numWs * dim;
  for (let i = 0; i < count; i++) w.data.set(ws.data.subarray(i * stride, i * stride + dim), i * dim);
  return momentsOf(w, dim);
}

/** The direction set of accumulated samples: ganspace's last step, also run on the merged blocks of a sharded run. */
export function ganspaceFromCovariance(
  cov: StreamingCovariance,
  o: { num: number; firstSeed: number; space: 'w' | 'z'; components?: number; model: { name: string; contentHash: string } },
): { set: DirectionSet; pca: PcaResult } {
  const dim = cov.dim;
  if (cov.count !== o.num) throw new ArgumentError(`ganspace: ${cov.count} samples accumulated, ${o.num} expected`);
  const pca = principalComponents(cov, o.components ?? Math.min(80, dim));
  const set = makeDirectionSet(pca.components, {
    space: o.space,
    labels: pca.components.map((_, i) => `pc${i}`),
    sigma: pca.stdev,
    mean: Tensor.float32([dim], pca.mean),
    model: o.model,
    provenance: { method: 'ganspace', samples: o.num, firstSeed: o.firstSeed, space: o.space, explainedVariance: pca.explained },
  });
  return { set, pca };
}
