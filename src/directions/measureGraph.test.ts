import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { gradcheck } from '../graph/gradcheck.js';
import { input } from '../graph/value.js';
import { compile } from '../runtime/compile.js';
import { AREA_TEMPERATURE, EXACT_GRAPH_MEASURES, GRAPH_MEASURES, measureGraph, SURROGATE_MEASURES } from './measureGraph.js';
import { measureImages } from './measures.js';

/** Images [n, c, h, w]: a smooth blob plus noise, some pixels past ±1 (the clamp is part of the measure). */
function images(n: number, c: number, h: number, w: number, seed: number): Tensor<'float32'> {
  const r = new RandomState(seed);
  const noise = r.randn(n * c * h * w, 1);
  const t = Tensor.float32([n, c, h, w]);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = ((i * c + ch) * h + y) * w + x;
          const blob = Math.exp(-(((y - h / 2) / (h / 3)) ** 2) - ((x - w / 2.6) / (w / 4)) ** 2);
          t.data[p] = -1 + 2.2 * blob + 0.3 * noise[p];
        }
  return t;
}

describe('graph image measures', () => {
  it('equal measures.ts on the same images (float32 tolerance)', async () => {
    // Non-square, 2 channels, pixels beyond [-1, 1], one blank image (the 0/0 cases).
    const x = images(4, 2, 9, 11, 1);
    x.data.fill(-1, 3 * 2 * 9 * 11);
    const xin = input('x', x.shape);
    const exe = await compile({ inputs: [xin], outputs: [measureGraph(xin, EXACT_GRAPH_MEASURES)], outputNames: ['measures'] });
    const [got] = await exe.run(x);
    const want = measureImages(x, EXACT_GRAPH_MEASURES);
    EXACT_GRAPH_MEASURES.forEach((m, k) => {
      for (let i = 0; i < 4; i++) {
        const g = Number(got.data[i * EXACT_GRAPH_MEASURES.length + k]);
        // float32 sums of ~200 terms of size ≤ 1: relative rounding ≲ 1e-6; 1e-5 leaves headroom.
        expect(Math.abs(g - want[k][i]), `${m} of image ${i}: graph ${g}, measures.ts ${want[k][i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[k][i])));
      }
    });
    // Blank image: brightness 0, ink 0, symmetry 1, texture 0, shadings 0, as measureInk; contrast √SQRT_FLOOR = 1e-6.
    const m = EXACT_GRAPH_MEASURES.length;
    const blank = Array.from({ length: m }, (_, k) => Number(got.data[3 * m + k]));
    expect(blank.map((v, k) => (EXACT_GRAPH_MEASURES[k] === 'contrast' ? Math.round(v * 1e5) : v))).toEqual([0, 0, 1, 0, 0, 0, 0]);
  });

  it('surrogates (area, width, height) stay near measures.ts on blobs of several sizes, blank image included', async () => {
    // 12 blobs of growing size, 2 channels, 16 × 20: the surrogates must follow the exact measures.
    const n = 12;
    const [c, h, w] = [2, 16, 20];
    const x = Tensor.float32([n, c, h, w]);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++) {
            const s = 0.08 + 0.035 * i;
            const blob = Math.exp(-(((y - h / 2) / (h * s)) ** 2) - ((xx - w / 2.3) / (w * s * (1 + (i % 3) / 3))) ** 2);
            x.data[((i * c + ch) * h + y) * w + xx] = i === 0 ? -1 : -1 + 2 * blob;
          }
    const xin = input('x', x.shape);
    const exe = await compile({ inputs: [xin], outputs: [measureGraph(xin, SURROGATE_MEASURES)], outputNames: ['m'] });
    const [got] = await exe.run(x);
    const want = measureImages(x, SURROGATE_MEASURES);
    SURROGATE_MEASURES.forEach((m, k) => {
      for (let i = 0; i < n; i++) {
        const g = Number(got.data[i * SURROGATE_MEASURES.length + k]);
        // Extent: the soft count differs from the exact quantile by under half a pixel at each end
        // (1 / 20 of the extent in all); area: a pixel within ~2 temperatures of 0.25 counts partly,
        // a blob's rim band is at most ~1 / 4 of its pixels here → 0.06.
        const tol = m === 'area' ? 0.06 : 1 / w;
        expect(Math.abs(g - want[k][i]), `${m} of blob ${i}: surrogate ${g}, measures.ts ${want[k][i]}`).toBeLessThanOrEqual(tol);
      }
    });
    // Blank image: area σ(−0.25 / T) per pixel (≈ 0.7 % at T = 0.05); extent σ(392) − σ(8) ≈ 3.4e-4
    // (every pixel a sharp step, the 2 % one just short of 1), measures.ts 0.
    expect(Number(got.data[0])).toBeCloseTo(1 / (1 + Math.exp(0.25 / AREA_TEMPERATURE)), 6);
    for (const k of [1, 2]) expect(Number(got.data[k])).toBeLessThan(1e-3);
    // Extents are monotone in blob size, as the exact ones.
    for (let i = 2; i < n; i += 3) expect(Number(got.data[i * 3 + 2])).toBeGreaterThan(Number(got.data[(i - 1) * 3 + 2]));
  });

  it.each(GRAPH_MEASURES.map((m) => [m]))('%s: gradient matches central differences (float64, tiny image)', async (m) => {
    // Ink strictly inside (0, 1) and no pixel equal to its mirror, so no clamp or |·| kink is near
    // (the surrogates are smooth wherever the clamp is inactive).
    const x = new Tensor('float64', [2, 1, 5, 6], Float64Array.from(images(2, 1, 5, 6, 7).data, (v, p) => Math.max(-0.9, Math.min(0.9, v)) + 1e-3 * (p % 7)));
    const rep = await gradcheck(({ x: xv }) => measureGraph(xv, [m]), { x }, { compile, dtype: 'float64', name: m });
    expect(rep.kinkCrossed).toBe(false);
    expect(rep.relError, JSON.stringify(rep.entries)).toBeLessThanOrEqual(rep.tolerance);
  });
});
