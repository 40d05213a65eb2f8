import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { gradcheck } from '../graph/gradcheck.js';
import { input } from '../graph/value.js';
import { compile } from '../runtime/compile.js';
import { GRAPH_MEASURES, measureGraph } from './measureGraph.js';
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
    const exe = await compile({ inputs: [xin], outputs: [measureGraph(xin, GRAPH_MEASURES)], outputNames: ['measures'] });
    const [got] = await exe.run(x);
    const want = measureImages(x, GRAPH_MEASURES);
    GRAPH_MEASURES.forEach((m, k) => {
      for (let i = 0; i < 4; i++) {
        const g = Number(got.data[i * GRAPH_MEASURES.length + k]);
        // float32 sums of ~200 terms of size ≤ 1: relative rounding ≲ 1e-6; 1e-5 leaves headroom.
        expect(Math.abs(g - want[k][i]), `${m} of image ${i}: graph ${g}, measures.ts ${want[k][i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[k][i])));
      }
    });
    // Blank image: brightness 0, ink 0, symmetry 1, texture 0, as measureInk.
    expect(Array.from({ length: 4 }, (_, k) => Number(got.data[3 * 4 + k]))).toEqual([0, 0, 1, 0]);
  });

  it.each(GRAPH_MEASURES.map((m) => [m]))('%s: gradient matches central differences (float64, tiny image)', async (m) => {
    // Ink strictly inside (0, 1) and no pixel equal to its mirror, so no clamp or |·| kink is near.
    const x = new Tensor('float64', [2, 1, 5, 6], Float64Array.from(images(2, 1, 5, 6, 7).data, (v, p) => Math.max(-0.9, Math.min(0.9, v)) + 1e-3 * (p % 7)));
    const rep = await gradcheck(({ x: xv }) => measureGraph(xv, [m]), { x }, { compile, dtype: 'float64', name: m });
    expect(rep.kinkCrossed).toBe(false);
    expect(rep.relError, JSON.stringify(rep.entries)).toBeLessThanOrEqual(rep.tolerance);
  });
});
