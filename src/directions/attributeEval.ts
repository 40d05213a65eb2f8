import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { type Latent, latentFromSeeds, renderLatent } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import { type AttributeSpec, classProbability } from './attributes.js';
import { type DirectionSet, directionIndex } from './direction.js';
import { edit } from './edit.js';
import type { EditUnits } from './editCodes.js';
import { MEASURE_NAMES, measureImages } from './measures.js';
import { classesOf, editByClass, perClassInfo } from './perClass.js';

export interface AttributeEvalOptions {
  /** Start latents (seeds firstSeed..; default 200 from seed 1,000,000, away from discovery seeds). */
  num?: number;
  firstSeed?: number;
  /** Edit strengths (default [1, 2]). */
  strengths?: number[];
  units?: EditUnits;
  psi?: number;
  /** Directions to evaluate (index or label; default all). */
  components?: (number | string)[];
  layers?: [number, number] | null;
  /** Per-class sets: the labelling classifier, whose top class picks each seed's row. */
  labeller?: Classifier;
}

export interface AttributeEvalRow {
  label: string;
  /** The direction's own attribute when it can be measured on images (a measure or a judge logit). */
  attribute: string | null;
  strength: number;
  /** Mean change of the own attribute over the seeds, in std of the attribute over the start latents. */
  attributeChange: number | null;
  /**
   * The same mean change in the attribute's pooled within-class std (withinClassStd): an extra unit
   * for knobs that keep the class; the bar is judged on attributeChange.
   */
  attributeChangeWithinClass: number | null;
  /** Fraction of seeds whose top class (by the judge) is the same before and after the edit. */
  classKept: number;
  /** Mean change of every built-in measure, in its std units. */
  others: Record<string, number>;
}

export interface AttributeEval {
  judge: string;
  num: number;
  units: EditUnits;
  /** Std over the start latents of each measured attribute (the unit of every change). */
  std: Record<string, number>;
  /** Pooled within-class std of each attribute over the start latents, grouped by the judge's top class before the edit. */
  withinClassStd: Record<string, number>;
  rows: AttributeEvalRow[];
}

/** The attribute a direction was found for, from its provenance (null when not image-measurable). */
export function directionAttribute(set: DirectionSet, index: number): AttributeSpec | null {
  const a = (set.provenance.attributes as Record<string, unknown>[] | undefined)?.[index];
  if (!a) return null;
  if (typeof a.measure === 'string') return { name: String(a.name), measure: a.measure as AttributeSpec['measure'] };
  if (typeof a.className === 'string' && a.logit !== null && a.logit !== undefined)
    return { name: String(a.name), className: a.className, logit: Number(a.logit), ...(a.prob === true ? { prob: true } : {}) };
  return null;
}

/**
 * Pooled within-group std: sqrt(Σ_g Σ_{i∈g} (xᵢ − mean_g)² / (n − number of groups)), the spread
 * left once each group's mean is removed (groups of one sample add nothing and cost a degree of freedom).
 */
export function pooledWithinStd(values: ArrayLike<number>, groups: ArrayLike<number>): number {
  if (values.length !== groups.length) throw new ArgumentError(`pooledWithinStd: ${values.length} values but ${groups.length} group labels`);
  const sums = new Map<number, { n: number; sum: number }>();
  for (let i = 0; i < values.length; i++) {
    const g = sums.get(groups[i]) ?? { n: 0, sum: 0 };
    g.n++;
    g.sum += values[i];
    sums.set(groups[i], g);
  }
  const dof = values.length - sums.size;
  if (dof < 1) return Number.NaN;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const g = sums.get(groups[i])!;
    ss += (values[i] - g.sum / g.n) ** 2;
  }
  return Math.sqrt(ss / dof);
}

/** How an attribute's spread splits between classes and within them (see classKeepingMoveBound). */
export interface AttributeSpread {
  /** Std over all samples (the unit of directions eval and of the bar). */
  std: number;
  /** Pooled within-class std (pooledWithinStd). */
  withinStd: number;
  /** withinStd / std: 1 when the classes share one mean, near 0 when the class decides the attribute. */
  withinShare: number;
  /**
   * 2 · withinShare: the largest change, in `std` units, that a +2σ edit can make while keeping every
   * class's latents where they were — to first order. For a direction whose projection p has the same
   * mean in every class (what keeping the class asks), an edit of +2σ_p moves a linear attribute by
   * 2·cov(a, p)/σ_p, and cov(a, p) = cov(a − E[a | class], p) ≤ withinStd · σ_p (Cauchy–Schwarz), so
   * the move is at most 2 · withinStd, i.e. 2 · withinShare in units of std. Reached when the
   * direction carries exactly the attribute's within-class part.
   */
  classKeepingBound: number;
}

