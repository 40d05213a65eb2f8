import { ArgumentError } from '../core/errors.js';
import { grad } from '../graph/autodiff.js';
import { add, mul, sqrt, sub } from '../graph/ops/elementwise.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import type { Value } from '../graph/value.js';

/** Path-length regularisation settings (stylegan2-ada-pytorch's StyleGAN2Loss pl_* and G_reg_interval). */
export interface PathLengthSettings {
  /** Penalty weight (NVIDIA: 2; 0 switches the Greg phase off). */
  weight: number;
  /** The Greg phase runs on batch / batchShrink latents (NVIDIA: 2). */
  batchShrink: number;
  /** EMA rate of the tracked mean length (NVIDIA: 0.01). */
  decay: number;
  /** Lazy regularisation: Greg every `interval` steps, its loss scaled by the interval (NVIDIA: 4). */
  interval: number;
}

export const NVIDIA_PATH_LENGTH: PathLengthSettings = { weight: 2, batchShrink: 2, decay: 0.01, interval: 4 };

/** Rows of the Greg batch: NVIDIA's batch // pl_batch_shrink, which must leave at least one. */
export function pathLengthBatch(batch: number, s: Pick<PathLengthSettings, 'batchShrink'>): number {
  if (!Number.isInteger(s.batchShrink) || s.batchShrink < 1)
    throw new ArgumentError(`path-length batch shrink must be a positive integer, got ${s.batchShrink}`);
  const n = Math.floor(batch / s.batchShrink);
  if (n < 1) throw new ArgumentError(`path-length batch shrink ${s.batchShrink} leaves no rows of a batch of ${batch}`);
  return n;
}

export interface PathLengthTerms {
  /** The regularisation loss whose parameter gradient Greg applies: mean penalty · weight · interval. */
  loss: Value;
  /** Mean of (length − mean length)² over the batch (NVIDIA's Loss/pl_penalty). */
  penalty: Value;
  /** Per-sample path lengths [N]. */
  lengths: Value;
  /** The updated tracked mean length (what the trainer keeps for the next Greg). */
  plMean: Value;
}

/**
 * The path-length penalty of a generator pass img = G(ws): with y ~ N(0, I) of the image's shape
 * (`plNoise`), the Jacobian-vector product J_wsᵀ·y/√(H·W) is built by a first `grad` through the
 * synthesis graph; lengths are √(mean over the ws rows of Σ over w of its square); the tracked mean
 * moves toward their batch mean by `decay` (inside the graph, so its gradient is kept, as torch's
 * undetached lerp keeps it); penalty = (lengths − mean)². Differentiating `loss` w.r.t. the generator's
 * parameters is then a second-order gradient through every op of the synthesis graph.
 */
export function pathLengthTerms(
  ws: Value,
  img: Value,
  plNoise: Value,
  plMeanBefore: Value,
  s: Pick<PathLengthSettings, 'weight' | 'decay' | 'interval'>,
): PathLengthTerms {
  const [, , h, w] = img.shape;
  const y = mul(plNoise, 1 / Math.sqrt(h * w));
  const [plGrads] = grad(reduceSum(mul(img, y)), [ws]); // [N, numWs, wDim]
  const lengths = sqrt(reduceMean(reduceSum(mul(plGrads, plGrads), [2]), [1])); // [N]
  // torch: pl_mean.lerp(lengths.mean(), decay) = pl_mean + decay·(mean − pl_mean)
  const plMean = add(plMeanBefore, mul(sub(reduceMean(lengths), plMeanBefore), s.decay));
  const dev = sub(lengths, plMean);
  const penalty = reduceMean(mul(dev, dev));
  return { loss: mul(penalty, s.weight * s.interval), penalty, lengths, plMean };
}
