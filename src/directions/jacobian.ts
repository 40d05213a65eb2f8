import { ArgumentError, ShapeError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';
import { RandomState } from '../core/rng.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { vjp } from '../graph/autodiff.js';
import { add, mul } from '../graph/ops/elementwise.js';
import { unsqueeze } from '../graph/ops/movement.js';
import { constant, input } from '../graph/value.js';
import type { GanModel } from '../models/ganModel.js';
import { styleSynthesis } from '../models/styleGraph.js';
import { compile } from '../runtime/compile.js';
import { type DirectionSet, makeDirectionSet } from './direction.js';
import { checkRows } from './editCodes.js';

/**
 * Products with the generator's Jacobian J = ∂image/∂δ at ws0, where the latent moves as
 * ws = ws0 + δ on rows [start, end) (one W-space vector δ feeding those layers). ORT has no
 * forward mode, so J·v is the VJP of a VJP: u(c) = Jᵀc is linear in c, and ∂⟨u(c), v⟩/∂c = J·v.
 * Then JᵀJ·v is one more VJP. All three live in one compiled graph; the batch dimension carries
 * independent products at the same point (ws0 repeated), so a block of vectors costs one run.
 */
export interface JacobianProducts {
  /** J·v for rows of v [B, wDim] → [B, C, R, R], and JᵀJ·v [B, wDim]. */
  apply(v: Float64Array[]): Promise<{ jv: Float32Array[]; jtjv: Float64Array[] }>;
  wDim: number;
  outputSize: number;
}

export interface JacobianOptions {
  /** ws rows [start, end) the direction acts on (default all: a W direction). */
  layers?: [number, number] | null;
  /** Vectors per compiled run (default 8). */
  batch?: number;
}

export async function jacobianProducts(model: GanModel, ws0: Tensor, o: JacobianOptions = {}): Promise<JacobianProducts> {
  const cfg = model.styleSpace();
  if (ws0.rank !== 3 || ws0.shape[0] !== 1 || ws0.shape[1] !== cfg.numWs || ws0.shape[2] !== cfg.wDim)
    throw new ShapeError(`jacobian: the latent must be ws [1, ${cfg.numWs}, ${cfg.wDim}], got ${formatShape(ws0.shape)}`);
  const [start, end] = checkRows(o.layers ?? null, cfg.numWs, 'jacobian');
  const b = o.batch ?? 8;
  const { numWs, wDim } = cfg;
  const imgShape = [b, model.imgChannels, model.resolution, model.resolution];
  const outputSize = model.imgChannels * model.resolution * model.resolution;
  const exe = await model.program(`jacobian:${b}:${start}:${end}`, () => {
    const base = input('ws', [b, numWs, wDim]);
    const delta = input('delta', [b, wDim]);
    const v = input('v', [b, wDim]);
    const c = input('c', imgShape);
    const mask = Tensor.float32([1, numWs, 1]);
    for (let r = start; r < end; r++) mask.data[r] = 1;
    const ws = add(base, mul(unsqueeze(delta, [1]), constant(mask)));
    const img = styleSynthesis(model, ws, { noiseMode: 'const' });
    const [u] = vjp([img], [c], [delta]); // Jᵀc
    const [jv] = vjp([u], [v], [c]); // J·v
    const [jtjv] = vjp([img], [jv], [delta]); // Jᵀ(J·v)
    return compile({ inputs: [base, delta, v, c], outputs: [jv, jtjv], outputNames: ['jv', 'jtjv'] });
  });
  const wsFeed = Tensor.float32([b, numWs, wDim]);
  for (let i = 0; i < b; i++) wsFeed.data.set(ws0.toFloat32().data, i * numWs * wDim);
  const zeros = Tensor.float32([b, wDim]);
  const cFeed = Tensor.float32(imgShape);
  return {
    wDim,
    outputSize,
    async apply(vs) {
      const jv: Float32Array[] = [];
      const jtjv: Float64Array[] = [];
      for (let s = 0; s < vs.length; s += b) {
        const feed = Tensor.float32([b, wDim]);
        for (let i = 0; i < b && s + i < vs.length; i++) {
          if (vs[s + i].length !== wDim) throw new ShapeError(`jacobian: vector ${s + i} has ${vs[s + i].length} values, expected ${wDim}`);
          feed.data.set(vs[s + i], i * wDim);
        }
        const out = await exe.runNamed({ ws: wsFeed, delta: zeros, v: feed, c: cFeed });
        for (let i = 0; i < b && s + i < vs.length; i++) {
          jv.push(out.jv.toFloat32().data.slice(i * outputSize, (i + 1) * outputSize));
          jtjv.push(Float64Array.from(out.jtjv.toFloat32().data.subarray(i * wDim, (i + 1) * wDim)));
        }
      }
      return { jv, jtjv };
    },
  };
}

/** Orthonormalises rows in place by modified Gram–Schmidt, twice (enough for float64 at these sizes). */
function orthonormalize(rows: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let t = 0; t < rows[i].length; t++) d += rows[i][t] * rows[j][t];
        for (let t = 0; t < rows[i].length; t++) rows[i][t] -= d * rows[j][t];
      }
      let n = 0;
      for (const x of rows[i]) n += x * x;
      n = Math.sqrt(n);
      if (!(n > 0)) throw new ArgumentError('jacobian: the iteration collapsed (J has rank below the block size)');
      for (let t = 0; t < rows[i].length; t++) rows[i][t] /= n;
    }
}

