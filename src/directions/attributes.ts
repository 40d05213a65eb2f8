import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { conditionalDirection } from './conditional.js';
import { type DirectionSet, type DirectionSpace, makeDirectionSet, rowsStd } from './direction.js';
import { trainBoundary } from './interfacegan.js';
import { isMeasureName, MEASURE_NAMES, type MeasureName, measureImages } from './measures.js';
import { ridgeDirection } from './ridge.js';

/**
 * An attribute an edit direction is found for: a built-in image measure, a classifier logit
 * (`logit:Sneaker`), or a column of scores from a file.
 */
export interface AttributeSpec {
  name: string;
  measure?: MeasureName;
  /** Class index of a logit (or, with `prob`, probability) attribute and its class name (the judge finds it by name). */
  logit?: number;
  /** The class's softmax probability instead of its logit (`prob:Sneaker`). */
  prob?: boolean;
  className?: string;
}

/** The spec part of a set's `provenance.attributes[i]`, the record of what row i was found for (directionAttribute reads it back). */
export interface AttributeRecord {
  name: string;
  measure: MeasureName | null;
  logit: number | null;
  prob: boolean;
  className: string | null;
  /** Class indices the attribute is about (a logit's or probability's class), null for a measure. */
  classes: number[] | null;
}

/** A spec as its provenance record: what it leaves out as null (prob as false). */
export function attributeRecord(spec: AttributeSpec): AttributeRecord {
  return {
    name: spec.name,
    measure: spec.measure ?? null,
    logit: spec.logit ?? null,
    prob: spec.prob ?? false,
    className: spec.className ?? null,
    classes: spec.logit === undefined ? null : [spec.logit],
  };
}

/** 'brightness,width,logit:Sneaker' → specs; class names any case, or indices. */
export function parseAttributeSpecs(text: string, labelNames: readonly string[] = []): AttributeSpec[] {
  const lower = labelNames.map((n) => n.toLowerCase());
  const specs = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((token): AttributeSpec => {
      if (isMeasureName(token)) return { name: token, measure: token };
      const kind = token.startsWith('logit:') ? 'logit' : token.startsWith('prob:') ? 'prob' : null;
      if (kind) {
        const cls = token.slice(kind.length + 1).trim();
        let k = lower.indexOf(cls.toLowerCase());
        if (k < 0 && /^\d+$/.test(cls) && Number(cls) < labelNames.length) k = Number(cls);
        if (k < 0)
          throw new ArgumentError(
            labelNames.length
              ? `attribute '${token}': '${cls}' is not a class (${labelNames.join(', ')} or 0..${labelNames.length - 1})`
              : `attribute '${token}': logit attributes need a classifier`,
          );
        return kind === 'prob' ? { name: `prob:${labelNames[k]}`, logit: k, prob: true, className: labelNames[k] } : { name: `logit:${labelNames[k]}`, logit: k, className: labelNames[k] };
      }
      throw new ArgumentError(`unknown attribute '${token}': built-in ${MEASURE_NAMES.join(', ')}, logit:CLASS or prob:CLASS`);
    });
  if (!specs.length) throw new ArgumentError('give at least one attribute');
  return specs;
}

/** Scores of a chunk: out[a][i] for spec a and image i (logit attributes read `logits` [N, K]). */
export function scoreChunk(specs: readonly AttributeSpec[], images: Tensor, logits: Tensor | null): Float64Array[] {
  const measures = specs.filter((s) => s.measure).map((s) => s.measure!);
  const measured = measures.length ? measureImages(images, measures) : [];
  const n = images.shape[0];
  return specs.map((s) => {
    if (s.measure) return measured[measures.indexOf(s.measure)];
    if (s.logit === undefined) throw new ArgumentError(`attribute '${s.name}' cannot be measured on images (it came from a score file)`);
    if (!logits) throw new ArgumentError(`attribute '${s.name}' needs classifier logits`);
    const k = logits.shape[1];
    if (s.logit >= k) throw new ArgumentError(`attribute '${s.name}': class ${s.logit} of a ${k}-class classifier`);
    return s.prob ? classProbability(logits, s.logit) : Float64Array.from({ length: n }, (_, i) => Number(logits.data[i * k + s.logit!]));
  });
}

