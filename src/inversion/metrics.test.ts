import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { mse01, psnrFromMse, ssim } from './metrics.js';

const rng = new RandomState(3);
const image = (n: number) => Tensor.float32([n, 1, 16, 16], rng.standardNormalFloat32([n * 256]).map((v) => Math.tanh(v)));

describe('reconstruction metrics', () => {
  it('MSE and PSNR on the [0, 1] scale', () => {
    const a = Tensor.float32([1, 1, 2, 2], [-1, -1, 1, 1]);
    const b = Tensor.float32([1, 1, 2, 2], [-1, 0, 1, 0]); // two pixels off by 0.5 on [0, 1]
    expect(mse01(a, b)[0]).toBeCloseTo(0.125, 12);
    expect(psnrFromMse(0.01)).toBeCloseTo(20, 12);
    expect(psnrFromMse(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('SSIM is 1 for identical images, symmetric, lower for noisier copies, and uses a valid 11x11 window', () => {
    const x = image(1);
    expect(ssim(x, x)[0]).toBeCloseTo(1, 10);
    const slight = Tensor.float32(x.shape, x.data.map((v, i) => v + 0.05 * Math.sin(i)));
    const strong = Tensor.float32(x.shape, x.data.map((v, i) => v + 0.5 * Math.sin(i * 1.7)));
    const [s1] = ssim(slight, x);
    const [s2] = ssim(strong, x);
    expect(s1).toBeCloseTo(ssim(x, slight)[0], 12);
    expect(s1).toBeGreaterThan(s2);
    expect(s1).toBeLessThan(1);
    // A constant shift of c on [0, 1] leaves contrast and structure: SSIM = luminance term only.
    const flat = Tensor.float32([1, 1, 11, 11], new Float32Array(121).fill(0));
    const shifted = Tensor.float32([1, 1, 11, 11], new Float32Array(121).fill(0.2)); // 0.5 vs 0.6 on [0, 1]
    const c1 = 0.01 ** 2;
    expect(ssim(shifted, flat)[0]).toBeCloseTo((2 * 0.5 * 0.6 + c1) / (0.25 + 0.36 + c1), 8); // 0.2 is not exact in float32
  });
});
