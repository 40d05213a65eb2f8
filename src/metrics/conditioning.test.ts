import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
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
    // Along the gradient itself, u = g · sqrt(n / |g|²) (norm sqrt(n), as a unit-variance direction):
    // the derivative is |g| · sqrt(n). Random directions see ~1/sqrt(n) of that, and there the
    // leaky-ReLU kinks the line crosses and float32 rounding scatter central differences by 1-8 %
    // whatever h (measured on the 140-500 kimg snapshots). Along g the error falls with h: 1-14 % at
    // h = 1e-3, 0.1-0.5 % at h = 1e-5 (five snapshots); 2 % tolerance. A wrong or missing layer in
    // the backward graph changes the derivative by far more.
    const n = numWs * wDim;
    const g2 = g.data.reduce((acc, v) => acc + v * v, 0);
    const u = Float64Array.from(g.data, (v) => v * Math.sqrt(n / g2));
    const h = 1e-5;
    const fd = ((await inner(h, u)) - (await inner(-h, u))) / (2 * h);
    const analytic = Math.sqrt(g2 * n);
    expect(analytic).toBeGreaterThan(1);
    expect(Math.abs(fd - analytic) / analytic).toBeLessThan(0.02);
    const res = await conditioning(model, { num: 3, directions: 2, batchSize: 4 });
    const all = res.lengths.flat();
    expect(all).toHaveLength(6);
    expect(res.mean).toBeCloseTo(all.reduce((a, b) => a + b, 0) / 6, 12);
    expect(res.cv).toBeCloseTo(res.std / res.mean, 12);
  });
});