/** Softmax probability of class c per row of logits [N, K]. */
export function classProbability(logits: Tensor, c: number): Float64Array {
  const [n, k] = logits.shape;
  const x = logits.toFloat64().data;
  return Float64Array.from({ length: n }, (_, i) => {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, x[i * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(x[i * k + j] - m);
    return Math.exp(x[i * k + c] - m) / sum;
  });
}

export type AttributeMethod = 'svm' | 'ridge';

export interface AttributeDirectionOptions {
  method?: AttributeMethod;
  /** SVM: fraction kept at each end of the score ranking (default 0.02, InterFaceGAN's). */
  ratio?: number;
  split?: number;
  svmC?: number;
  /** Ridge penalty (see ridgeDirection). */
  alpha?: number;
  space: DirectionSpace;
  /** With class keeping: fit on deviations from each (top) class's mean (default true). */
  withinClass?: boolean;
  model?: { name: string; contentHash: string };
  source?: Record<string, unknown>;
}

/**
 * The conditions, minus those whose part outside the span of the earlier ones is shorter than
 * `tol` (Gram–Schmidt): two classes told apart by one axis give two boundaries along that axis,
 * and a near-singular Gram matrix would turn their difference (noise) into a large correction.
 */
export function independentConditions<T extends { name: string; normal: Float64Array }>(conds: readonly T[], tol = 0.05): { independent: T[]; dropped: string[] } {
  const basis: Float64Array[] = [];
  const independent: T[] = [];
  const dropped: string[] = [];
  for (const c of conds) {
    const r = Float64Array.from(c.normal);
    let len = 0;
    for (const v of r) len += v * v;
    len = Math.sqrt(len);
    for (let j = 0; j < r.length; j++) r[j] /= len;
    for (const b of basis) {
      let p = 0;
      for (let j = 0; j < r.length; j++) p += r[j] * b[j];
      for (let j = 0; j < r.length; j++) r[j] -= p * b[j];
    }
    let rest = 0;
    for (const v of r) rest += v * v;
    rest = Math.sqrt(rest);
    if (rest < tol) {
      dropped.push(c.name);
      continue;
    }
    basis.push(r.map((v) => v / rest));
    independent.push(c);
  }
  return { independent, dropped };
}

/** Index of the highest-scoring class per sample. */
function topClasses(scores: readonly ArrayLike<number>[], n: number): Int32Array {
  const top = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let c = 1; c < scores.length; c++) if (scores[c][i] > scores[top[i]][i]) top[i] = c;
  return top;
}

function centreScores(s: ArrayLike<number>, groups: Int32Array): Float64Array {
  const sum = new Map<number, [number, number]>();
  groups.forEach((g, i) => {
    const e = sum.get(g) ?? [0, 0];
    e[0] += s[i];
    e[1]++;
    sum.set(g, e);
  });
  return Float64Array.from(groups, (g, i) => s[i] - sum.get(g)![0] / sum.get(g)![1]);
}

function centreWithin(codes: Tensor, groups: Int32Array): Tensor<'float64'> {
  const [n, d] = codes.shape;
  const x = codes.toFloat64();
  const out = x.clone();
  const means = new Map<number, { m: Float64Array; n: number }>();
  for (let i = 0; i < n; i++) {
    const e = means.get(groups[i]) ?? { m: new Float64Array(d), n: 0 };
    for (let j = 0; j < d; j++) e.m[j] += x.data[i * d + j];
    e.n++;
    means.set(groups[i], e);
  }
  for (let i = 0; i < n; i++) {
    const e = means.get(groups[i])!;
    for (let j = 0; j < d; j++) out.data[i * d + j] -= e.m[j] / e.n;
  }
  return out;
}

export interface ScoredAttribute {
  spec: AttributeSpec;
  scores: ArrayLike<number>;
}

export interface KeepSpec {
  /** Class log-probabilities per class [numClasses][N] and their names ('class' keep); null: none. */
  classes: { names: readonly string[]; scores: ArrayLike<number>[] } | null;
  /** Other attributes to keep. */
  attributes: ScoredAttribute[];
}

