import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { type Latent, renderLatent, toWs } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { estimateAttributeGradients, type GradientDirectionOptions, type GradientEstimate, gradientAttributeRecord, knobRows, setFromEstimate } from './attributeGradient.js';
import { type AttributeSpec, independentConditions } from './attributes.js';
import { conditionalDirection } from './conditional.js';
import { cosine, type DirectionSet, unit } from './direction.js';
import { checkRows, type EditUnits, editStep } from './editCodes.js';

/**
 * Per-class knobs: one slider per attribute whose direction depends on the garment being edited.
 * The gradient method's estimate already holds, per class c, the mean gradient of every attribute
 * over the samples the labelling classifier puts in c; a per-class knob edits a c-garment along
 * that gradient (made orthogonal to what it keeps, within c), not along the mean over every class,
 * which is a compromise between garments whose attribute moves differently (a sleeve and a heel).
 *
 * A per-class set is an ordinary direction set with one row per (knob, class), labelled
 * 'KNOB@CLASS' — each row is a valid direction on its own, with its own sigma (the std of every
 * sampled w along it, as for every direction) — plus `provenance.perClass`, which tells `eval`
 * and `edit` to pick each latent's row by the class the labelling classifier gives its image.
 */
export interface PerClassInfo {
  /** The labelling classifier (by bundle name): its top class picks each latent's row. */
  classifier: string;
  classNames: string[];
  knobs: string[];
  /** rows[k][c] = row of knob k for class c. */
  rows: number[][];
}

/** What a per-class attribute knob keeps within the garment's class. */
export type PerClassKeep = 'own' | 'all' | 'none';

/** The per-class layout of a set, or null for an ordinary set. */
export function perClassInfo(set: DirectionSet): PerClassInfo | null {
  const p = set.provenance.perClass as PerClassInfo | undefined;
  if (!p) return null;
  if (!Array.isArray(p.rows) || p.rows.length !== p.knobs.length || p.rows.some((r) => r.length !== p.classNames.length || r.some((i) => !(i >= 0 && i < set.labels.length))))
    throw new ArgumentError(`per-class direction set: provenance.perClass.rows must give a row (0..${set.labels.length - 1}) per knob and class`);
  return p;
}

function finish(est: GradientEstimate, rows: Float64Array[], labels: string[], info: Record<string, unknown>[], knobs: string[], extra: Record<string, unknown>): DirectionSet {
  const k = est.classNames.length;
  const perClass: PerClassInfo = { classifier: est.classifier, classNames: [...est.classNames], knobs, rows: knobs.map((_, a) => Array.from({ length: k }, (_, c) => a * k + c)) };
  return setFromEstimate(est, rows, labels, { ...extra, perClass, attributes: info });
}

/**
 * Per-class attribute knobs from a gradient estimate: for class c, the mean attribute gradient over
 * c's samples made orthogonal (within c) to the mean gradient of log p(c) ('own': the garment stays
 * as likely a c as it was) or of every log p(j) ('all'), or left as it is ('none'). A class with
 * fewer than `minCount` samples (default 2·dim, as the global keeping) uses the attribute's gradient
 * over every sample, kept orthogonal to the classes that have enough.
 */
