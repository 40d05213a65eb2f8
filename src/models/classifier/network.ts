import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, exp, leakyRelu, log, sub } from '../../graph/ops/elementwise.js';
import { gemm } from '../../graph/ops/matmul.js';
import { pad, reshape, slice } from '../../graph/ops/movement.js';
import { reduceMax, reduceMean, reduceSum } from '../../graph/ops/reduce.js';
import type { Value } from '../../graph/value.js';
import { type BatchStatsSink, batchNorm2d } from '../../nn/batchnorm.js';
import type { Scope } from '../../nn/weights.js';
import { maxPool2d } from '../vgg/features.js';
import { type ClassifierConfig, type ResolvedClassifier, resolveClassifier } from './config.js';

export interface ClassifyOptions {
  /** BatchNorm with batch statistics (training); default false: running statistics. */
  train?: boolean;
  /** Train mode records each BatchNorm's batch mean/variance here, keyed `bn<k>`. */
  stats?: BatchStatsSink;
  /**
   * Collects values whose sign changes exactly where the network has a kink: the input of each
   * leaky ReLU, and for each max-pool window x − max + 1e-6 (positive only at the maximum). Finite
   * difference checks pass them as guards to notice a step that crosses a kink.
   */
  kinks?: Value[];
}

export interface ClassifierOutputs {
  /** [N, numClasses]. */
  logits: Value;
  /** Global-average-pooled last stage, [N, featureDim]: FCD features and the feature loss. */
  features: Value;
  /** softmax(logits), [N, numClasses]. */
  probs: Value;
}

/** log softmax along `axis` as x − m − log Σ exp(x − m) with m = max(x): no overflow, no log 0. */
export function logSoftmax(x: Value, axis = -1): Value {
  const ax = axis < 0 ? x.rank + axis : axis;
  const shifted = sub(x, reduceMax(x, [ax], true));
  return sub(shifted, log(reduceSum(exp(shifted), [ax], true)));
}

export function softmax(x: Value, axis = -1): Value {
  return exp(logSoftmax(x, axis));
}

/**
 * The classifier on images x [N, inChannels, R, R] in [-1, 1] (the dense head pads R = 28 to its 32
 * with background). Everything is a graph value, so a feature or logit loss differentiates back to
 * x (and to the weights in 'input' mode).
 */
export function classify(
  p: Scope,
  cfg: ClassifierConfig | ResolvedClassifier,
  x: Value,
  opts: ClassifyOptions = {},
): ClassifierOutputs {
  const r = 'layers' in cfg ? cfg : resolveClassifier(cfg);
  const [n, c, h, w] = x.shape;
  if (x.rank !== 4 || c !== r.inChannels || h !== w) {
    throw new ShapeError(
      `classifier: input should be [N, ${r.inChannels}, R, R], got ${formatShape(x.shape)}`,
    );
  }
  if (h < r.minResolution) {
    throw new ShapeError(
      `classifier: its downsampling needs at least ${r.minResolution}px, input is ${formatShape(x.shape)}`,
    );
  }
  let y = x;
  if (r.head === 'dense' && h !== r.resolution) {
    const margin = (r.resolution - h) / 2;
    if (!Number.isInteger(margin) || margin < 0) {
      throw new ShapeError(
        `classifier: the dense head takes ${r.resolution}px images (or smaller by an even margin, padded), got ${formatShape(x.shape)}`,
      );
    }
    y = pad(x, [0, 0, margin, margin, 0, 0, margin, margin], 'constant', -1); // background of [-1, 1] images
  }
  for (const l of r.layers) {
    const weight = p.get(`conv${l.index}.weight`, [l.outChannels, l.inChannels, 3, 3]);
    const conv = conv2d(y, weight, undefined, { padding: 1, stride: l.stride });
    y = batchNorm2d(p.at(`bn${l.index}`), conv, { train: opts.train, stats: opts.stats });
    opts.kinks?.push(y);
    y = leakyRelu(y, r.lreluSlope);
    if (l.pool) {
      const pooled = maxPool2d(y);
      if (opts.kinks) opts.kinks.push(poolMargins(y, pooled));
      y = pooled;
    }
  }
  let features: Value;
  if (r.head === 'avgpool')
    features = reduceMean(y, [2, 3]); // [N, featureDim]
  else {
    const flat = reshape(y, [n, y.shape[1] * y.shape[2] * y.shape[3]]);
    const fc1 = p.get('fc1.weight', [r.featureDim, r.finalChannels * r.finalSide * r.finalSide]);
    const pre = gemm(flat, fc1, { transB: true }, p.get('fc1.bias', [r.featureDim]));
    opts.kinks?.push(pre);
    features = leakyRelu(pre, r.lreluSlope); // [N, featureDim]
  }
  const fcW = p.get('fc.weight', [r.numClasses, r.featureDim]);
  const logits = gemm(features, fcW, { transB: true }, p.get('fc.bias', [r.numClasses]));
  return { logits, features, probs: softmax(logits) };
}

/** x − max(window) + 1e-6 per 2×2 window: positive at each window's maximum, negative elsewhere. */
function poolMargins(x: Value, pooled: Value): Value {
  const [n, c, ho, wo] = pooled.shape;
  const cropped =
    x.shape[2] === 2 * ho && x.shape[3] === 2 * wo ? x : slice(x, [0, 0], [2 * ho, 2 * wo], [2, 3]);
  const windows = reshape(cropped, [n, c, ho, 2, wo, 2]);
  return add(sub(windows, reshape(pooled, [n, c, ho, 1, wo, 1])), 1e-6);
}