function fit(codes: Tensor, scores: ArrayLike<number>, o: AttributeDirectionOptions): { normal: Float64Array; quality: Record<string, unknown> } {
  if ((o.method ?? 'svm') === 'ridge') {
    const r = ridgeDirection(codes, scores, { alpha: o.alpha, split: o.split });
    return { normal: r.normal, quality: { method: 'ridge', trainR2: r.trainR2, valR2: r.valR2, lambda: r.lambda, counts: r.counts } };
  }
  const b = trainBoundary(codes, scores, { ratio: o.ratio, split: o.split, svm: { c: o.svmC ?? 1 } });
  return {
    normal: b.normal,
    quality: { method: 'svm', valAccuracy: b.valAccuracy, trainAccuracy: b.trainAccuracy, remainingAccuracy: b.remainingAccuracy, counts: b.counts },
  };
}

function stats(s: ArrayLike<number>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < s.length; i++) m += s[i] / s.length;
  let v = 0;
  for (let i = 0; i < s.length; i++) v += (s[i] - m) ** 2 / (s.length - 1);
  return { mean: m, std: Math.sqrt(v) };
}

/**
 * One direction per attribute over the same codes [N, dim] (SVM on the score's extremes, as
 * InterFaceGAN labels, or ridge regression on all scores), each made orthogonal to the directions
 * of everything in `keep` by the least-squares projection of conditionalDirection: every class
 * boundary (found the same way from the classifier's log-probabilities; a logit attribute skips its
 * own class) and every kept attribute other than itself. Sigma is the codes' std along the result.
 */
export function attributeDirections(codes: Tensor, attributes: readonly ScoredAttribute[], keep: KeepSpec, o: AttributeDirectionOptions): DirectionSet {
  if (!attributes.length) throw new ArgumentError('attribute directions: give at least one attribute');
  const classFits = keep.classes?.scores.map((s) => fit(codes, s, o).normal) ?? [];
  // Within class: attributes are fitted on deviations from their class's mean (codes and scores),
  // so the direction is what varies the attribute inside a class, not what tells classes apart.
  const groups = keep.classes && o.withinClass !== false ? topClasses(keep.classes.scores, codes.shape[0]) : null;
  const wcodes = groups ? centreWithin(codes, groups) : codes;
  const wscores = (s: ArrayLike<number>) => (groups ? centreScores(s, groups) : s);
  const keptFits = new Map(keep.attributes.map((a) => [a.spec.name, fit(wcodes, wscores(a.scores), o).normal]));
  const rows: Float64Array[] = [];
  const info = attributes.map((a) => {
    const raw = fit(wcodes, wscores(a.scores), o);
    const conds: { name: string; normal: Float64Array }[] = [];
    keep.classes?.names.forEach((name, k) => {
      if (a.spec.logit !== k) conds.push({ name: `class:${name}`, normal: classFits[k] });
    });
    for (const [name, normal] of keptFits) if (name !== a.spec.name) conds.push({ name, normal });
    const { independent, dropped } = independentConditions(conds);
    const cond = independent.length ? conditionalDirection(raw.normal, independent.map((c) => c.normal)) : null;
    rows.push(cond ? cond.direction : raw.normal);
    let cosRaw = 0;
    const dir = rows[rows.length - 1];
    for (let j = 0; j < dir.length; j++) cosRaw += dir[j] * raw.normal[j];
    return {
      ...attributeRecord(a.spec),
      score: stats(a.scores),
      ...raw.quality,
      kept: conds.map((c) => c.name),
      // Conditions (nearly) in the span of the ones before them add nothing but noise to the solve.
      redundant: dropped,
      // How much of the unconditioned direction survives the projection (1 = nothing removed).
      cosineToUnconditioned: cosRaw,
    };
  });
  return makeDirectionSet(rows, {
    space: o.space,
    labels: attributes.map((a) => a.spec.name),
    sigma: rowsStd(codes, rows),
    model: o.model,
    provenance: {
      method: 'interfacegan',
      attributeMethod: o.method ?? 'svm',
      withinClass: groups !== null,
      ratio: o.ratio ?? 0.02,
      split: o.split ?? 0.7,
      keep: [...(keep.classes ? ['class'] : []), ...keep.attributes.map((a) => a.spec.name)],
      ...o.source,
      attributes: info,
    },
  });
}
