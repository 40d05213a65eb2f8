import { afterAll, describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { gradcheck } from '../graph/gradcheck.js';
import { input } from '../graph/value.js';
import { clearSessionCache, compile } from '../runtime/compile.js';
import { type FilteredLreluOptions, filteredLrelu } from './filteredLrelu.js';

afterAll(() => clearSessionCache());

/**
 * NVIDIA's filtered_lrelu reference written out directly (float64): zero insertion, pad/crop, true
 * convolution with the (outer-product) up filter times up², bias-free leaky ReLU times gain, clamp,
 * true convolution with the down filter, every `down`-th sample. x [C, H, W].
 */
function reference(x: Float64Array, c: number, h: number, w: number, fu: number[][], fd: number[][], o: FilteredLreluOptions) {
  const [x0, x1, y0, y1] = o.padding;
  const [uh, uw] = [h * o.up + y0 + y1, w * o.up + x0 + x1];
  const at = (ch: number, i: number, j: number) => {
    const [si, sj] = [i - y0, j - x0];
    if (si < 0 || sj < 0 || si % o.up || sj % o.up || si / o.up >= h || sj / o.up >= w) return 0;
    return x[(ch * h + si / o.up) * w + sj / o.up];
  };
  const [kh, kw] = [fu.length, fu[0].length];
  const [th, tw] = [uh - kh + 1, uw - kw + 1];
  const t = new Float64Array(c * th * tw);
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < th; i++)
      for (let j = 0; j < tw; j++) {
        let s = 0;
        for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) s += at(ch, i + a, j + b) * fu[kh - 1 - a][kw - 1 - b];
        s *= o.up * o.up;
        s = (s < 0 ? s * o.slope : s) * o.gain;
        if (o.clamp !== null) s = Math.min(o.clamp, Math.max(-o.clamp, s));
        t[(ch * th + i) * tw + j] = s;
      }
  const [dh, dw] = [fd.length, fd[0].length];
  const [oh, ow] = [Math.floor((th - dh) / o.down) + 1, Math.floor((tw - dw) / o.down) + 1];
  const out = new Float64Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let s = 0;
        for (let a = 0; a < dh; a++) for (let b = 0; b < dw; b++) s += t[(ch * th + i * o.down + a) * tw + j * o.down + b] * fd[dh - 1 - a][dw - 1 - b];
        out[(ch * oh + i) * ow + j] = s;
      }
  return { out, shape: [1, c, oh, ow] };
}

const outer = (f: number[]) => f.map((a) => f.map((b) => a * b));

describe('filteredLrelu (polyphase up, channel-folded down) against the direct definition', () => {
  const rng = new RandomState(5);
  const cases: { name: string; k: number; up: number; kd: number; radialUp: boolean; radialDown: boolean; padding: [number, number, number, number] }[] = [
    { name: 'up 2, 1-D filters, padding like NVIDIA`s', k: 12, up: 2, kd: 12, radialUp: false, radialDown: false, padding: [9, 8, 9, 8] },
    { name: 'up 4, crop (negative padding), uneven', k: 24, up: 4, kd: 12, radialUp: false, radialDown: false, padding: [-6, -9, -5, -7] },
    { name: 'up 2, odd taps, mixed padding, 2-D down (radial)', k: 7, up: 2, kd: 6, radialUp: false, radialDown: true, padding: [3, -1, 0, 2] },
    { name: 'up 2 with a 2-D up filter', k: 6, up: 2, kd: 4, radialUp: true, radialDown: false, padding: [2, 3, 4, 1] },
  ];
  for (const cs of cases) {
    it(cs.name, async () => {
      const [c, h, w] = [2, 12, 13];
      const o: FilteredLreluOptions = { up: cs.up, down: 2, padding: cs.padding, gain: Math.SQRT2, slope: 0.2, clamp: 1.5 };
      const fu1 = Array.from(rng.randn(cs.k), (v) => 0.3 + 0.2 * v);
      const fd1 = Array.from(rng.randn(cs.kd), (v) => 0.3 + 0.2 * v);
      const fu2 = cs.radialUp ? Array.from({ length: cs.k }, () => Array.from(rng.randn(cs.k), (v) => 0.1 + 0.1 * v)) : outer(fu1);
      const fd2 = cs.radialDown ? Array.from({ length: cs.kd }, () => Array.from(rng.randn(cs.kd), (v) => 0.1 + 0.1 * v)) : outer(fd1);
      const fu = cs.radialUp ? Tensor.float32([cs.k, cs.k], fu2.flat()) : Tensor.float32([cs.k], fu1);
      const fd = cs.radialDown ? Tensor.float32([cs.kd, cs.kd], fd2.flat()) : Tensor.float32([cs.kd], fd1);
      const xs = Float64Array.from(rng.randn(c * h * w));
      const ref = reference(xs, c, h, w, fu2, fd2, o);
      const xv = input('x', [1, c, h, w]);
      const y = filteredLrelu(xv, null, fu, fd, o);
      expect(y.shape).toEqual(ref.shape);
      const exe = await compile({ inputs: [xv], outputs: [y], outputNames: ['y'] });
      const [got] = await exe.run(Tensor.float32([1, c, h, w], xs));
      let err = 0;
      for (let i = 0; i < ref.out.length; i++) err = Math.max(err, Math.abs(Number(got.data[i]) - ref.out[i]));
      // float32 sums of up to k²·(k/2)² products of O(1) values: a few ulps of the largest partial sums
      expect(err).toBeLessThan(1e-4);
      await exe.release();
    });
  }

  it('VJP w.r.t. x and bias (linear case: slope 1, no clamp, so ε = 1 is exact)', async () => {
    const fu = Tensor.float32([8], Array.from(rng.randn(8), (v) => 0.3 + 0.2 * v));
    const fd = Tensor.float32([6], Array.from(rng.randn(6), (v) => 0.3 + 0.2 * v));
    const o: FilteredLreluOptions = { up: 2, down: 2, padding: [4, 3, -1, 5], gain: 1.3, slope: 1, clamp: null };
    const rep = await gradcheck(
      (v) => filteredLrelu(v.x, v.b, fu, fd, o),
      { x: Tensor.float32([2, 3, 6, 5], rng.randn(180)), b: Tensor.float32([3], rng.randn(3)) },
      { compile, name: 'filteredLrelu', dtype: 'float32', linear: true },
    );
    expect(rep.relError, JSON.stringify(rep.entries)).toBeLessThanOrEqual(rep.tolerance);
  });
});
