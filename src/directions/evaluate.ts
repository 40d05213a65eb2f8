import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { type Latent, latentFromSeeds, renderLatent } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { type DirectionSet, directionIndex } from './direction.js';
import { edit } from './edit.js';
import type { EditUnits } from './editCodes.js';
import { labelsFor } from './attributeEval.js';
import { editByClass, perClassInfo } from './perClass.js';

export interface DirectionEvalOptions {
  /** Start latents (seeds firstSeed..; default 200 from seed 1,000,000, away from discovery seeds). */
  num?: number;
  firstSeed?: number;
  /** Edit strength S: slopes are (p(x + S·n) − p(x)) / S, the edit as applied (default 2). */
  strength?: number;
  units?: EditUnits;
  /** Truncation of the start latents (default 1). */
  psi?: number;
  /** Directions to evaluate (index or label; default all, at most 16). */
  components?: (number | string)[];
  /** Target classes per evaluated direction (default: from InterFaceGAN provenance, else none). */
  targets?: (number[] | null)[];
  layers?: [number, number] | null;
  /** Per-class sets: the labelling classifier, whose top class picks each seed's row. */
  labeller?: Classifier;
}

export interface DirectionEvalRow {
  label: string;
  /** Target classes of the direction (null when it has none, e.g. a PCA component). */
  target: number[] | null;
  /** Mean change per unit strength of each class probability: one row of the disentanglement matrix. */
  slopes: number[];
  /** Slope of the summed target probability. */
  targetSlope: number | null;
  /** max |slope| over non-target classes (all classes when there is no target). */
  maxOtherSlope: number;
  /** targetSlope / maxOtherSlope. */
  ratio: number | null;
  /** Mean feature distance |f(x + S·n) − f(x)| over mean |f(x)| (classifier features): 0 = identity kept. */
  featureChange: number;
  /** Mean target probability before and after the edit. */
  targetProb: [number, number] | null;
  /** Shares of the start seeds whose judged top class the edit kept, turned into a target class, or turned into another class. */
  topClass: { kept: number; toTarget: number; toOther: number };
}

export interface DirectionEval {
  classNames: string[];
  rows: DirectionEvalRow[];
  num: number;
  strength: number;
  units: EditUnits;
}

function meanRows(t: Tensor, n: number, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[j] += Number(t.data[i * k + j]) / n;
  return out;
}

function topClasses(t: Tensor, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (Number(t.data[i * k + j]) > Number(t.data[i * k + best])) best = j;
    return best;
  });
}

function defaultTargets(set: DirectionSet, index: number): number[] | null {
  const attrs = set.provenance.attributes as { classes?: number[] }[] | undefined;
  const classes = attrs?.[index]?.classes;
  return Array.isArray(classes) ? classes : null;
}

/**
 * Measures, with the classifier, how much each direction moves its target attribute per unit of
 * strength against how much it moves every other class (the disentanglement matrix), and how far
 * the classifier features travel (identity preservation).
 */
export async function evaluateDirections(model: GanModel, classifier: Classifier, set: DirectionSet, o: DirectionEvalOptions = {}): Promise<DirectionEval> {
  const num = o.num ?? 200;
  const s = o.strength ?? 2;
  if (!(s > 0)) throw new ArgumentError(`directions eval: strength must be positive, got ${s}`);
  const info = perClassInfo(set);
  const comps = info
    ? (o.components ?? info.knobs).map((c) => {
        const a = typeof c === 'number' ? c : info.knobs.indexOf(c);
        if (!(a >= 0 && a < info.knobs.length)) throw new ArgumentError(`directions eval: no knob '${c}' in the per-class set (${info.knobs.join(', ')})`);
        return a;
      })
    : (o.components ?? set.labels.slice(0, 16).map((_, i) => i)).map((c) => directionIndex(set, c));
  const k = classifier.config.numClasses;
  const space = set.space === 'z' ? 'z' : 'w';
  const seeds = Array.from({ length: num }, (_, i) => (o.firstSeed ?? 1_000_000) + i);
  const start: Latent = await latentFromSeeds(model, seeds, { space, psi: o.psi ?? 1 });
  const look = async (l: Latent) => {
    const img = await renderLatent(model, l, { batchSize: 50 });
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
    return predict(classifier, img, { batchSize: 100 });
  };
  const base = await look(start);
  const classes = info ? await labelsFor(model, o.labeller, info.classifier, start) : null;
  const fdim = base.features.shape[1];
  let baseNorm = 0;
  for (let i = 0; i < num; i++) {
    let q = 0;
    for (let j = 0; j < fdim; j++) q += base.features.data[i * fdim + j] ** 2;
    baseNorm += Math.sqrt(q) / num;
  }
  const p0 = meanRows(base.probs, num, k);
  const top0 = topClasses(base.probs, num, k);
  const rows: DirectionEvalRow[] = [];
  let units: EditUnits = o.units ?? 'distance';
  for (const [r, c] of comps.entries()) {
    const opts = { component: c, units: o.units, model, layers: o.layers };
    const plusL = info ? await editByClass(start, set, c, s, classes!, opts) : await edit(start, set, s, opts);
    const row = info ? info.rows[c][0] : c;
    units = plusL.provenance.units as EditUnits;
    const plus = await look(plusL);
    const pp = meanRows(plus.probs, num, k);
    const slopes = pp.map((v, j) => (v - p0[j]) / s);
    const target = o.targets?.[r] ?? defaultTargets(set, row);
    const inTarget = new Set(target ?? []);
    const targetSlope = target ? target.reduce((a, j) => a + slopes[j], 0) : null;
    let maxOther = 0;
    slopes.forEach((v, j) => {
      if (!inTarget.has(j)) maxOther = Math.max(maxOther, Math.abs(v));
    });
    let dist = 0;
    for (let i = 0; i < num; i++) {
      let q = 0;
      for (let j = 0; j < fdim; j++) q += (plus.features.data[i * fdim + j] - base.features.data[i * fdim + j]) ** 2;
      dist += Math.sqrt(q) / num;
    }
    const sum = (p: number[]) => (target ?? []).reduce((a, j) => a + p[j], 0);
    const top1 = topClasses(plus.probs, num, k);
    const topClass = { kept: 0, toTarget: 0, toOther: 0 };
    for (let i = 0; i < num; i++) {
      if (top1[i] === top0[i]) topClass.kept += 1 / num;
      else if (inTarget.has(top1[i])) topClass.toTarget += 1 / num;
      else topClass.toOther += 1 / num;
    }
    rows.push({
      label: info ? info.knobs[c] : set.labels[c],
      target,
      slopes,
      targetSlope,
      maxOtherSlope: maxOther,
      ratio: targetSlope === null ? null : targetSlope / maxOther,
      featureChange: dist / baseNorm,
      targetProb: target ? [sum(p0), sum(pp)] : null,
      topClass,
    });
  }
  return { classNames: [...classifier.labelNames], rows, num, strength: s, units };
}
