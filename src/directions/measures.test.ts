import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { measureImages, measureInk } from './measures.js';

const H = 16;
const W = 16;

/** An ink image with v = value inside rows [y0, y1) × columns [x0, x1), 0 elsewhere. */
function rect(y0: number, y1: number, x0: number, x1: number, value = 1): Float64Array {
  const v = new Float64Array(H * W);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) v[y * W + x] = value;
  return v;
}

describe('image measures on crafted images', () => {
  it('brightness is the ink-weighted intensity: independent of size, proportional to the value', () => {
    expect(measureInk('brightness', rect(4, 12, 4, 12, 0.5), H, W)).toBeCloseTo(0.5, 12);
    expect(measureInk('brightness', rect(0, 16, 0, 16, 0.5), H, W)).toBeCloseTo(0.5, 12);
    expect(measureInk('brightness', rect(4, 12, 4, 12, 0.9), H, W)).toBeCloseTo(0.9, 12);
    expect(measureInk('brightness', new Float64Array(H * W), H, W)).toBe(0);
  });

  it('ink and area count coverage', () => {
    expect(measureInk('ink', rect(0, 8, 0, 16, 0.5), H, W)).toBeCloseTo(0.25, 12);
    expect(measureInk('area', rect(0, 8, 0, 16, 0.5), H, W)).toBeCloseTo(0.5, 12);
    // Below the 0.25 threshold the pixels are not silhouette.
    expect(measureInk('area', rect(0, 8, 0, 16, 0.2), H, W)).toBe(0);
  });

  it('width and height are the 2-98 % mass extents of a box, scaled by the side', () => {
    // A box of 8 columns spans 0.96 of its width between the quantiles: 8·0.96/16.
    expect(measureInk('width', rect(2, 14, 4, 12), H, W)).toBeCloseTo((8 * 0.96) / 16, 12);
    expect(measureInk('height', rect(2, 14, 4, 12), H, W)).toBeCloseTo((12 * 0.96) / 16, 12);
    // Moving the box does not change its extent; widening it does.
    expect(measureInk('width', rect(2, 14, 0, 8), H, W)).toBeCloseTo(measureInk('width', rect(2, 14, 8, 16), H, W), 12);
    expect(measureInk('width', rect(2, 14, 2, 14), H, W)).toBeGreaterThan(measureInk('width', rect(2, 14, 4, 12), H, W));
  });

  it('symmetry is 1 for a mirror-symmetric image and 0 for ink on one side only', () => {
    expect(measureInk('symmetry', rect(3, 9, 4, 12), H, W)).toBeCloseTo(1, 12);
    expect(measureInk('symmetry', rect(3, 9, 0, 8), H, W)).toBeCloseTo(0, 12);
    // Half the ink mirrored: a box at columns 4-11 plus an extra block at columns 12-15.
    const v = rect(0, 8, 4, 12);
    for (let y = 0; y < 8; y++) for (let x = 12; x < 16; x++) v[y * W + x] = 1;
    // |v − mirror| = 1 on 2·4·8 pixels; Σv = 12·8: 1 − 64 / 192.
    expect(measureInk('symmetry', v, H, W)).toBeCloseTo(1 - 64 / 192, 12);
  });

  it('texture is 0 for a flat image and grows with a fine checkerboard', () => {
    expect(measureInk('texture', rect(0, 16, 0, 16, 0.7), H, W)).toBeCloseTo(0, 12);
    const checker = new Float64Array(H * W).map((_, p) => ((Math.floor(p / W) + (p % W)) % 2 ? 1 : 0));
    const box = rect(4, 12, 4, 12);
    const tex = measureInk('texture', checker, H, W);
    expect(tex).toBeGreaterThan(3 * measureInk('texture', box, H, W));
    // Interior pixels of a checkerboard: box3 mean 5/9 on ink (v = 1), 4/9 off it, so (v − mean)² = 16/81
    // on every pixel while Σv² counts half of them: 2·16/81 (the replicated border adds a little).
    expect(tex).toBeGreaterThan((2 * 16) / 81);
    expect(tex).toBeLessThan(0.5);
  });

  it('measureImages reads [N, C, H, W] in [-1, 1] (channels averaged) and checks the shape', () => {
    const img = Tensor.float32([2, 1, H, W]);
    img.data.fill(-1);
    const v = rect(4, 12, 6, 10);
    for (let p = 0; p < H * W; p++) img.data[H * W + p] = 2 * v[p] - 1;
    const [ink, width] = measureImages(img, ['ink', 'width']);
    expect(ink[0]).toBe(0);
    expect(ink[1]).toBeCloseTo(32 / 256, 6);
    expect(width[1]).toBeCloseTo((4 * 0.96) / 16, 6);
    expect(() => measureImages(Tensor.float32([H, W]), ['ink'])).toThrow(/\[N, C, H, W\]/);
  });
});
