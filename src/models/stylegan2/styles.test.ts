import { describe, expect, it } from 'vitest';
import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { grad } from '../../graph/autodiff.js';
import { mul } from '../../graph/ops/elementwise.js';
import { reduceSum } from '../../graph/ops/reduce.js';
import { constant, input } from '../../graph/value.js';
import { compile } from '../../runtime/compile.js';
import { computeStyles, mapZ, sampleZ, synthesize } from '../generate.js';
import { loadModel } from '../io/loadModel.js';
import { styleSynthesis } from '../styleGraph.js';
import { splitStyleOffsets, styleChannel, styleIndex, styleLayout } from './styles.js';

const MODEL = new URL('../../../models/fmnist-stylegan2', import.meta.url).pathname;

describe('StyleSpace: style offsets as generator inputs', async () => {
  const model = await loadModel(MODEL);
  const cfg = model.stylegan2();
  const layout = styleLayout(cfg);
  const ws = await mapZ(model, sampleZ(model, [0, 1, 2]));

  it('lays out every conv and ToRGB layer, and names channels both ways', () => {
    // 4 convs read 128 channels, 2 read 64, 1 reads 32; the ToRGBs read 128, 128, 64, 32.
    expect(layout.dim).toBe(672 + 352);
    expect(layout.layers.map((l) => l.name)).toEqual(cfg.layers.map((l) => l.name));
    const c = styleChannel(layout, layout.layers[5].offset + 7);
    expect(c.name).toBe('synthesis.b16.conv0:7');
    expect(styleIndex(layout, 'b16.conv0:7')).toBe(layout.layers[5].offset + 7);
    expect(() => styleIndex(layout, 'b16.conv0:999')).toThrow(/LAYER:CHANNEL/);
  });

  it('styles are the affine outputs A(w) (checked in float64 for one layer)', async () => {
    const s = await computeStyles(model, ws);
    const l = layout.layers[2]; // synthesis.b8.conv0
    const w = model.generatorWeights().tensor(`${l.name}.affine.weight`).toFloat64().data;
    const b = model.generatorWeights().tensor(`${l.name}.affine.bias`).toFloat64().data;
    const { wDim, numWs } = cfg;
    for (const c of [0, 17, l.channels - 1]) {
      let v = 0;
      for (let j = 0; j < wDim; j++) v += ws.data[(1 * numWs + l.wsIndex) * wDim + j] * w[c * wDim + j];
      const want = v / Math.sqrt(wDim) + b[c];
      // float32 accumulation over 128 terms: a few ulps of |want| ~ 1.
      expect(Math.abs(s.data[1 * layout.dim + l.offset + c] - want)).toBeLessThan(1e-5);
    }
  });

  it('zero offsets reproduce the images exactly; an offset changes only what it feeds', async () => {
    const plain = await synthesize(model, ws);
    const zero = await synthesize(model, ws, { styleOffsets: Tensor.float32([3, layout.dim]) });
    expect(Array.from(zero.data)).toEqual(Array.from(plain.data));
    // A last-ToRGB channel acts on the final 32² RGB only: the image moves, and it moves linearly
    // (ToRGB is not demodulated, so its output is linear in its styles).
    const last = layout.layers[layout.layers.length - 1];
    const d = Tensor.float32([3, layout.dim]);
    const d2 = Tensor.float32([3, layout.dim]);
    for (let i = 0; i < 3; i++) {
      d.data[i * layout.dim + last.offset + 4] = 0.5;
      d2.data[i * layout.dim + last.offset + 4] = 1;
    }
    const a = await synthesize(model, ws, { styleOffsets: d });
    const b = await synthesize(model, ws, { styleOffsets: d2 });
    let moved = 0;
    let nonlinear = 0;
    for (let i = 0; i < plain.size; i++) {
      moved = Math.max(moved, Math.abs(a.data[i] - plain.data[i]));
      nonlinear = Math.max(nonlinear, Math.abs(b.data[i] - 2 * a.data[i] + plain.data[i]));
    }
    expect(moved).toBeGreaterThan(1e-3);
    expect(nonlinear).toBeLessThan(1e-5 + 1e-3 * moved); // conv_clamp is far (256): linear up to float32 rounding
  });

  it('the gradient of an image measure w.r.t. Δs matches central differences', async () => {
    const n = 2;
    const rng = new RandomState(3);
    const weights = Tensor.float32([n, 1, 32, 32], rng.standardNormalFloat32([n, 1, 32, 32]));
    const wsIn = input('ws', [n, cfg.numWs, cfg.wDim]);
    const ds = input('styleOffsets', [n, layout.dim]);
    const img = styleSynthesis(model, wsIn, { styleOffsets: splitStyleOffsets(layout, ds) });
    const m = reduceSum(mul(img, constant(weights)), [0, 1, 2, 3]);
    const [g] = grad(m, [ds]);
    const exe = await compile({ inputs: [wsIn, ds], outputs: [m, g], outputNames: ['m', 'g'] });
    const at = Tensor.float32([n, layout.dim], rng.standardNormalFloat32([n, layout.dim]).map((v) => 0.1 * v));
    const x = ws.reshape([3, cfg.numWs, cfg.wDim]);
    const wsN = new Tensor('float32', [n, cfg.numWs, cfg.wDim], x.data.slice(0, n * cfg.numWs * cfg.wDim));
    const { g: gv } = await exe.runNamed({ ws: wsN, styleOffsets: at });
    const measure = async (d: Tensor<'float32'>) => {
      const im = await synthesize(model, wsN, { styleOffsets: d });
      let s = 0;
      for (let i = 0; i < im.size; i++) s += im.data[i] * weights.data[i];
      return s;
    };
    // One layer's channels at a time (a random direction there): a piecewise-linear network has
    // kinks (leaky ReLU) everywhere, so the step must stay small: |εu| ≈ 0.01 in S, whose styles
    // have std 0.3–1.8 per channel.
    const eps = 1e-3;
    for (const name of ['synthesis.b8.conv0', 'synthesis.b16.conv1', 'synthesis.b32.torgb']) {
      const l = layout.layers.find((x) => x.name === name)!;
      const u = new Float32Array(n * layout.dim);
      const r = rng.standardNormalFloat32([n * l.channels]);
      for (let i = 0; i < n; i++) u.set(r.subarray(i * l.channels, (i + 1) * l.channels), i * layout.dim + l.offset);
      const plus = Tensor.float32([n, layout.dim], at.data.map((v, i) => v + eps * u[i]));
      const minus = Tensor.float32([n, layout.dim], at.data.map((v, i) => v - eps * u[i]));
      const fd = ((await measure(plus)) - (await measure(minus))) / (2 * eps);
      let jvp = 0;
      for (let i = 0; i < u.length; i++) jvp += Number(gv.data[i]) * u[i];
      // Measured: 2.4 %, 1.2 %, 0.07 % apart (the first two layers feed leaky ReLUs whose kinks a
      // step crosses; ToRGB is linear in its styles). float32 rounding of the ~2000-term measure is
      // ~1e-4 over 2ε = 0.002: 0.05 absolute.
      expect(Math.abs(jvp)).toBeGreaterThan(0.5);
      expect(Math.abs(fd - jvp)).toBeLessThan(0.05 * Math.abs(jvp) + 0.05);
    }
  });
});
