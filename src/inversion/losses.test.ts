import { afterAll, describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { input } from '../graph/value.js';
import { clearSessionCache, compile } from '../runtime/compile.js';
import { noiseRegularization, renormalizeNoise } from './losses.js';

afterAll(clearSessionCache);

/** projector.py's regulariser written out in plain loops (one image): the reference for the graph. */
function referenceNoiseReg(map: Float64Array, r: number): number {
  let x = map;
  let size = r;
  let total = 0;
  for (;;) {
    let ax = 0;
    let ay = 0;
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        ax += x[i * size + j] * x[i * size + ((j - 1 + size) % size)]; // torch.roll(x, 1, dims=3)
        ay += x[i * size + j] * x[((i - 1 + size) % size) * size + j]; // torch.roll(x, 1, dims=2)
      }
    total += (ax / size ** 2) ** 2 + (ay / size ** 2) ** 2;
    if (size <= 8) break;
    const half = size / 2;
    const y = new Float64Array(half * half);
    for (let i = 0; i < half; i++)
      for (let j = 0; j < half; j++)
        y[i * half + j] = (x[2 * i * size + 2 * j] + x[2 * i * size + 2 * j + 1] + x[(2 * i + 1) * size + 2 * j] + x[(2 * i + 1) * size + 2 * j + 1]) / 4;
    x = y;
    size = half;
  }
  return total;
}

describe('noise regulariser', () => {
  it('matches the multi-scale autocorrelation penalty per image (maps 4, 16 and 32 px)', async () => {
    const rng = new RandomState(0);
    const sizes = [4, 16, 32];
    const n = 2;
    const maps = sizes.map((r) => Tensor.float32([n, 1, r, r], rng.standardNormalFloat32([n * r * r])));
    // A correlated map (a smooth ramp) so the penalty is far from zero on some rows.
    for (let k = 0; k < 32 * 32; k++) maps[2].data[k] += Math.sin(k / 9);
    const inputs = sizes.map((r, i) => input(`m${i}`, [n, 1, r, r]));
    const exe = await compile({ inputs, outputs: [noiseRegularization(inputs)], outputNames: ['reg'] });
    const [reg] = await exe.run(...maps);
    for (let i = 0; i < n; i++) {
      const want = sizes.reduce((s, r, m) => s + referenceNoiseReg(Float64Array.from(maps[m].data.subarray(i * r * r, (i + 1) * r * r)), r), 0);
      // float32 graph vs float64 loops: relative 1e-4 is far above float32 accumulation error over 1024 terms.
      expect(Math.abs(Number(reg.data[i]) - want)).toBeLessThanOrEqual(1e-4 * want);
    }
    await exe.release();
  });

  it('renormalises each image of each map to mean 0 and variance 1', () => {
    const rng = new RandomState(1);
    const data = Float32Array.from(rng.standardNormalFloat32([2 * 64]), (v, i) => v * (i < 64 ? 3 : 0.2) + (i < 64 ? 1 : -5));
    renormalizeNoise(data, 2);
    for (const row of [data.subarray(0, 64), data.subarray(64)]) {
      const mean = row.reduce((a, b) => a + b, 0) / 64;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 64;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(Math.abs(variance - 1)).toBeLessThan(1e-5);
    }
  });
});
