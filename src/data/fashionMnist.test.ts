import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { FASHION_MNIST_LABELS, loadFashionMnist } from './fashionMnist.js';

describe('loadFashionMnist', () => {
  it('pads 28×28 to 32×32 with background -1 and scales [0, 255] to [-1, 1]', async () => {
    const [padded, raw] = await Promise.all([
      loadFashionMnist('test', { limit: 20 }),
      loadFashionMnist('test', { pad: 28, limit: 20 }),
    ]);
    expect([padded.size, padded.channels, padded.resolution, padded.numClasses]).toEqual([20, 1, 32, 10]);
    expect(raw.resolution).toBe(28);
    expect(padded.labelNames).toEqual(FASHION_MNIST_LABELS);
    expect(padded.labelNames[9]).toBe('Ankle boot');
    for (let i = 0; i < 20; i++) {
      const a = padded.image(i);
      const b = raw.image(i);
      expect(a.length).toBe(32 * 32);
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
          expect(a[y * 32 + x]).toBe(inside ? b[(y - 2) * 28 + (x - 2)] : -1);
        }
      }
      expect(Math.min(...b)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...b)).toBeLessThanOrEqual(1);
      expect(padded.label(i)).toBe(raw.label(i));
    }
    // Every value is v/127.5 − 1 for a byte v.
    const values = new Set(raw.image(0));
    for (const v of values) expect(Math.round((v + 1) * 127.5)).toBeCloseTo((v + 1) * 127.5, 3);
    expect(values.has(-1) && values.has(1)).toBe(true);
  });

  it('says how to install the dataset when it is missing', async () => {
    const err = await loadFashionMnist('train', { root: '/nonexistent/fmnist' }).catch((e) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toContain('apt-get install -y dataset-fashion-mnist');
    expect(err.message).toContain('/nonexistent/fmnist');
  });

  it('refuses bad options', async () => {
    await expect(loadFashionMnist('val' as 'train')).rejects.toThrow(/split must be 'train' or 'test'/);
    await expect(loadFashionMnist('test', { pad: 64 as 32 })).rejects.toThrow(/pad must be 32 or 28/);
    await expect(loadFashionMnist('test', { limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
  });
});
