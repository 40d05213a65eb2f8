import type { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { mul, neg } from '../graph/ops/elementwise.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import { type Program, program } from '../graph/program.js';
import { input, type Value } from '../graph/value.js';
import type { ResolvedClassifier } from '../models/classifier/config.js';
import { classify, logSoftmax } from '../models/classifier/network.js';
import { type BatchStatsSink, isBatchNormBuffer } from '../nn/batchnorm.js';
import { Weights } from '../nn/weights.js';

/** Mean cross-entropy of logits [N, K] against target distributions [N, K] (one-hot or smoothed). */
export function crossEntropy(logits: Value, targets: Value): Value {
  return neg(reduceMean(reduceSum(mul(targets, logSoftmax(logits)), [1])));
}

export interface ClassifierTrainProgram {
  /**
   * Inputs: `x` [B, C, R, R], `targets` [B, K], then the trainable parameters by key. Outputs:
   * `loss`, `logits`, `grad:<key>` per parameter, `mean:<bn>` / `var:<bn>` per BatchNorm.
   */
  program: Program;
  /** Trainable keys, in the order of the `grad:` outputs. */
  params: string[];
  /** BatchNorm prefixes with the element count their statistics were taken over. */
  batchNorms: { prefix: string; count: number }[];
}

function nameOf(v: Value): string {
  return v.source.kind === 'input' ? v.source.name : String(v.id);
}

/**
 * One training step's forward and backward: BatchNorm in train mode (gradients through the batch
 * statistics, which are returned for the host's running-statistics update), cross-entropy loss,
 * gradients w.r.t. every non-buffer parameter.
 */
export function buildClassifierTrainProgram(
  tensors: ReadonlyMap<string, Tensor>,
  cfg: ResolvedClassifier,
  batch: number,
  resolution: number,
): ClassifierTrainProgram {
  const w = new Weights(tensors, 'input', 'classifier', isBatchNormBuffer);
  const x = input('x', [batch, cfg.inChannels, resolution, resolution]);
  const targets = input('targets', [batch, cfg.numClasses]);
  const stats: BatchStatsSink = new Map();
  const { logits } = classify(w.at(''), cfg, x, { train: true, stats });
  const loss = crossEntropy(logits, targets);
  const params = w.inputs();
  const grads = grad(loss, params);
  const outputs: Record<string, Value> = { loss, logits };
  params.forEach((p, i) => {
    outputs[`grad:${nameOf(p)}`] = grads[i];
  });
  const batchNorms: { prefix: string; count: number }[] = [];
  for (const [prefix, s] of stats) {
    outputs[`mean:${prefix}`] = s.mean;
    outputs[`var:${prefix}`] = s.variance;
    batchNorms.push({ prefix, count: s.count });
  }
  return { program: program([x, targets, ...params], outputs), params: params.map(nameOf), batchNorms };
}

/**
 * Eval-mode logits with every tensor (running statistics included) fed as an input, so one session
 * serves the whole run while the weights change. Inputs: `x`, then tensors by key.
 */
export function buildClassifierEvalProgram(
  tensors: ReadonlyMap<string, Tensor>,
  cfg: ResolvedClassifier,
  batch: number,
  resolution: number,
): { program: Program; keys: string[] } {
  const w = new Weights(tensors, 'input', 'classifier');
  const x = input('x', [batch, cfg.inChannels, resolution, resolution]);
  const { logits } = classify(w.at(''), cfg, x);
  const inputs = w.inputs();
  return { program: program([x, ...inputs], { logits }), keys: inputs.map(nameOf) };
}