export function perClassAttributeDirections(est: GradientEstimate, o: { keep?: PerClassKeep; minCount?: number } = {}): DirectionSet {
  const keep = o.keep ?? 'own';
  const d = est.w.shape[1];
  const minCount = o.minCount ?? 2 * d;
  const k = est.classNames.length;
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  const info: Record<string, unknown>[] = [];
  est.specs.forEach((spec, a) => {
    for (let c = 0; c < k; c++) {
      const own = est.classCounts[c] >= minCount;
      const g = own ? est.gradsByClass[c][a] : est.grads[a];
      // A logit knob for the garment's own class raises that class: keeping it would cancel the knob.
      const selfClass = spec.className === est.classNames[c];
      const conds = own
        ? keep === 'none' || selfClass
          ? []
          : (keep === 'own' ? [c] : est.classNames.map((_, j) => j)).filter((j) => !(spec.className === est.classNames[j])).map((j) => ({ name: `class:${est.classNames[j]}`, normal: est.logpByClass[c][j] }))
        : est.classNames.flatMap((name, j) => (est.classCounts[j] >= minCount && spec.className !== name ? [{ name: `class:${name}`, normal: est.classGrads[j] }] : []));
      const { independent, dropped } = independentConditions(conds);
      const dir = independent.length ? conditionalDirection(g, independent.map((x) => x.normal)).direction : unit(g, `gradient of ${spec.name} in class ${est.classNames[c]}`);
      rows.push(dir);
      labels.push(`${spec.name}@${est.classNames[c]}`);
      const where = { forClass: est.classNames[c], samples: est.classCounts[c], fallback: !own };
      info.push(gradientAttributeRecord(spec, g, dir, where, independent.map((x) => x.name), dropped));
    }
  });
  return finish(est, rows, labels, info, est.specs.map((s) => s.name), { keep: [`class (${keep}, within each class)`], perClassKeep: keep });
}

/**
 * Per-class class knobs from an estimate of the class probabilities' gradients (specs prob:0..K−1):
 * knob k edits a c-garment along the mean gradient of p(k) over c's samples, made orthogonal to the
 * `nearest` classes j ≠ k whose gradients (over the same samples) have the largest cosine with it —
 * conditioned on its nearest classes where the garment is, rather than on average.
 */
export function perClassClassDirections(est: GradientEstimate, o: { nearest?: number; minCount?: number } = {}): DirectionSet {
  const k = est.classNames.length;
  const d = est.w.shape[1];
  const nearest = o.nearest ?? 2;
  const minCount = o.minCount ?? 2 * d;
  if (est.specs.length !== k || est.specs.some((s, i) => !s.prob || s.logit !== i))
    throw new ArgumentError('per-class class directions need the gradients of every class probability (specs prob:0..K-1)');
  if (!Number.isInteger(nearest) || nearest < 0 || nearest > k - 2) throw new ArgumentError(`per-class class directions: nearest must be 0..${k - 2}, got ${nearest}`);
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  const info: Record<string, unknown>[] = [];
  for (let t = 0; t < k; t++)
    for (let c = 0; c < k; c++) {
      const own = est.classCounts[c] >= minCount;
      const grads = own ? est.gradsByClass[c] : est.grads;
      const near = grads
        .map((g, j) => ({ j, cos: j === t ? -Infinity : cosine(grads[t], g) }))
        .sort((x, y) => y.cos - x.cos || x.j - y.j)
        .slice(0, nearest);
      const dir = near.length ? conditionalDirection(grads[t], near.map((n) => grads[n.j])).direction : unit(grads[t], `gradient of p(${est.classNames[t]})`);
      rows.push(dir);
      labels.push(`${est.classNames[t]}@${est.classNames[c]}`);
      info.push({
        name: est.classNames[t],
        classes: [t],
        forClass: est.classNames[c],
        samples: est.classCounts[c],
        fallback: !own,
        kept: near.map((n) => est.classNames[n.j]),
        nearest: near.map((n) => ({ name: est.classNames[n.j], cosine: n.cos })),
      });
    }
  return finish(est, rows, labels, info, [...est.classNames], { score: 'probability', nearest });
}

/**
 * `directions interfacegan --attribute … --per-class`: the gradient estimate (on the knob rows by
 * default, as gradientDirections) made into per-class knobs.
 */
export async function perClassGradientDirections(
  model: GanModel,
  classifier: Classifier,
  specs: readonly AttributeSpec[],
  o: Omit<GradientDirectionOptions, 'keepClasses' | 'keepAttributes' | 'precondition'> & { keep?: PerClassKeep; minCount?: number } = {},
): Promise<DirectionSet> {
  const layers = o.layers === undefined ? knobRows(model.manifest.layers, model.stylegan2().numWs) : o.layers;
  const est = await estimateAttributeGradients(model, classifier, specs, { ...o, layers });
  return perClassAttributeDirections(est, { keep: o.keep, minCount: o.minCount });
}

