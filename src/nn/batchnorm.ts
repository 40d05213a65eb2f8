import { CheckpointError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add, mul, rsqrt, sub } from '../graph/ops/elementwise.js';
import { reshape } from '../graph/ops/movement.js';
import { reduceMean } from '../graph/ops/reduce.js';
import type { Value } from '../graph/value.js';
import type { Scope } from './weights.js';

/**
 * torch.nn.BatchNorm2d (affine, track_running_stats) as compositions of graph primitives.
 * Keys: `weight`, `bias` [C] (trainable), `running_mean`, `running_var` [C] and
 * `num_batches_tracked` (int64 0-d) buffers.
 */

/** PyTorch's defaults for BatchNorm2d. */
export const BATCH_NORM_EPS = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

/** Buffers of a BatchNorm layer (not trained by gradient; keep them constants in 'input' mode). */
export function isBatchNormBuffer(key: string): boolean {
  return /(^|\.)(running_mean|running_var|num_batches_tracked)$/.test(key);
}

/** Batch statistics a train-mode layer used, for the running-statistics update on the host. */
export interface BatchStats {
  /** Per-channel batch mean, [C]. */
  mean: Value;
  /** Per-channel biased batch variance (the one used to normalise), [C]. */
  variance: Value;
  /** Elements per channel the statistics were taken over (N·H·W). */
  count: number;
}

/** Collects train-mode statistics by layer prefix (`main.1`), in forward order. */
export type BatchStatsSink = Map<string, BatchStats>;

export interface BatchNormOptions {
  /** Normalise with this batch's statistics (PyTorch train mode) instead of the running ones. */
  train?: boolean;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Where train mode records its batch statistics under `p.prefix`. */
  stats?: BatchStatsSink;
}

/** [C] → [1, C, 1, ...] to broadcast along axis 1 of a rank-`rank` value. */
function perChannel(v: Value, rank: number): Value {
  return reshape(v, [1, v.shape[0], ...Array.from({ length: rank - 2 }, () => 1)]);
}

/**
 * y = (x − μ)/√(σ² + eps)·weight + bias over axis 1 of x [N, C, ...]. Eval mode uses
 * running_mean/running_var; train mode the batch mean and biased variance over all axes but 1,
 * so gradients flow through the statistics as in PyTorch.
 */
export function batchNorm2d(p: Scope, x: Value, opts: BatchNormOptions = {}): Value {
  const { train = false, eps = BATCH_NORM_EPS } = opts;
  if (x.rank < 2)
    throw new ShapeError(`BatchNorm '${p.prefix}': input ${formatShape(x.shape)} has no channel axis`);
  const c = x.shape[1];
  const weight = perChannel(p.get('weight', [c]), x.rank);
  const bias = perChannel(p.get('bias', [c]), x.rank);
  if (!train) {
    // PyTorch's CPU kernel folds the affine: y = x·scale + (bias − mean·scale).
    const scale = mul(weight, rsqrt(add(perChannel(p.get('running_var', [c]), x.rank), eps)));
    const shift = sub(bias, mul(perChannel(p.get('running_mean', [c]), x.rank), scale));
    return add(mul(x, scale), shift);
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = axes.reduce((n, ax) => n * x.shape[ax], 1);
  if (count < 2)
    throw new ShapeError(
      `BatchNorm '${p.prefix}': train mode needs more than one value per channel, got ${formatShape(x.shape)}`,
    );
  const mean = reduceMean(x, axes, true); // [1, C, 1, 1]
  const centred = sub(x, mean);
  const variance = reduceMean(mul(centred, centred), axes, true); // biased, [1, C, 1, 1]
  opts.stats?.set(p.prefix, { mean: reshape(mean, [c]), variance: reshape(variance, [c]), count });
  return add(mul(centred, mul(rsqrt(add(variance, eps)), weight)), bias);
}

/** A BatchNorm layer's running statistics on the host. */
export interface RunningStats {
  runningMean: Tensor<'float32'>;
  runningVar: Tensor<'float32'>;
  numBatchesTracked: bigint;
}

/**
 * PyTorch's running-statistics update after one train-mode batch: with factor m = momentum
 * (or 1/num_batches_tracked when momentum is null, a cumulative average),
 * mean ← (1−m)·mean + m·μ_batch and var ← (1−m)·var + m·σ²_batch·n/(n−1) (unbiased).
 * `batchVar` is the biased variance the graph normalised with; `count` is n = N·H·W.
 */
export function updateRunningStats(
  s: RunningStats,
  batchMean: ArrayLike<number>,
  batchVar: ArrayLike<number>,
  count: number,
  momentum: number | null = BATCH_NORM_MOMENTUM,
): RunningStats {
  const c = s.runningMean.size;
  if (batchMean.length !== c || batchVar.length !== c || s.runningVar.size !== c) {
    throw new ShapeError(
      `updateRunningStats: ${c} channels, batch mean has ${batchMean.length}, batch var ${batchVar.length}`,
    );
  }
  if (count < 2) throw new ShapeError(`updateRunningStats: need at least 2 values per channel, got ${count}`);
  const tracked = s.numBatchesTracked + 1n;
  const m = momentum ?? 1 / Number(tracked);
  const unbias = count / (count - 1);
  const mean = Tensor.float32([c]);
  const variance = Tensor.float32([c]);
  for (let i = 0; i < c; i++) {
    mean.data[i] = (1 - m) * s.runningMean.data[i] + m * batchMean[i];
    variance.data[i] = (1 - m) * s.runningVar.data[i] + m * batchVar[i] * unbias;
  }
  return { runningMean: mean, runningVar: variance, numBatchesTracked: tracked };
}

/** Reads `<prefix>.running_mean/var/num_batches_tracked` from a state dict. */
export function runningStatsOf(
  tensors: ReadonlyMap<string, Tensor>,
  prefix: string,
  source = 'weights',
): RunningStats {
  const get = (name: string): Tensor => {
    const t = tensors.get(`${prefix}.${name}`);
    if (!t) throw new CheckpointError(source, `missing tensor '${prefix}.${name}'`);
    return t;
  };
  const tracked = tensors.get(`${prefix}.num_batches_tracked`);
  return {
    runningMean: get('running_mean').toFloat32(),
    runningVar: get('running_var').toFloat32(),
    numBatchesTracked: tracked ? BigInt(tracked.data[0] as bigint | number) : 0n,
  };
}

/**
 * A new state dict with every layer in `batch` (prefix → host batch mean/biased var/count, e.g.
 * the train-mode graph's outputs) updated as PyTorch would after that forward pass.
 */
export function applyRunningStats(
  tensors: ReadonlyMap<string, Tensor>,
  batch: ReadonlyMap<string, { mean: Tensor; variance: Tensor; count: number }>,
  momentum: number | null = BATCH_NORM_MOMENTUM,
): Map<string, Tensor> {
  const out = new Map(tensors);
  for (const [prefix, b] of batch) {
    const mean = b.mean.toFloat32().data;
    const variance = b.variance.toFloat32().data;
    const s = updateRunningStats(runningStatsOf(tensors, prefix), mean, variance, b.count, momentum);
    out.set(`${prefix}.running_mean`, s.runningMean);
    out.set(`${prefix}.running_var`, s.runningVar);
    out.set(`${prefix}.num_batches_tracked`, Tensor.int64([], [s.numBatchesTracked]));
  }
  return out;
}
