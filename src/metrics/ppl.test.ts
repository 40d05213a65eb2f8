import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
import type { PairDistance } from './featureDistance.js';
import { perceptualPathLength, slerp } from './ppl.js';

const MODEL = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;

/** Squared pixel distance: smooth, so d/ε² converges as ε shrinks. */
const pixels: PairDistance = {
  name: 'pixels',
  async distances(a: Tensor, b: Tensor) {
    const n = a.shape[0];
    const size = a.size / n;
    return Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < size; j++) s += (Number(a.data[i * size + j]) - Number(b.data[i * size + j])) ** 2;
      return s;
    });
  },
};

describe('perceptual path length', () => {
  it('slerp: unit endpoints at t = 0 and 1, angle linear in t', () => {
    const rng = new RandomState(0);
    const a = Float64Array.from(rng.randn(16));
    const b = Float64Array.from(rng.randn(16));
    const na = Math.hypot(...a);
    const nb = Math.hypot(...b);
    slerp(a, b, 0).forEach((v, i) => expect(v).toBeCloseTo(a[i] / na, 12));
    slerp(a, b, 1).forEach((v, i) => expect(v).toBeCloseTo(b[i] / nb, 12));
    const angle = (x: Float64Array, y: Float64Array) => Math.acos(x.reduce((s, v, i) => s + v * y[i], 0));
    const full = angle(slerp(a, b, 0), slerp(a, b, 1));
    expect(angle(slerp(a, b, 0), slerp(a, b, 0.3))).toBeCloseTo(0.3 * full, 10);
  });

  it('d/ε² is a derivative: halving ε leaves PPL nearly unchanged, W and Z paths both finite', async () => {
    const model = await loadModel(MODEL);
    const opts = { num: 20, batchSize: 20, bootstrap: 50 } as const;
    const a = await perceptualPathLength(model, pixels, { ...opts, space: 'w', epsilon: 2e-3 });
    const b = await perceptualPathLength(model, pixels, { ...opts, space: 'w', epsilon: 1e-3 });
    // Same pairs and t (same seed): a first-order difference moves by O(ε) relative, and leaky-ReLU
    // kinks crossed by the step add a few %; 10 % still fails if the ε² scaling were wrong (2×/4×).
    expect(Math.abs(a.value / b.value - 1)).toBeLessThan(0.1);
    expect(a.ci95[0]).toBeLessThanOrEqual(a.value);
    expect(a.ci95[1]).toBeGreaterThanOrEqual(a.value);
    const z = await perceptualPathLength(model, pixels, { ...opts, space: 'z', sampling: 'end' });
    expect(z.value).toBeGreaterThan(0);
    expect(z.kept).toBeLessThanOrEqual(20);
  });
});