export function attributeSpread(values: ArrayLike<number>, classes: ArrayLike<number>): AttributeSpread {
  const n = values.length;
  if (n < 2) throw new ArgumentError(`attributeSpread: need at least 2 values, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  const withinStd = pooledWithinStd(values, classes);
  const withinShare = std > 0 ? withinStd / std : Number.NaN;
  return { std, withinStd, withinShare, classKeepingBound: 2 * withinShare };
}

/** A logit attribute's class in the judge, found by name (the judge may order classes differently). */
function judgeClass(judge: Classifier, spec: AttributeSpec): number {
  const k = judge.labelNames.findIndex((n) => n.toLowerCase() === spec.className!.toLowerCase());
  if (k < 0) throw new ArgumentError(`directions eval: the judge ${judge.name} has no class '${spec.className}' (${judge.labelNames.join(', ')})`);
  return k;
}

interface Look {
  measures: Float64Array[];
  logits: Tensor;
  top: Int32Array;
}

/**
 * What an edit changes and what it keeps, graded by `judge` (any classifier bundle, ideally not the
 * one whose labels found the direction): per direction and strength, the own attribute's change in
 * its std units, the fraction of seeds whose top class is unchanged, and every built-in measure's
 * change in its std units.
 */
export async function evaluateAttributes(model: GanModel, judge: Classifier, set: DirectionSet, o: AttributeEvalOptions = {}): Promise<AttributeEval> {
  const num = o.num ?? 200;
  const strengths = o.strengths ?? [1, 2];
  if (num < 2) throw new ArgumentError(`directions eval: needs at least 2 start latents, got ${num}`);
  const info = perClassInfo(set);
  // Per-class sets are evaluated per knob (one slider, each seed edited along its class's row).
  const items = info
    ? (o.components ?? info.knobs).map((c) => {
        const a = typeof c === 'number' ? c : info.knobs.indexOf(c);
        if (!(a >= 0 && a < info.knobs.length)) throw new ArgumentError(`directions eval: no knob '${c}' in the per-class set (${info.knobs.join(', ')})`);
        return { label: info.knobs[a], row: info.rows[a][0], knob: a as number | null };
      })
    : (o.components ?? set.labels.map((_, i) => i)).map((c) => directionIndex(set, c)).map((row) => ({ label: set.labels[row], row, knob: null as number | null }));
  const seeds = Array.from({ length: num }, (_, i) => (o.firstSeed ?? 1_000_000) + i);
  const start: Latent = await latentFromSeeds(model, seeds, { space: set.space === 'z' ? 'z' : 'w', psi: o.psi ?? 1 });
  const k = judge.config.numClasses;
  const look = async (l: Latent): Promise<Look> => {
    const img = await renderLatent(model, l, { batchSize: 50 });
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
    const { logits } = await predict(judge, img, { batchSize: 100 });
    const top = new Int32Array(num);
    for (let i = 0; i < num; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits.data[i * k + j] > logits.data[i * k + best]) best = j;
      top[i] = best;
    }
    return { measures: measureImages(img, MEASURE_NAMES), logits, top };
  };
  const base = await look(start);
  const classes = info ? await labelsFor(model, o.labeller, info.classifier, start) : null;
  const std: Record<string, number> = {};
  const withinClassStd: Record<string, number> = {};
  const valueOf = (l: Look, spec: AttributeSpec): Float64Array =>
    spec.measure
      ? l.measures[MEASURE_NAMES.indexOf(spec.measure)]
      : spec.prob
        ? classProbability(l.logits, judgeClass(judge, spec))
        : Float64Array.from({ length: num }, (_, i) => Number(l.logits.data[i * k + judgeClass(judge, spec)]));
  const spread = (v: Float64Array) => {
    let m = 0;
    for (const x of v) m += x / v.length;
    let s = 0;
    for (const x of v) s += (x - m) ** 2 / (v.length - 1);
    return Math.sqrt(s);
  };
  MEASURE_NAMES.forEach((m, j) => {
    std[m] = spread(base.measures[j]);
    withinClassStd[m] = pooledWithinStd(base.measures[j], base.top);
  });
  const meanChange = (a: Float64Array, b: Float64Array, s: number) => {
    let d = 0;
    for (let i = 0; i < num; i++) d += (b[i] - a[i]) / num;
    return s > 0 ? d / s : Number.NaN;
  };
  const rows: AttributeEvalRow[] = [];
  let units: EditUnits = o.units ?? 'distance';
  for (const { label, row, knob } of items) {
    const spec = directionAttribute(set, row);
    if (spec && !spec.measure) {
      std[spec.name] = spread(valueOf(base, spec));
      withinClassStd[spec.name] = pooledWithinStd(valueOf(base, spec), base.top);
    }
    for (const s of strengths) {
      const edited =
        knob !== null
          ? await editByClass(start, set, knob, s, classes!, { model, units: o.units, layers: o.layers })
          : await edit(start, set, s, { component: row, units: o.units, model, layers: o.layers });
      units = edited.provenance.units as EditUnits;
      const after = await look(edited);
      let same = 0;
      for (let i = 0; i < num; i++) if (after.top[i] === base.top[i]) same++;
      const others: Record<string, number> = {};
      MEASURE_NAMES.forEach((m, j) => {
        if (m !== spec?.measure) others[m] = meanChange(base.measures[j], after.measures[j], std[m]);
      });
      rows.push({
        label,
        attribute: spec?.name ?? null,
        strength: s,
        attributeChange: spec ? meanChange(valueOf(base, spec), valueOf(after, spec), std[spec.name]) : null,
        attributeChangeWithinClass: spec ? meanChange(valueOf(base, spec), valueOf(after, spec), withinClassStd[spec.name]) : null,
        classKept: same / num,
        others,
      });
    }
  }
  return { judge: judge.name, num, units, std, withinClassStd, rows };
}

/** The labeller's top class per start latent, for a per-class set (its classifier by name). */
export async function labelsFor(model: GanModel, labeller: Classifier | undefined, name: string, start: Latent): Promise<Int32Array> {
  if (!labeller) throw new ArgumentError(`directions eval: a per-class set picks each seed's direction by its class: give the labelling classifier (${name}) with --classifier`);
  if (labeller.name !== name) throw new ArgumentError(`directions eval: the per-class set was labelled by '${name}', not by '${labeller.name}'`);
  return classesOf(model, labeller, start);
}
