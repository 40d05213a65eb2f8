import { describe, expect, it } from 'vitest';
import { ShapeError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { imageQuality, meanQuality, ssimPlane } from './imageQuality.js';

function random(shape: number[], seed: number): Tensor<'float32'> {
  const rng = new RandomState(seed);
  return Tensor.float32(shape, Array.from(rng.rand(shape.reduce((a, b) => a * b, 1)), (u) => 2 * u - 1));
}

describe('imageQuality', () => {
  it('gives MSE 0, PSNR Infinity and SSIM 1 for identical images', () => {
    const a = random([2, 3, 16, 16], 1);
    for (const q of imageQuality(a, a.clone())) {
      expect(q.mse).toBe(0);
      expect(q.psnr).toBe(Infinity);
      expect(q.ssim).toBeCloseTo(1, 12);
    }
  });

  it('computes PSNR from the MSE with peak-to-peak 2 (same as 255 on 8-bit images)', () => {
    const a = Tensor.float32([1, 1, 12, 12]).reshape([1, 1, 12, 12]);
    const b = a.clone();
    b.data.fill(0.2); // every pixel off by 0.2: MSE 0.04, PSNR 10·log10(4 / 0.04) = 20 dB
    const [q] = imageQuality(b, a);
    expect(q.mse).toBeCloseTo(0.04, 6);
    expect(q.psnr).toBeCloseTo(20, 4);
  });

  it('reduces SSIM of flat images to the luminance term (2ab + C1) / (a² + b² + C1)', () => {
    // Flat planes have zero variance and covariance, so the contrast-structure factor is C2 / C2.
    const r = 11;
    const a = new Float32Array(r * r).fill(0.5);
    const b = new Float32Array(r * r).fill(-0.25);
    const c1 = (0.01 * 2) ** 2;
    expect(ssimPlane(a, b, r)).toBeCloseTo((2 * 0.5 * -0.25 + c1) / (0.25 + 0.0625 + c1), 10);
  });

  it('is symmetric, below 1 for different images, and clips values to [-1, 1] first', () => {
    const a = random([1, 1, 32, 32], 2);
    const b = random([1, 1, 32, 32], 3);
    const [ab] = imageQuality(a, b);
    const [ba] = imageQuality(b, a);
    expect(ab.ssim).toBeCloseTo(ba.ssim, 12);
    expect(ab.ssim).toBeLessThan(0.2); // independent noise is nearly uncorrelated
    const far = a.clone();
    for (let i = 0; i < far.size; i++) far.data[i] = far.data[i] > 0 ? 5 : -5;
    const clipped = a.clone();
    for (let i = 0; i < far.size; i++) clipped.data[i] = clipped.data[i] > 0 ? 1 : -1;
    expect(imageQuality(far, a)[0].mse).toBeCloseTo(imageQuality(clipped, a)[0].mse, 12);
  });

  it('averages PSNR in dB and refuses mismatched shapes', () => {
    expect(meanQuality([{ mse: 1, psnr: 10, ssim: 0.5 }, { mse: 3, psnr: 20, ssim: 1 }])).toEqual({ mse: 2, psnr: 15, ssim: 0.75 });
    expect(() => imageQuality(random([1, 1, 8, 8], 1), random([1, 1, 16, 16], 1))).toThrow(ShapeError);
  });
});
