import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { input } from '../../graph/value.js';
import { compile } from '../../runtime/compile.js';
import { mapBatches, batchRows } from '../batching.js';
import type { Classifier } from './classifier.js';
import { classify } from './network.js';

export interface PredictOptions {
  /** Images per ONNX Runtime call (the last batch is padded). Default 100. */
  batchSize?: number;
}

export interface Predictions {
  /** [N, numClasses]. */
  logits: Tensor<'float32'>;
  /** [N, featureDim]. */
  features: Tensor<'float32'>;
  /** [N, numClasses]. */
  probs: Tensor<'float32'>;
}

/** Runs the classifier (eval mode) over images [N, C, R, R] in [-1, 1], in batches. */
export async function predict(
  c: Classifier,
  images: Tensor,
  opts: PredictOptions = {},
): Promise<Predictions> {
  const cfg = c.config;
  const [n, ch, h, w] = images.shape;
  if (images.rank !== 4 || ch !== cfg.inChannels || h !== w || h < cfg.minResolution) {
    throw new ShapeError(
      `${c.name}: expected images [N, ${cfg.inChannels}, R, R] with R >= ${cfg.minResolution}, got ${formatShape(images.shape)}`,
    );
  }
  const [logits, features, probs] = await mapBatches(n, opts.batchSize ?? 100, async (start, count, size) => {
    const exe = await c.program(`predict:${size}x${h}`, () => {
      const x = input('x', [size, ch, h, w]);
      const out = classify(c.weights().at(''), cfg, x);
      return compile({
        inputs: [x],
        outputs: [out.logits, out.features, out.probs],
        outputNames: ['logits', 'features', 'probs'],
      });
    });
    const out = await exe.runNamed({ x: batchRows(images, start, count, size) });
    return [out.logits, out.features, out.probs];
  });
  return { logits, features, probs };
}

/** Index of the largest logit per row. */
export function argmaxRows(t: Tensor): Int32Array {
  const [n, k] = t.shape;
  const d = t.data as ArrayLike<number>;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}
