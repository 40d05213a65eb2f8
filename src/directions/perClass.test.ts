import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { GradientEstimate } from './attributeGradient.js';
import { parseAttributeSpecs } from './attributes.js';
import { cosine, directionRow, dot, projectedStd } from './direction.js';
import { editWsByClass, perClassAttributeDirections, perClassClassDirections, perClassInfo } from './perClass.js';

const NAMES = ['A', 'B', 'C'];
const D = 6;
// Rows are stored as float32 (relative rounding 6e-8) and the gradients here have norm ~2.5: a dot
// product with a vector the row was made orthogonal to is ~1e-7 at most, a non-orthogonal one ~1.
const TOL = 1e-6;

/** A made-up estimate: 3 classes (C too rare for its own gradients), random gradients. */
function estimate(specText: string, seed = 1): GradientEstimate {
  const rng = new RandomState(seed);
  const vec = () => Float64Array.from(rng.randn(D));
  const specs = parseAttributeSpecs(specText, NAMES);
  const logpByClass = NAMES.map(() => NAMES.map(vec));
  return {
    specs,
    grads: specs.map(vec),
    classGrads: NAMES.map((_, c) => logpByClass[c][c]),
    classCounts: Int32Array.from([40, 30, 3]),
    gradsByClass: NAMES.map(() => specs.map(vec)),
    logpByClass,
    classNames: NAMES,
    kept: [],
    w: Tensor.float32([50, D], Float32Array.from(rng.randn(50 * D))),
    layers: [1, 3],
    numWs: 4,
    epsilon: 0.5,
    num: 73,
    firstSeed: 0,
    classifier: 'labeller',
    model: { name: 'm', contentHash: 'h' },
  };
}

describe('per-class attribute knobs', () => {
  it("each class's row follows that class's gradient, orthogonal to what it keeps there; a rare class falls back", () => {
    const est = estimate('brightness,logit:B');
    const set = perClassAttributeDirections(est, { keep: 'own', minCount: 10 });
    const info = perClassInfo(set)!;
    expect(info.knobs).toEqual(['brightness', 'logit:B']);
    expect(info.rows).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(set.labels).toEqual(['brightness@A', 'brightness@B', 'brightness@C', 'logit:B@A', 'logit:B@B', 'logit:B@C']);
    expect(set.layers).toEqual([1, 3]);
    for (const c of [0, 1]) {
      const row = directionRow(set, c);
      // 'own': orthogonal to the class's log-probability gradient over its own samples, nothing else.
      expect(Math.abs(dot(row, est.logpByClass[c][c]))).toBeLessThan(TOL);
      expect(dot(row, est.gradsByClass[c][0])).toBeGreaterThan(0);
      expect(Math.abs(cosine(row, est.logpByClass[c][(c + 1) % 3]))).toBeGreaterThan(1e-3);
    }
    // Class C (3 samples < minCount): the attribute's gradient over every sample, kept orthogonal to the
    // classes that have their own gradients (A and B).
    const fallback = directionRow(set, 2);
    expect(dot(fallback, est.grads[0])).toBeGreaterThan(0);
    for (const c of [0, 1]) expect(Math.abs(dot(fallback, est.classGrads[c]))).toBeLessThan(TOL);
    // logit:B on B's own garments keeps nothing (keeping p(B) would cancel the knob): the raw gradient.
    const self = directionRow(set, 4);
    expect(cosine(self, est.gradsByClass[1][1])).toBeCloseTo(1, 6);
    // Sigma: the std of every sampled w along each row, as for any direction.
    expect(set.sigma.map((s) => s!.toFixed(10))).toEqual(projectedStd(est.w, set.vectors).map((s) => s.toFixed(10)));
  });

  it("'all' keeps every class's log-probability within the garment's class; 'none' is the class's raw gradient", () => {
    const est = estimate('ink');
    const all = perClassAttributeDirections(est, { keep: 'all', minCount: 10 });
    for (let j = 0; j < 3; j++) expect(Math.abs(dot(directionRow(all, 0), est.logpByClass[0][j]))).toBeLessThan(TOL);
    const none = perClassAttributeDirections(est, { keep: 'none', minCount: 10 });
    expect(cosine(directionRow(none, 1), est.gradsByClass[1][0])).toBeCloseTo(1, 6);
  });
});

describe('per-class class knobs', () => {
  it('knob k for class c: the gradient of p(k) over c, orthogonal to its 2 nearest class gradients there', () => {
    const est = estimate('prob:A,prob:B,prob:C');
    const set = perClassClassDirections(est, { nearest: 1, minCount: 10 });
    expect(perClassInfo(set)!.knobs).toEqual(NAMES);
    // Row 'B@A' = knob 1, class 0.
    const row = directionRow(set, 3);
    expect(set.labels[3]).toBe('B@A');
    const g = est.gradsByClass[0];
    const near = [0, 2].sort((x, y) => cosine(g[1], g[y]) - cosine(g[1], g[x]))[0];
    expect(Math.abs(dot(row, g[near]))).toBeLessThan(TOL);
    expect(dot(row, g[1])).toBeGreaterThan(0);
    expect(() => perClassClassDirections(estimate('ink'))).toThrow(/every class probability/);
  });
});

describe('editWsByClass', () => {
  it("moves sample i by strength · sigma · its class's row, on the set's rows only", () => {
    const set = perClassAttributeDirections(estimate('brightness'), { minCount: 10 });
    const ws = Tensor.float32([3, 4, D], Float32Array.from({ length: 3 * 4 * D }, (_, i) => i / 10));
    const classes = Int32Array.from([2, 0, 1]);
    const r = editWsByClass(ws, set, 'brightness', 2, classes);
    expect(r.layers).toEqual([1, 3]);
    expect(r.units).toBe('sigma');
    for (let i = 0; i < 3; i++) {
      const v = directionRow(set, classes[i]);
      for (let row = 0; row < 4; row++)
        for (let j = 0; j < D; j++) {
          const at = (i * 4 + row) * D + j;
          const moved = row >= 1 && row < 3 ? 2 * set.sigma[classes[i]]! * v[j] : 0;
          expect(r.ws.data[at]).toBeCloseTo(ws.data[at] + moved, 5);
        }
    }
    expect(() => editWsByClass(ws, set, 'width', 1, classes)).toThrow(/no knob 'width'/);
    expect(() => editWsByClass(ws, set, 0, 1, Int32Array.from([0, 1]))).toThrow(/2 classes for 3 latents/);
    expect(() => editWsByClass(ws, set, 0, 1, Int32Array.from([0, 1, 7]))).toThrow(/class 7 of latent 2/);
  });
});
