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
import type { AttributeSpec } from './attributes.js';
import { type GraphMeasureName, isGraphMeasure, measureGraph } from './measureGraph.js';
import { sampleStyles, type StyleGradientEstimate } from './styleSpace.js';
import { paddedBatch } from './styleSpaceExact.js';

/**
 * An attribute whose gradient in S reverse mode can give: a graph measure (measureGraph.ts; area,
 * width and height through their smooth surrogates), a logit or a class probability.
 */
export function hasExactGradient(spec: AttributeSpec): boolean {
  return spec.logit !== undefined || (spec.measure !== undefined && isGraphMeasure(spec.measure));
}

/**
 * Attribute gradients in S without probe noise, as exactStyleClassGradients does for classes: one
 * compiled program (ws, style offsets and cotangents on the image measures, logits and class
 * probabilities in; Jᵀ·cotangent out, reverse mode through generator, [−1, 1] clamp, measures and
 * labeller), run once per attribute with a cotangent of ones on its column, and once with
 * 1/p(top class) on each sample's top class (∂ log p(own class)/∂s, the knobs' side effect). The
 * result has the probe estimate's fields for styleAttributeDirections (σ ⊙ ∇, means over samples);
 * probGrads is left empty (class directions take exactStyleClassGradients).
 */
export async function exactStyleAttributeGradients(
  model: GanModel,
  classifier: Classifier,
  specs: readonly AttributeSpec[],
  o: { num?: number; firstSeed?: number; batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<StyleGradientEstimate> {
  const num = o.num ?? 1000;
  const b = Math.min(o.batch ?? 25, num);
  if (model.architecture !== 'stylegan2') throw new ArgumentError(`StyleSpace gradients: ${model.name} is a ${model.architecture}; StyleSpace is implemented for StyleGAN2`);
  if (!Number.isInteger(num) || num < 2) throw new ArgumentError(`StyleSpace gradients: needs at least 2 samples, got ${num}`);
  const bad = specs.filter((s) => !hasExactGradient(s));
  if (bad.length) throw new ArgumentError(`exact StyleSpace gradients: no graph form for ${bad.map((s) => s.name).join(', ')} (graph measures: brightness, ink, area, width, height, symmetry, texture; logit:, prob:)`);
  const cfg = model.stylegan2();
  const layout = styleLayout(cfg);
  const d = layout.dim;
  const k = classifier.config.numClasses;
  const measures = [...new Set(specs.flatMap((s) => (s.measure && s.logit === undefined ? [s.measure as GraphMeasureName] : [])))];
  const m = Math.max(1, measures.length);
  const firstSeed = o.firstSeed ?? 0;
  const { ws, styles, std } = await sampleStyles(model, num, firstSeed);
  const key = `styleAttrVjp:${classifier.name}:${classifier.manifest.contentHash ?? ''}:${measures.join(',')}:${b}`;
  const exe = await model.program(key, () => {
    const w = input('ws', [b, cfg.numWs, cfg.wDim]);
    const ds = input('styleOffsets', [b, d]);
    const cotM = input('cotMeasures', [b, m]);
    const cotL = input('cotLogits', [b, k]);
    const cotP = input('cotProbs', [b, k]);
    const img = clip(styleSynthesis(model, w, { styleOffsets: splitStyleOffsets(layout, ds), path: 'shared' }), -1, 1);
    const { logits, probs } = classify(classifier.weights().at(''), classifier.config, img);
    const outs = measures.length ? [measureGraph(img, measures), logits, probs] : [logits, probs];
    const cots = measures.length ? [cotM, cotL, cotP] : [cotL, cotP];
    const [g] = vjp(outs, cots, [ds]);
    return compile({ inputs: [w, ds, cotM, cotL, cotP], outputs: [probs, g], outputNames: ['probs', 'grad'] });
  });
  const grads = specs.map(() => new Float64Array(d));
  const ownClassGrads = Array.from({ length: k }, () => new Float64Array(d));
  const ownClassMeanSquares = Array.from({ length: k }, () => new Float64Array(d));
  const classCounts = new Int32Array(k);
  const zeros = Tensor.float32([b, d]);
  for (let start = 0; start < num; start += b) {
    const count = Math.min(b, num - start);
    const part = paddedBatch(ws, start, count, b);
    const run = (fill: (cm: Tensor, cl: Tensor, cp: Tensor) => void) => {
      const cm = Tensor.float32([b, m]);
      const cl = Tensor.float32([b, k]);
      const cp = Tensor.float32([b, k]);
      fill(cm, cl, cp);
      return exe.runNamed({ ws: part, styleOffsets: zeros, cotMeasures: cm, cotLogits: cl, cotProbs: cp });
    };
    let probs: Tensor | null = null;
    for (let a = 0; a < specs.length; a++) {
      const s = specs[a];
      const out = await run((cm, cl, cp) => {
        for (let i = 0; i < count; i++) {
          if (s.logit !== undefined) (s.prob ? cp : cl).data[i * k + s.logit] = 1;
          else cm.data[i * m + measures.indexOf(s.measure as GraphMeasureName)] = 1;
        }
      });
      probs = out.probs;
      for (let i = 0; i < count; i++) for (let j = 0; j < d; j++) grads[a][j] += (Number(out.grad.data[i * d + j]) * std[j]) / num;
    }
    if (!probs) probs = (await run(() => {})).probs;
    const p = probs;
    const top = Int32Array.from({ length: count }, (_, i) => {
      let best = 0;
      for (let j = 1; j < k; j++) if (p.data[i * k + j] > p.data[i * k + best]) best = j;
      return best;
    });
    // ∂ log p(top)/∂s = ∂p(top)/∂s / p(top), every sample in one pass.
    const own = await run((_, __, cp) => {
      for (let i = 0; i < count; i++) cp.data[i * k + top[i]] = 1 / Math.max(Number(p.data[i * k + top[i]]), 1e-30);
    });
    for (let i = 0; i < count; i++) {
      classCounts[top[i]]++;
      for (let j = 0; j < d; j++) {
        const g = Number(own.grad.data[i * d + j]) * std[j];
        ownClassGrads[top[i]][j] += g;
        ownClassMeanSquares[top[i]][j] += g * g;
      }
    }
    o.onProgress?.(start + count, num);
  }
  for (let c = 0; c < k; c++)
    if (classCounts[c] > 0)
      for (let j = 0; j < d; j++) {
        ownClassGrads[c][j] /= classCounts[c];
        ownClassMeanSquares[c][j] /= classCounts[c];
      }
  return {
    layout,
    specs: [...specs],
    ownClassMeanSquares,
    std,
    styles,
    grads,
    ownClassGrads,
    probGrads: [],
    classCounts,
    classNames: classifier.labelNames,
    classifier: classifier.name,
    epsilon: 0,
    num,
    firstSeed,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    exactSpecs: specs.map((s) => s.name),
    exactNum: num,
  };
}

/**
 * One estimate for `specs` from an exact one (for the specs it holds) and a probe one (for the
 * rest): gradients in spec order from whichever holds them, each with the class side effects of the
 * same estimate (specSides: a probed gain against an exact side effect would pick the channels that
 * do nothing, whose exact side effect is 0). `exactSpecs` names the exact ones.
 */
export function mergeStyleEstimates(specs: readonly AttributeSpec[], exact: StyleGradientEstimate | null, probe: StyleGradientEstimate | null): StyleGradientEstimate {
  const base = exact ?? probe;
  if (!base) throw new ArgumentError('mergeStyleEstimates: no estimate');
  const sources = specs.map((s) => {
    const from = exact?.specs.includes(s) ? exact : probe;
    const i = from ? from.specs.indexOf(s) : -1;
    if (!from || i < 0) throw new ArgumentError(`mergeStyleEstimates: no gradient for '${s.name}'`);
    return { from, i };
  });
  const grads = sources.map(({ from, i }) => from.grads[i]);
  const specSides = sources.map(({ from }) => (from === base ? null : { ownClassGrads: from.ownClassGrads, classCounts: from.classCounts }));
  return {
    ...base,
    specs: [...specs],
    grads,
    epsilon: probe?.epsilon ?? 0,
    num: Math.max(exact?.num ?? 0, probe?.num ?? 0),
    exactSpecs: exact ? exact.specs.map((s) => s.name) : [],
    exactNum: exact?.num,
    specSides,
  };
}
