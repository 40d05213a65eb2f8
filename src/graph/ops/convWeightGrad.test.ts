import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.js';
import { compile, type Executable } from '../../runtime/compile.js';
import { randomTensor } from '../gradcheck.js';
import type { ConvAttrs } from '../types.js';
import { input } from '../value.js';
import { convAttrs } from './conv.js';
import { convWeightGrad, weightGradMethods } from './convWeightGrad.js';

/**
 * Every weight-gradient method against the definition, summed in float64 on the host:
 * dW[o, c, i, j] = Σ_{n, p, q} g[n, o, p, q] · x[n, c·, s·p + d·i − pad_top, s·q + d·j − pad_left].
 * The conv is linear in W, so this sum is the exact gradient (what central differences with ε = 1 give,
 * as vjp.test.ts checks for the rule's pick). Inputs in [-1, 1] and at most 2·8·8 = 128 products per
 * entry: float32 accumulation stays within ~1e-6 of the largest entry; 2e-5 leaves room for any order.
 */
const TOLERANCE = 2e-5;

function referenceDw(x: Tensor, g: Tensor, kh: number, kw: number, a: ConvAttrs): Float64Array {
  const [n, cin, h, w] = x.shape;
  const [, cout, ho, wo] = g.shape;
  const cpg = cin / a.group;
  const opg = cout / a.group;
  const out = new Float64Array(cout * cpg * kh * kw);
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cpg; c++)
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) {
          const cIn = Math.floor(o / opg) * cpg + c;
          let s = 0;
          for (let b = 0; b < n; b++)
            for (let p = 0; p < ho; p++) {
              const r = a.strides[0] * p + a.dilations[0] * i - a.pads[0];
              if (r < 0 || r >= h) continue;
              for (let q = 0; q < wo; q++) {
                const col = a.strides[1] * q + a.dilations[1] * j - a.pads[1];
                if (col < 0 || col >= w) continue;
                s +=
                  (g.data[((b * cout + o) * ho + p) * wo + q] as number) *
                  (x.data[((b * cin + cIn) * h + r) * w + col] as number);
              }
            }
          out[((o * cpg + c) * kh + i) * kw + j] = s;
        }
  return out;
}

interface Case {
  label: string;
  x: number[];
  cout: number;
  k: [number, number];
  attrs: ConvAttrs;
}

const cases: Case[] = [
  { label: 'k3 s1 p1', x: [2, 3, 5, 6], cout: 4, k: [3, 3], attrs: convAttrs({ padding: 1 }) },
  {
    label: 'k3 s2 p1, dropped row',
    x: [2, 2, 6, 7],
    cout: 3,
    k: [3, 3],
    attrs: convAttrs({ stride: 2, padding: 1 }),
  },
  {
    label: 'k4 s2 p1 (DCGAN)',
    x: [3, 2, 8, 8],
    cout: 3,
    k: [4, 4],
    attrs: convAttrs({ stride: 2, padding: 1 }),
  },
  { label: 'k4 s1 p0 (DCGAN last D layer)', x: [2, 3, 4, 4], cout: 1, k: [4, 4], attrs: convAttrs({}) },
  { label: 'k3 s2 p0', x: [2, 2, 7, 5], cout: 2, k: [3, 3], attrs: convAttrs({ stride: 2 }) },
  { label: 'k1 s2 (resnet skip)', x: [2, 3, 6, 6], cout: 2, k: [1, 1], attrs: convAttrs({ stride: 2 }) },
  { label: 'k1 s1 p0', x: [2, 3, 4, 4], cout: 2, k: [1, 1], attrs: convAttrs({}) },
  {
    label: 'k2x3 s[2,1] pads [1,0,2,1]',
    x: [2, 2, 6, 5],
    cout: 3,
    k: [2, 3],
    attrs: convAttrs({ stride: [2, 1], padding: [1, 0, 2, 1] }),
  },
  { label: 'dilation 2', x: [2, 2, 7, 7], cout: 2, k: [3, 3], attrs: convAttrs({ dilation: 2, padding: 1 }) },
  { label: 'group 2', x: [2, 4, 5, 5], cout: 6, k: [3, 3], attrs: convAttrs({ padding: 1, groups: 2 }) },
];

const exes: Executable[] = [];
afterAll(async () => {
  for (const e of exes) await e.release();
});

describe('convWeightGrad: every method against the definition (float64 host sum)', () => {
  const rows = cases.flatMap((c) => weightGradMethods(c.attrs).map((method) => ({ ...c, method })));
  it.each(rows)('$label by $method', async ({ x: xShape, cout, k, attrs, method }) => {
    const probeX = input('x', xShape);
    // output size from a forward conv of the same attributes
    const ho =
      Math.floor(
        (xShape[2] + attrs.pads[0] + attrs.pads[2] - attrs.dilations[0] * (k[0] - 1) - 1) / attrs.strides[0],
      ) + 1;
    const wo =
      Math.floor(
        (xShape[3] + attrs.pads[1] + attrs.pads[3] - attrs.dilations[1] * (k[1] - 1) - 1) / attrs.strides[1],
      ) + 1;
    const gShape = [xShape[0], cout, ho, wo];
    const g = input('g', gShape);
    const dw = convWeightGrad(probeX, g, k[0], k[1], attrs, method);
    expect(dw.shape).toEqual([cout, xShape[1] / attrs.group, k[0], k[1]]);
    const exe = await compile({ inputs: [probeX, g], outputs: [dw], outputNames: ['dw'] });
    exes.push(exe);
    const xt = randomTensor(xShape, 3, { dtype: 'float32' });
    const gt = randomTensor(gShape, 4, { dtype: 'float32' });
    const got = (await exe.runNamed({ x: xt, g: gt })).dw.data as Float32Array;
    const ref = referenceDw(xt, gt, k[0], k[1], attrs);
    let scale = 0;
    let err = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      err = Math.max(err, Math.abs(got[i] - ref[i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(err / scale).toBeLessThanOrEqual(TOLERANCE);
  });

  it('falls back to im2col where a method does not apply (grouped conv)', () => {
    expect(weightGradMethods(convAttrs({ groups: 2 }))).toEqual(['im2col']);
    expect(weightGradMethods(convAttrs({ dilation: 2 }))).not.toContain('stacked');
    const x = input('x', [1, 4, 5, 5]);
    const g = input('g', [1, 6, 5, 5]);
    const dw = convWeightGrad(x, g, 3, 3, convAttrs({ padding: 1, groups: 2 }), 'stacked');
    expect(dw.shape).toEqual([6, 2, 3, 3]);
  });
});
