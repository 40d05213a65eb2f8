import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { vjp } from '../graph/autodiff.js';
import { clip } from '../graph/ops/elementwise.js';
import { input } from '../graph/value.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { classify } from '../models/classifier/network.js';
import type { GanModel } from '../models/ganModel.js';
import { styleSynthesis } from '../models/styleGraph.js';
import { splitStyleOffsets, styleLayout } from '../models/stylegan2/styles.js';
import { compile } from '../runtime/compile.js';
import { sampleStyles, type StyleGradientEstimate } from './styleSpace.js';

/** Rows [start, start + count) of ws [num, numWs, wDim] as a batch of `b` (the last row repeated to fill it: compiled programs have a fixed batch). */
export function paddedBatch(ws: Tensor<'float32'>, start: number, count: number, b: number): Tensor<'float32'> {
  const [, numWs, wDim] = ws.shape;
  const rowLen = numWs * wDim;
  const part = Tensor.float32([b, numWs, wDim]);
  for (let i = 0; i < b; i++) {
    const r = start + Math.min(i, count - 1);
    part.data.set(ws.data.subarray(r * rowLen, (r + 1) * rowLen), i * rowLen);
  }
  return part;
}

/**
 * Class gradients in S without probe noise: ∂p(k)/∂s for every class k and sample, by reverse mode
 * through generator and classifier (one compiled program: styles offsets Δs and a cotangent on the
 * class probabilities in, Jᵀ·cotangent out; run once per class with a one-hot cotangent). The
 * random-probe estimate (estimateStyleGradients) leaves each of 1024 channels under the noise of all
 * the others; this is exact per sample, so only the spread over samples remains. The result has the
 * estimate's shape (σ ⊙ ∇, means over samples; no attribute gradients) for styleClassDirections.
 */
export async function exactStyleClassGradients(
  model: GanModel,
  classifier: Classifier,
  o: { num?: number; firstSeed?: number; batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<StyleGradientEstimate> {
  const num = o.num ?? 500;
  const b = Math.min(o.batch ?? 25, num);
  if (model.architecture !== 'stylegan2') throw new ArgumentError(`StyleSpace gradients: ${model.name} is a ${model.architecture}; StyleSpace is implemented for StyleGAN2`);
  if (!Number.isInteger(num) || num < 2) throw new ArgumentError(`StyleSpace gradients: needs at least 2 samples, got ${num}`);
  const cfg = model.stylegan2();
  const layout = styleLayout(cfg);
  const d = layout.dim;
  const k = classifier.config.numClasses;
  const firstSeed = o.firstSeed ?? 0;
  const { ws, styles, std } = await sampleStyles(model, num, firstSeed);
  const exe = await model.program(`styleClassVjp:${classifier.name}:${classifier.manifest.contentHash ?? ''}:${b}`, () => {
    const w = input('ws', [b, cfg.numWs, cfg.wDim]);
    const ds = input('styleOffsets', [b, d]);
    const cot = input('cotangent', [b, k]);
    const img = clip(styleSynthesis(model, w, { styleOffsets: splitStyleOffsets(layout, ds), path: 'shared' }), -1, 1);
    const { probs } = classify(classifier.weights().at(''), classifier.config, img);
    const [g] = vjp([probs], [cot], [ds]);
    return compile({ inputs: [w, ds, cot], outputs: [probs, g], outputNames: ['probs', 'grad'] });
  });
  const probGrads = Array.from({ length: k }, () => new Float64Array(d));
  const ownClassGrads = Array.from({ length: k }, () => new Float64Array(d));
  const classCounts = new Int32Array(k);
  const zeros = Tensor.float32([b, d]);
  for (let start = 0; start < num; start += b) {
    const count = Math.min(b, num - start);
    const part = paddedBatch(ws, start, count, b);
    let top: Int32Array | null = null;
    let probs: Tensor | null = null;
    for (let c = 0; c < k; c++) {
      const cot = Tensor.float32([b, k]);
      for (let i = 0; i < b; i++) cot.data[i * k + c] = 1;
      const out = await exe.runNamed({ ws: part, styleOffsets: zeros, cotangent: cot });
      if (!top) {
        probs = out.probs;
        top = Int32Array.from({ length: count }, (_, i) => {
          let best = 0;
          for (let j = 1; j < k; j++) if (probs!.data[i * k + j] > probs!.data[i * k + best]) best = j;
          return best;
        });
      }
      for (let i = 0; i < count; i++) {
        const own = top[i] === c;
        const pc = Number(probs!.data[i * k + c]);
        for (let j = 0; j < d; j++) {
          const g = Number(out.grad.data[i * d + j]) * std[j];
          probGrads[c][j] += g / num;
          if (own) ownClassGrads[c][j] += g / pc; // ∂ log p = ∂p / p
        }
      }
    }
    for (let i = 0; i < count; i++) classCounts[top![i]]++;
    o.onProgress?.(start + count, num);
  }
  for (let c = 0; c < k; c++) if (classCounts[c] > 0) for (let j = 0; j < d; j++) ownClassGrads[c][j] /= classCounts[c];
  return {
    layout,
    specs: [],
    std,
    styles,
    grads: [],
    ownClassGrads,
    probGrads,
    classCounts,
    classNames: classifier.labelNames,
    classifier: classifier.name,
    epsilon: 0,
    num,
    firstSeed,
    model: { name: model.name, contentHash: model.manifest.contentHash },
  };
}
