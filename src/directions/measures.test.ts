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

  it('contrast is the ink-weighted std of the intensity: 0 for one flat tone, √(1/18) for two tones 1 and 0.5', () => {
    expect(measureInk('contrast', rect(2, 14, 4, 12, 0.6), H, W)).toBeCloseTo(0, 7);
    expect(measureInk('contrast', new Float64Array(H * W), H, W)).toBe(0);
    // Equal areas at 1 and 0.5: ink weights 2/3 and 1/3, mean 5/6, variance 2/3·(1/6)² + 1/3·(1/3)² = 1/18.
    const twoTone = rect(0, 8, 4, 12, 0.5);
    for (let y = 8; y < 16; y++) for (let x = 4; x < 12; x++) twoTone[y * W + x] = 1;
    expect(measureInk('contrast', twoTone, H, W)).toBeCloseTo(Math.sqrt(1 / 18), 12);
  });

  it('vshading and hshading say on which side of the ink centre the light sits', () => {
    // Rows 0-7 at 0.5, rows 8-15 at 1 (columns 4-11): Σv·y/Σv = 848/96, Σv²·y/Σv² = 792/80.
    const brightBelow = rect(0, 8, 4, 12, 0.5);
    for (let y = 8; y < 16; y++) for (let x = 4; x < 12; x++) brightBelow[y * W + x] = 1;
    const expected = (792 / 80 - 848 / 96) / H;
    expect(measureInk('vshading', brightBelow, H, W)).toBeCloseTo(expected, 12);
    // Mirrored top to bottom it changes sign; the columns are uniform, so no horizontal shading.
    const brightAbove = new Float64Array(H * W).map((_, p) => brightBelow[(H - 1 - Math.floor(p / W)) * W + (p % W)]);
    expect(measureInk('vshading', brightAbove, H, W)).toBeCloseTo(-expected, 12);
    expect(measureInk('hshading', brightBelow, H, W)).toBeCloseTo(0, 12);
    // Transposed, the same light is horizontal.
    const brightRight = new Float64Array(H * W).map((_, p) => brightBelow[(p % W) * W + Math.floor(p / W)]);
    expect(measureInk('hshading', brightRight, H, W)).toBeCloseTo(expected, 12);
    // One flat tone, or nothing: 0.
    expect(measureInk('vshading', rect(2, 14, 4, 12, 0.7), H, W)).toBeCloseTo(0, 12);
    expect(measureInk('hshading', new Float64Array(H * W), H, W)).toBe(0);
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
