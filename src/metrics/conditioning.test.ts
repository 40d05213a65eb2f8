import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../formats/loadModel.js';
import { mapZ, sampleZ, synthesize } from '../models/generate.js';
import { conditioning, latentGradients } from './conditioning.js';

const MODEL = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;

describe('conditioning (|Jᵀy| for random image directions)', () => {
  it('Jᵀy matches central differences of ⟨G(ws), y⟩; the summary agrees with its lengths', async () => {
    const model = await loadModel(MODEL);
    const { numWs, wDim } = model.stylegan2();
    const ws = await mapZ(model, sampleZ(model, [11]), { psi: 0.8 });
    const rng = new RandomState(5);
    const r = model.resolution;
    const y = Tensor.float32([1, 1, r, r], rng.randn(r * r));
    const g = await latentGradients(model, ws, y);
    const inner = async (s: number, u: Float64Array) => {
      const moved = Tensor.float32(ws.shape, ws.data.map((v, i) => v + s * u[i]));
      const img = await synthesize(model, moved, { noiseMode: 'const', batchSize: 1 });
      return img.data.reduce((acc, v, i) => acc + v * y.data[i], 0);
    };
    for (let trial = 0; trial < 2; trial++) {
      const u = Float64Array.from(rng.randn(numWs * wDim));
      const h = 3e-4; // as in the Jacobian test: leaky-ReLU kinks make the error first order in h
      const fd = ((await inner(h, u)) - (await inner(-h, u))) / (2 * h);
      const analytic = g.data.reduce((acc, v, i) => acc + v * u[i], 0);
      expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(0.02);
    }
    const res = await conditioning(model, { num: 3, directions: 2, batchSize: 4 });
    const all = res.lengths.flat();
    expect(all).toHaveLength(6);
    expect(res.mean).toBeCloseTo(all.reduce((a, b) => a + b, 0) / 6, 12);
    expect(res.cv).toBeCloseTo(res.std / res.mean, 12);
  });
});