export interface JacobianDirectionsOptions extends JacobianOptions {
  /** Directions wanted (default 8). */
  components?: number;
  /** Extra block vectors that speed up convergence of the last wanted ones (default 4). */
  oversample?: number;
  /** Subspace iterations at most (default 50). */
  iterations?: number;
  /** Stop when every wanted Ritz value moved less than this, relatively (default 1e-6). */
  tolerance?: number;
  seed?: number;
}

export interface JacobianDirections {
  set: DirectionSet;
  /** Singular values of J for the directions (image change per unit latent step). */
  singularValues: number[];
  iterations: number;
  converged: boolean;
}

/**
 * Rayleigh–Ritz on span(v) (orthonormal rows) given JᵀJ·v: H = Vᵀ(JᵀJ)V, its eigenvalues descending
 * (the Ritz values) and `rotate`, which combines rows (V or JᵀJ·V) by H's eigenvectors in that order.
 */
function rayleighRitz(v: readonly Float64Array[], jtjv: readonly Float64Array[], dim: number): { ritz: number[]; rotate: (rows: readonly Float64Array[]) => Float64Array<ArrayBuffer>[] } {
  const block = v.length;
  const h = new Float64Array(block * block);
  for (let i = 0; i < block; i++) for (let j = 0; j < block; j++) h[i * block + j] = dotRows(v[i], jtjv[j]);
  const eig = symmetricEigen(h);
  const order = Array.from({ length: block }, (_, i) => block - 1 - i);
  const rotate = (rows: readonly Float64Array[]) =>
    order.map((c) => {
      const out = new Float64Array(dim);
      for (let i = 0; i < block; i++) {
        const coef = eig.vectors[i * block + c];
        for (let t = 0; t < dim; t++) out[t] += coef * rows[i][t];
      }
      return out;
    });
  return { ritz: order.map((c) => eig.values[c]), rotate };
}

/**
 * The top right-singular vectors of J = ∂image/∂w at a latent: block subspace iteration on JᵀJ
 * (each step one batched run of JᵀJ·V) with a Rayleigh–Ritz rotation per step, so the vectors come
 * out ordered by singular value. These are the locally most image-changing directions.
 */
export async function jacobianDirections(model: GanModel, ws0: Tensor, o: JacobianDirectionsOptions = {}): Promise<JacobianDirections> {
  const cfg = model.styleSpace();
  const k = o.components ?? 8;
  const p = o.oversample ?? 4;
  const block = Math.min(cfg.wDim, k + p);
  if (!Number.isInteger(k) || k < 1 || k > cfg.wDim) throw new ArgumentError(`jacobian: components must be 1..${cfg.wDim}, got ${k}`);
  const products = await jacobianProducts(model, ws0, { layers: o.layers, batch: o.batch ?? block });
  const rng = new RandomState(o.seed ?? 0);
  let v = Array.from({ length: block }, () => Float64Array.from(rng.randn(cfg.wDim)));
  orthonormalize(v);
  let prev: number[] = [];
  let ritz: number[] = [];
  let iterations = 0;
  let converged = false;
  const maxIter = o.iterations ?? 50;
  const tol = o.tolerance ?? 1e-6;
  while (iterations < maxIter) {
    iterations++;
    const { jtjv } = await products.apply(v);
    const step = rayleighRitz(v, jtjv, cfg.wDim);
    ritz = step.ritz;
    const ritzVectors = step.rotate(v);
    if (prev.length && ritz.slice(0, k).every((r, i) => Math.abs(r - prev[i]) <= tol * Math.max(Math.abs(r), 1e-30))) {
      v = ritzVectors;
      converged = true;
      break;
    }
    prev = ritz;
    v = step.rotate(jtjv);
    orthonormalize(v);
  }
  if (!converged) {
    // Leave with Ritz vectors of the last block so the order and values agree.
    const last = rayleighRitz(v, (await products.apply(v)).jtjv, cfg.wDim);
    ritz = last.ritz;
    v = last.rotate(v);
  }
  const rows = v.slice(0, k).map((r) => {
    let big = 0;
    for (const x of r) if (Math.abs(x) > Math.abs(big)) big = x;
    return big < 0 ? r.map((x) => -x) : r;
  });
  const singularValues = ritz.slice(0, k).map((l) => Math.sqrt(Math.max(l, 0)));
  const set = makeDirectionSet(rows, {
    space: 'w',
    labels: rows.map((_, i) => `jac${i}`),
    layers: o.layers ?? null,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    provenance: { method: 'jacobian', singularValues, iterations, converged, layers: o.layers ?? null, firstWsRow: Array.from(ws0.toFloat32().data.subarray(0, cfg.wDim)) },
  });
  return { set, singularValues, iterations, converged };
}

function dotRows(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
