import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { attributeDirections, parseAttributeSpecs } from './attributes.js';
import { ridgeDirection } from './ridge.js';

const N = 3000;
const D = 6;

function gaussianCodes(seed: number): Tensor<'float32'> {
  return Tensor.float32([N, D], Array.from(new RandomState(seed).randn(N, D)));
}

const col = (t: Tensor, j: number) => Float64Array.from({ length: N }, (_, i) => Number(t.data[i * D + j]));

describe('ridge direction', () => {
  it('recovers a planted linear attribute and says how linear it is', () => {
    const x = gaussianCodes(1);
    const noise = new RandomState(2).randn(N);
    const n = [0.6, 0, -0.8, 0, 0, 0];
    const y = Float64Array.from({ length: N }, (_, i) => 2 + 3 * n.reduce((s, v, j) => s + v * Number(x.data[i * D + j]), 0) + noise[i]);
    const r = ridgeDirection(x, y);
    // Slope 3 against unit noise over 2100 training points: the normal is off by ~1/(3·√2100) per axis.
    expect(Math.abs(r.normal[0] - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(r.normal[2] + 0.8)).toBeLessThan(0.02);
    expect(r.slope).toBeCloseTo(3, 1);
    // R² = 9 / (9 + 1) = 0.9 up to sampling.
    expect(r.valR2).toBeGreaterThan(0.87);
    expect(r.valR2).toBeLessThan(0.93);
    expect(() => ridgeDirection(x, y.subarray(0, 10))).toThrow(/10 scores for 3000/);
  });
});

describe('attribute specs', () => {
  it('reads measures and logits by class name or index, refusing unknown ones', () => {
    const names = ['T-shirt/top', 'Trouser', 'Sneaker'];
    expect(parseAttributeSpecs('width, logit:sneaker,logit:1', names)).toEqual([
      { name: 'width', measure: 'width' },
      { name: 'logit:Sneaker', logit: 2, className: 'Sneaker' },
      { name: 'logit:Trouser', logit: 1, className: 'Trouser' },
    ]);
    expect(() => parseAttributeSpecs('logit:Dress', names)).toThrow(/'Dress' is not a class/);
    expect(parseAttributeSpecs('prob:Sneaker', names)).toEqual([{ name: 'prob:Sneaker', logit: 2, prob: true, className: 'Sneaker' }]);
    expect(() => parseAttributeSpecs('wideness', names)).toThrow(/unknown attribute 'wideness'/);
  });
});

describe('attribute directions kept within class', () => {
  // Two classes told apart by x0; the attribute differs a lot between them (4 per class step)
  // and, inside a class, grows with x1 (and a little with x0, the class axis).
  const x = gaussianCodes(3);
  const classScore = col(x, 0).map((v) => 5 * v); // log-odds of class 1
  const classes = {
    names: ['a', 'b'],
    scores: [classScore.map((v) => -Math.log1p(Math.exp(v))), classScore.map((v) => -Math.log1p(Math.exp(-v)))],
  };
  const attr = Float64Array.from({ length: N }, (_, i) => (classScore[i] > 0 ? 4 : 0) + col(x, 1)[i] + 0.3 * col(x, 0)[i]);
  const spec = { name: 'width', measure: 'width' as const };

  for (const method of ['ridge', 'svm'] as const) {
    it(`${method}: without keeping, the class axis dominates; keeping class leaves the within-class axis`, () => {
      const free = attributeDirections(x, [{ spec, scores: attr }], { classes: null, attributes: [] }, { method, space: 'w', ratio: 0.1 });
      const kept = attributeDirections(x, [{ spec, scores: attr }], { classes, attributes: [] }, { method, space: 'w', ratio: 0.1 });
      const f = free.vectors.data;
      const k = kept.vectors.data;
      // Unconditioned, the between-class jump of 4 pulls the direction toward the class axis x0.
      expect(Math.abs(f[0])).toBeGreaterThan(method === 'ridge' ? Math.abs(f[1]) : 0.2);
      // Orthogonal to the class boundaries (which lie along x0) and along x1.
      expect(Math.abs(k[0])).toBeLessThan(0.1);
      expect(k[1]).toBeGreaterThan(0.95);
      const info = (kept.provenance.attributes as { kept: string[] }[])[0];
      expect(info.kept).toEqual(['class:a', 'class:b']);
      // Both class boundaries lie along x0: the second is redundant and left out of the solve.
      expect((info as unknown as { redundant: string[] }).redundant).toEqual(['class:b']);
      expect(kept.provenance.withinClass).toBe(true);
      expect(kept.sigma[0]).toBeGreaterThan(0.9);
    });
  }

  it('keeps other attributes exactly orthogonal (the Gram solve)', () => {
    const height = { spec: { name: 'height', measure: 'height' as const }, scores: col(x, 1).map((v, i) => v + col(x, 2)[i]) };
    const set = attributeDirections(x, [{ spec, scores: attr }, height], { classes: null, attributes: [height] }, { method: 'ridge', space: 'w' });
    const heightAlone = attributeDirections(x, [height], { classes: null, attributes: [] }, { method: 'ridge', space: 'w' });
    let dotp = 0;
    for (let j = 0; j < D; j++) dotp += set.vectors.data[j] * heightAlone.vectors.data[j];
    // float32 storage of the vectors: the cosine is zero to ~1e-7.
    expect(Math.abs(dotp)).toBeLessThan(1e-6);
    // The kept attribute itself is not conditioned on itself.
    expect((set.provenance.attributes as { kept: string[] }[])[1].kept).toEqual([]);
  });
});