/** Top class of each latent's image by `classifier` (images clamped to [-1, 1], as labelling does). */
export async function classesOf(model: GanModel, classifier: Classifier, latent: Latent): Promise<Int32Array> {
  const img = await renderLatent(model, latent, { batchSize: 50 });
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
  const { logits } = await predict(classifier, img, { batchSize: 100 });
  const [n, k] = logits.shape;
  const top = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let j = 1; j < k; j++) if (logits.data[i * k + j] > logits.data[i * k + top[i]]) top[i] = j;
  return top;
}

/** The knob index of a per-class set, by name or index. */
export function knobIndex(info: PerClassInfo, knob: number | string): number {
  const i = typeof knob === 'number' ? knob : info.knobs.indexOf(knob);
  if (!(i >= 0 && i < info.knobs.length)) throw new ArgumentError(`no knob '${knob}' in the per-class set (knobs: ${info.knobs.join(', ')})`);
  return i;
}

/**
 * ws [N, numWs, wDim] with sample i moved by strength · step(row of knob `knob` for classes[i]) on
 * ws rows `layers` (default the set's range, else all).
 */
export function editWsByClass(
  ws: Tensor,
  set: DirectionSet,
  knob: number | string,
  strength: number,
  classes: Int32Array,
  o: { units?: EditUnits; layers?: [number, number] | null } = {},
): { ws: Tensor<'float32'>; knob: string; units: EditUnits; layers: [number, number] } {
  const info = perClassInfo(set);
  if (!info) throw new ArgumentError('per-class edit: the direction set has no per-class rows (provenance.perClass)');
  if (set.space !== 'w') throw new ArgumentError('per-class edit: per-class knobs are W directions');
  if (!Number.isFinite(strength)) throw new ArgumentError(`edit: strength must be finite, got ${strength}`);
  if (ws.rank !== 3) throw new ArgumentError(`per-class edit: ws must be [N, numWs, wDim], got rank ${ws.rank}`);
  const a = knobIndex(info, knob);
  const [n, numWs, d] = ws.shape;
  if (classes.length !== n) throw new ArgumentError(`per-class edit: ${classes.length} classes for ${n} latents`);
  if (set.vectors.shape[1] !== d) throw new ArgumentError(`per-class edit: directions are ${set.vectors.shape[1]}-d, ws rows are ${d}-d`);
  const [r0, r1] = checkRows(o.layers === undefined ? set.layers : o.layers, numWs);
  const steps = info.rows[a].map((row) => editStep(set, { component: row, units: o.units }));
  const out = new Tensor('float32', ws.shape, ws.toFloat32().data.slice());
  for (let i = 0; i < n; i++) {
    const c = classes[i];
    if (!(c >= 0 && c < steps.length)) throw new ArgumentError(`per-class edit: class ${c} of latent ${i} is not one of the set's ${steps.length}`);
    const { step } = steps[c];
    for (let r = r0; r < r1; r++) for (let j = 0; j < d; j++) out.data[(i * numWs + r) * d + j] += strength * step[j];
  }
  return { ws: out, knob: info.knobs[a], units: steps[0].units, layers: [r0, r1] };
}

/**
 * Moves each latent along its own class's row of knob `knob` (classes[i]: the labeller's top class
 * of latent i, see classesOf). Always returns W+ codes.
 */
export async function editByClass(
  latent: Latent,
  set: DirectionSet,
  knob: number | string,
  strength: number,
  classes: Int32Array,
  o: { model: GanModel; units?: EditUnits; layers?: [number, number] | null },
): Promise<Latent> {
  const r = editWsByClass(await toWs(o.model, latent), set, knob, strength, classes, o);
  return {
    ...latent,
    space: 'w+',
    codes: r.ws,
    provenance: { kind: 'edit', direction: r.knob, perClass: true, strength, units: r.units, layers: r.layers, from: latent.provenance },
  };
}
