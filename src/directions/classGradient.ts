import { ArgumentError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { estimateAttributeGradients, type GradientDirectionOptions, setFromEstimate } from './attributeGradient.js';
import { parseAttributeSpecs } from './attributes.js';
import { conditionalDirection } from './conditional.js';
import { cosine, type DirectionSet, directionRow, makeDirectionSet, rowsStd, unit } from './direction.js';

/**
 * Class directions by the gradient method: for each class k, the mean gradient over sampled w of
 * the classifier's probability p(k | G(w)) (random central differences through the generator), the
 * direction that raises the mean probability of k fastest to first order. Unlike an InterFaceGAN
 * boundary, fitted to tell the top 2 % of log p(k) from the bottom 2 %, it is not pulled towards
 * the family's dominant class (a boundary between 'Coat' and 'not Coat' mostly separates T-shirts).
 */
export async function classGradientDirections(
  model: GanModel,
  classifier: Classifier,
  o: Omit<GradientDirectionOptions, 'keepClasses' | 'keepAttributes' | 'precondition'> = {},
): Promise<DirectionSet> {
  const names = classifier.labelNames;
  const specs = parseAttributeSpecs(names.map((_, k) => `prob:${k}`).join(','), names);
  const est = await estimateAttributeGradients(model, classifier, specs, o);
  const rows = est.grads.slice(0, specs.length).map((g, k) => unit(g, `the mean gradient of p(${names[k]})`));
  return setFromEstimate(est, rows, [...names], {
    score: 'probability',
    attributes: names.map((name, k) => ({ name, classes: [k], slope: Math.hypot(...est.grads[k]) })),
  });
}

/**
 * Each direction of a set made orthogonal to the `count` other directions nearest to it (largest
 * cosine), as `directions conditional` does for one pair: what is left raises its own class, not
 * the neighbours it was entangled with. Labels become 'NAME|2 nearest'; the neighbours and the
 * cosines are in the provenance. Sigma is carried over from `samples` when given ([N, dim] codes).
 */
export function conditionOnNearest(set: DirectionSet, count = 2, samples?: Parameters<typeof rowsStd>[0]): DirectionSet {
  const k = set.labels.length;
  if (!Number.isInteger(count) || count < 1 || count >= k)
    throw new ArgumentError(`conditionOnNearest: count must be 1..${k - 1} for a set of ${k} directions, got ${count}`);
  const rows = set.labels.map((_, i) => directionRow(set, i));
  const nearest: { name: string; cosine: number }[][] = [];
  const out = rows.map((row, i) => {
    const near = rows
      .map((other, j) => ({ j, c: j === i ? -Infinity : cosine(row, other) }))
      .sort((a, b) => b.c - a.c || a.j - b.j)
      .slice(0, count);
    nearest.push(near.map((n) => ({ name: set.labels[n.j], cosine: n.c })));
    return conditionalDirection(row, near.map((n) => rows[n.j])).direction;
  });
  const attrs = (set.provenance.attributes as Record<string, unknown>[] | undefined) ?? set.labels.map((name) => ({ name }));
  return makeDirectionSet(out, {
    space: set.space,
    labels: set.labels.map((l) => `${l}|${count} nearest`),
    sigma: samples ? rowsStd(samples, out) : out.map(() => null),
    layers: set.layers,
    model: set.model,
    provenance: {
      method: 'conditional',
      from: set.provenance,
      attributes: attrs.map((a, i) => ({ ...a, kept: nearest[i].map((n) => n.name), nearest: nearest[i] })),
    },
  });
}

/**
 * Balanced class directions from a set made by classGradientDirections: for class k the shortest n
 * in the span of the class gradients gᵢ with gₖ·n = 1, gⱼ·n = 0 for its `nearest` classes (largest
 * cosine: conditioned on them, as conditionOnNearest) and gⱼ·n = −1/(K − 1 − nearest) for every other
 * class — to first order the edit takes the probability it gives k evenly from the rest, rather than
 * from the one class the plain gradient happens to drain. Probabilities sum to 1, so Σgᵢ = 0 and the
 * Gram matrix GGᵀ is singular (the targets sum to 0, so they are in its range): its pseudo-inverse
 * gives the least-norm n.
 */
export function balancedClassDirections(set: DirectionSet, o: { nearest?: number; samples?: Parameters<typeof rowsStd>[0] } = {}): DirectionSet {
  const hold = o.nearest ?? 0;
  const attrs = set.provenance.attributes as { name: string; classes: number[]; slope?: number }[] | undefined;
  if (set.provenance.score !== 'probability' || !attrs || attrs.some((a) => typeof a.slope !== 'number'))
    throw new ArgumentError('balanced class directions need the class-probability gradients of classGradientDirections');
  const k = set.labels.length;
  const dim = set.vectors.shape[1];
  const g = set.labels.map((_, i) => directionRow(set, i).map((v) => v * attrs[i].slope!));
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) gram[i * k + j] = g[i].reduce((s, v, p) => s + v * g[j][p], 0);
  const { values, vectors } = symmetricEigen(gram);
  const top = Math.max(...values);
  if (!Number.isInteger(hold) || hold < 0 || hold > k - 2) throw new ArgumentError(`balanced class directions: nearest must be 0..${k - 2}, got ${hold}`);
  const held: string[][] = [];
  const rows = set.labels.map((_, target) => {
    // The `hold` nearest classes (largest cosine) keep their probability (conditioned, as
    // conditionOnNearest does); the rest give up equal shares.
    const near = g
      .map((v, j) => ({ j, c: j === target ? -Infinity : cosine(g[target], v) }))
      .sort((x, y) => y.c - x.c || x.j - y.j)
      .slice(0, hold)
      .map((x) => x.j);
    held.push(near.map((j) => set.labels[j]));
    const t = Float64Array.from({ length: k }, (_, j) => (j === target ? 1 : near.includes(j) ? 0 : -1 / (k - 1 - hold)));
    // a = (GGᵀ)⁺ t, n = Gᵀ a
    const a = new Float64Array(k);
    for (let e = 0; e < k; e++) {
      if (!(values[e] > 1e-10 * top)) continue;
      let proj = 0;
      for (let i = 0; i < k; i++) proj += vectors[i * k + e] * t[i];
      for (let i = 0; i < k; i++) a[i] += (vectors[i * k + e] * proj) / values[e];
    }
    const n = new Float64Array(dim);
    for (let i = 0; i < k; i++) for (let p = 0; p < dim; p++) n[p] += a[i] * g[i][p];
    return unit(n, `balanced direction of ${set.labels[target]}`);
  });
  return makeDirectionSet(rows, {
    space: set.space,
    labels: set.labels.map((l) => (hold ? `${l}|${hold} nearest, balanced` : `${l}|balanced`)),
    sigma: o.samples ? rowsStd(o.samples, rows) : rows.map(() => null),
    layers: set.layers,
    model: set.model,
    provenance: { method: 'conditional', balanced: true, from: set.provenance, attributes: attrs.map((a, i) => ({ name: a.name, classes: a.classes, kept: held[i], balanced: 'every other class gives an equal share' })) },
  });
}
