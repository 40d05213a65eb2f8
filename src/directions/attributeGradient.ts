import { ArgumentError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { concatRows, selectAxis1, Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, sampleZ, synthesize } from '../models/generate.js';
import { type AttributeSpec, independentConditions, scoreChunk } from './attributes.js';
import { conditionalDirection } from './conditional.js';
import { type DirectionSet, makeDirectionSet, projectedStd, unit } from './direction.js';
import { checkRows } from './editCodes.js';

export interface GradientDirectionOptions {
  num?: number;
  firstSeed?: number;
  /** Half-width of the central difference, in W units (default 0.5: about a third of a typical sigma). */
  epsilon?: number;
  /** ws rows [start, end) perturbed, and the edit range of the result (default every row). */
  layers?: [number, number] | null;
  /** Keep every class: remove the mean gradient of each class's log-probability over its samples (default true). */
  keepClasses?: boolean;
  keepAttributes?: readonly AttributeSpec[];
  /** Seed of the random probe directions (default 0). */
  seed?: number;
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The 'gradient' method: the mean gradient of each attribute with respect to w, estimated through
 * the generator by random central differences (for sample i and a Gaussian probe uᵢ,
 * E[(a(wᵢ + εuᵢ) − a(wᵢ − εuᵢ)) / 2ε · uᵢ] = E[∇a], the average slope of the attribute along
 * every direction at once). Unlike the SVM and ridge fits, which follow what co-varies with the
 * attribute across samples, this follows what moving w does to it. 'class' keeping removes, per
 * class c, the mean gradient of log p(c) over the samples the classifier puts in c, so to first
 * order an edit leaves each garment's own class probability where it was.
 */
export async function gradientDirections(
  model: GanModel,
  classifier: Classifier,
  specs: readonly AttributeSpec[],
  o: GradientDirectionOptions = {},
): Promise<DirectionSet> {
  const num = o.num ?? 4000;
  const eps = o.epsilon ?? 0.5;
  const chunk = o.chunk ?? 250;
  const cfg = model.stylegan2();
  const [r0, r1] = checkRows(o.layers ?? null, cfg.numWs, 'gradient directions');
  if (!(eps > 0)) throw new ArgumentError(`gradient directions: epsilon must be positive, got ${eps}`);
  const kept = (o.keepAttributes ?? []).filter((k) => !specs.some((s) => s.name === k.name));
  const all = [...specs, ...kept];
  const d = cfg.wDim;
  const k = classifier.config.numClasses;
  const grads = all.map(() => new Float64Array(d));
  const classGrads = Array.from({ length: k }, () => new Float64Array(d));
  const classCounts = new Int32Array(k);
  const seeds = Array.from({ length: num }, (_, i) => (o.firstSeed ?? 0) + i);
  const w = Tensor.float32([num, d]);
  const rng = new RandomState(o.seed ?? 0);
  for (let start = 0; start < num; start += chunk) {
    const count = Math.min(chunk, num - start);
    const ws = await mapZ(model, sampleZ(model, seeds.slice(start, start + count)), { batchSize: chunk });
    const u = rng.randn(count, d);
    w.data.set(selectAxis1(ws, 0).data, start * d);
    const both = concatRows([ws, ws]); // [+eps side; -eps side]
    for (let i = 0; i < count; i++) {
      for (let side = 0; side < 2; side++) {
        const sign = side === 0 ? 1 : -1;
        const row = side * count + i;
        for (let r = r0; r < r1; r++) for (let j = 0; j < d; j++) both.data[(row * cfg.numWs + r) * d + j] += sign * eps * u[i * d + j];
      }
    }
    const img = await synthesize(model, both, { noiseMode: 'const', batchSize: 100 });
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
    const { logits } = await predict(classifier, img, { batchSize: 100 });
    const scores = scoreChunk(all, img, logits);
    const logp = (row: number, c: number) => {
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, logits.data[row * k + j]);
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(logits.data[row * k + j] - m);
      return logits.data[row * k + c] - m - Math.log(s);
    };
    for (let i = 0; i < count; i++) {
      scores.forEach((col, a) => {
        const slope = (col[i] - col[count + i]) / (2 * eps);
        for (let j = 0; j < d; j++) grads[a][j] += (slope * u[i * d + j]) / num;
      });
      let top = 0;
      for (let c = 1; c < k; c++) if (logits.data[i * k + c] + logits.data[(count + i) * k + c] > logits.data[i * k + top] + logits.data[(count + i) * k + top]) top = c;
      const slope = (logp(i, top) - logp(count + i, top)) / (2 * eps);
      classCounts[top]++;
      for (let j = 0; j < d; j++) classGrads[top][j] += slope * u[i * d + j];
    }
    o.onProgress?.(start + count, num);
  }
  const conds: { name: string; g: Float64Array }[] = [];
  if (o.keepClasses !== false)
    classGrads.forEach((g, c) => {
      // A class with a handful of samples has a gradient of noise: 2·dim samples at least.
      if (classCounts[c] >= 2 * d) conds.push({ name: `class:${classifier.labelNames[c]}`, g: g.map((v) => v / classCounts[c]) });
    });
  kept.forEach((spec, i) => conds.push({ name: spec.name, g: grads[specs.length + i] }));
  const rows: Float64Array[] = [];
  const info = specs.map((spec, a) => {
    const mine = conds.filter((c) => c.name !== spec.name && !(spec.className && c.name === `class:${spec.className}`));
    const g = grads[a];
    const { independent, dropped } = independentConditions(mine.map((c) => ({ name: c.name, normal: c.g })));
    const dir = independent.length ? conditionalDirection(g, independent.map((c) => c.normal)).direction : unit(g, `gradient of ${spec.name}`);
    rows.push(dir);
    let along = 0;
    let gn = 0;
    for (let j = 0; j < d; j++) {
      along += g[j] * dir[j];
      gn += g[j] * g[j];
    }
    return {
      name: spec.name,
      measure: spec.measure ?? null,
      logit: spec.logit ?? null,
      className: spec.className ?? null,
      classes: spec.logit === undefined ? null : [spec.logit],
      method: 'gradient',
      // Mean attribute change per unit of W distance along the result, and along the raw gradient.
      slope: along,
      gradientNorm: Math.sqrt(gn),
      kept: mine.map((c) => c.name),
      redundant: dropped,
      cosineToUnconditioned: along / Math.sqrt(gn),
    };
  });
  const draft = makeDirectionSet(rows, { space: 'w', provenance: { method: 'interfacegan' } });
  return makeDirectionSet(rows, {
    space: 'w',
    labels: specs.map((s) => s.name),
    sigma: projectedStd(w, draft.vectors),
    layers: r0 === 0 && r1 === cfg.numWs ? null : [r0, r1],
    model: { name: model.name, contentHash: model.manifest.contentHash },
    provenance: {
      method: 'interfacegan',
      attributeMethod: 'gradient',
      epsilon: eps,
      samples: num,
      firstSeed: o.firstSeed ?? 0,
      classifier: classifier.name,
      classCounts: Array.from(classCounts),
      keep: [...(o.keepClasses !== false ? ['class'] : []), ...kept.map((s) => s.name)],
      attributes: info,
    },
  });
}
