import { describe, expect, it } from 'vitest';
import type { Shape } from '../../core/shape.js';
import { sizeOf, stridesOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { compile } from '../../runtime/compile.js';
import { grad } from '../autodiff.js';
import { randomTensor } from '../gradcheck.js';
import { trace } from '../program.js';
import type { ConvAttrs } from '../types.js';
import { constant } from '../value.js';
import { type ConvOptions, conv2d, convAttrs, convTranspose2d } from './conv.js';
import { clip, leakyRelu, leakyReluSlope, pow } from './elementwise.js';
import { gather, pad, slice } from './movement.js';
import { reduceMax, reduceSum } from './reduce.js';

/**
 * Forward values against plain-JS references written from the ONNX spec (not from our shape rules),
 * in float64 arithmetic. Conv runs in float32 in ORT, so it is compared at 1e-5 relative to the
 * largest output; movement ops are exact.
 */

type Arr = ArrayLike<number>;

/** Calls `f` with every multi-index of `shape`, in row-major order. */
function each(shape: Shape, f: (idx: number[], flat: number) => void): void {
  const idx = shape.map(() => 0);
  for (let flat = 0; flat < sizeOf(shape); flat++) {
    f(idx, flat);
    for (let a = shape.length - 1; a >= 0 && ++idx[a] === shape[a]; a--) idx[a] = 0;
  }
}

const at = (shape: Shape, idx: readonly number[]) => idx.reduce((o, v, i) => o + v * stridesOf(shape)[i], 0);

function convRef(
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
  a: ConvAttrs,
): { shape: number[]; data: Float64Array } {
  const [n, cin, h, wd] = x.shape;
  const [cout, cg, kh, kw] = w.shape;
  const [s0, s1] = a.strides;
  const [d0, d1] = a.dilations;
  const ho = Math.floor((h + a.pads[0] + a.pads[2] - d0 * (kh - 1) - 1) / s0) + 1;
  const wo = Math.floor((wd + a.pads[1] + a.pads[3] - d1 * (kw - 1) - 1) / s1) + 1;
  const shape = [n, cout, ho, wo];
  const y = new Float64Array(sizeOf(shape));
  const og = cout / a.group;
  each(shape, ([ni, o, i, j], flat) => {
    let acc = b ? (b.data[o] as number) : 0;
    const g = Math.floor(o / og);
    for (let c = 0; c < cg; c++) {
      for (let p = 0; p < kh; p++) {
        for (let q = 0; q < kw; q++) {
          const r = i * s0 - a.pads[0] + p * d0;
          const s = j * s1 - a.pads[1] + q * d1;
          if (r < 0 || r >= h || s < 0 || s >= wd) continue;
          acc +=
            (x.data[at(x.shape, [ni, g * cg + c, r, s])] as number) *
            (w.data[at(w.shape, [o, c, p, q])] as number);
        }
      }
    }
    y[flat] = acc;
  });
  void cin;
  return { shape, data: y };
}

function convTransposeRef(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvAttrs, op: [number, number]) {
  const [n, cin, h, wd] = x.shape;
  const [, cg, kh, kw] = w.shape;
  const ig = cin / a.group;
  const size = (i: 0 | 1, k: number, len: number) =>
    a.strides[i] * (len - 1) + op[i] + a.dilations[i] * (k - 1) + 1 - a.pads[i] - a.pads[i + 2];
  const shape = [n, cg * a.group, size(0, kh, h), size(1, kw, wd)];
  const y = new Float64Array(sizeOf(shape));
  if (b) each(shape, ([, o], flat) => (y[flat] = b.data[o] as number));
  each(x.shape, ([ni, c, i, j], flat) => {
    const g = Math.floor(c / ig);
    for (let o = 0; o < cg; o++) {
      for (let p = 0; p < kh; p++) {
        for (let q = 0; q < kw; q++) {
          const r = i * a.strides[0] - a.pads[0] + p * a.dilations[0];
          const s = j * a.strides[1] - a.pads[1] + q * a.dilations[1];
          if (r < 0 || r >= shape[2] || s < 0 || s >= shape[3]) continue;
          y[at(shape, [ni, g * cg + o, r, s])] +=
            (x.data[flat] as number) * (w.data[at(w.shape, [c, o, p, q])] as number);
        }
      }
    }
  });
  return { shape, data: y };
}

/** ONNX Slice: negative indices count from the end; clamping differs for negative steps. */
function sliceRef(x: Tensor, starts: number[], ends: number[], axes: number[], steps: number[]) {
  const picks = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
  axes.forEach((ax, k) => {
    const d = x.shape[ax];
    const step = steps[k];
    const norm = (v: number) => (v < 0 ? v + d : v);
    const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const s = step > 0 ? clampTo(norm(starts[k]), 0, d) : clampTo(norm(starts[k]), 0, d - 1);
    const e = step > 0 ? clampTo(norm(ends[k]), 0, d) : clampTo(norm(ends[k]), -1, d - 1);
    const list: number[] = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) list.push(i);
    picks[ax] = list;
  });
  const shape = picks.map((p) => p.length);
  const data = new Float64Array(sizeOf(shape));
  each(
    shape,
    (idx, flat) =>
      (data[flat] = x.data[
        at(
          x.shape,
          idx.map((v, a) => picks[a][v]),
        )
      ] as number),
  );
  return { shape, data };
}

function padRef(x: Tensor, pads: number[], mode: 'constant' | 'reflect' | 'edge', value: number) {
  const r = x.rank;
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
  const data = new Float64Array(sizeOf(shape));
  each(shape, (idx, flat) => {
    let inside = true;
    const src = idx.map((o, a) => {
      const n = x.shape[a];
      let i = o - pads[a];
      if (i >= 0 && i < n) return i;
      if (mode === 'constant') inside = false;
      else if (mode === 'edge') i = i < 0 ? 0 : n - 1;
      else i = i < 0 ? -i : 2 * (n - 1) - i;
      return i;
    });
    data[flat] = inside ? (x.data[at(x.shape, src)] as number) : value;
  });
  return { shape, data };
}

function gatherRef(x: Tensor, idxShape: number[], idx: number[], axis: number) {
  const shape = [...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)];
  const data = new Float64Array(sizeOf(shape));
  const k = idxShape.length;
  each(shape, (o, flat) => {
    const j = at(idxShape, o.slice(axis, axis + k));
    const row = idx[j] < 0 ? idx[j] + x.shape[axis] : idx[j];
    data[flat] = x.data[at(x.shape, [...o.slice(0, axis), row, ...o.slice(axis + k)])] as number;
  });
  return { shape, data };
}

/** Runs a one-input graph; also checks that our shape rule agrees with what ORT returned. */
async function runOne(x: Tensor, f: Parameters<typeof trace>[1]): Promise<Tensor> {
  const p = trace({ x: { shape: x.shape, dtype: x.dtype } }, f);
  const [y] = await (await compile(p)).run(x);
  expect(p.outputs[0].shape, 'shape rule').toEqual(y.shape);
  return y;
}

function expectClose(got: Tensor, want: { shape: number[]; data: Arr }, rel: number): void {
  expect(got.shape).toEqual(want.shape);
  let scale = 0;
  for (let i = 0; i < want.data.length; i++) scale = Math.max(scale, Math.abs(want.data[i]));
  for (let i = 0; i < want.data.length; i++) {
    if (Math.abs((got.data[i] as number) - want.data[i]) > rel * scale) {
      expect.fail(`element ${i}: got ${got.data[i]}, want ${want.data[i]} (scale ${scale})`);
    }
  }
}

describe('forward values against plain-JS references', () => {
  const convCases: [string, number[], number[], ConvOptions, boolean][] = [
    ['strided s2, asymmetric pads', [2, 3, 7, 6], [4, 3, 3, 3], { stride: 2, padding: [1, 0, 2, 1] }, true],
    [
      'grouped g2, dilated [2,1], stride [1,2]',
      [1, 4, 8, 7],
      [6, 2, 3, 2],
      { groups: 2, dilation: [2, 1], stride: [1, 2], padding: 1 },
      false,
    ],
    ['depthwise g3, k4 s2 p1', [2, 3, 8, 8], [3, 1, 4, 4], { groups: 3, stride: 2, padding: 1 }, true],
  ];
  it.each(convCases)('Conv: %s', async (_, xs, ws, opts, bias) => {
    const x = randomTensor(xs, 1, { dtype: 'float32' });
    const w = randomTensor(ws, 2, { dtype: 'float32' });
    const b = bias ? randomTensor([ws[0]], 3, { dtype: 'float32' }) : undefined;
    const y = await runOne(x, ({ x }) => conv2d(x, constant(w), b && constant(b), opts));
    expectClose(y, convRef(x, w, b, convAttrs(opts)), 1e-5);
  });

  const ctCases: [string, number[], number[], ConvOptions, [number, number], boolean][] = [
    ['k4 s2 p1 (DCGAN)', [2, 3, 4, 4], [3, 2, 4, 4], { stride: 2, padding: 1 }, [0, 0], true],
    [
      'grouped g2, s2, dil [1,2], output_padding [1,1], pads [1,0,0,2]',
      [1, 4, 3, 4],
      [4, 3, 3, 3],
      { groups: 2, stride: 2, dilation: [1, 2], padding: [1, 0, 0, 2] },
      [1, 1],
      true,
    ],
    ['k3 s2 p0 (StyleGAN up)', [1, 2, 3, 3], [2, 2, 3, 3], { stride: 2 }, [0, 0], false],
  ];
  it.each(ctCases)('ConvTranspose: %s', async (_, xs, ws, opts, op, bias) => {
    const x = randomTensor(xs, 4, { dtype: 'float32' });
    const w = randomTensor(ws, 5, { dtype: 'float32' });
    const b = bias ? randomTensor([ws[1] * (opts.groups ?? 1)], 6, { dtype: 'float32' }) : undefined;
    const y = await runOne(x, ({ x }) =>
      convTranspose2d(x, constant(w), b && constant(b), { ...opts, outputPadding: op }),
    );
    expectClose(y, convTransposeRef(x, w, b, convAttrs(opts), op), 1e-5);
  });

  const sliceCases: [number[], number[], number[], number[]][] = [
    [
      [1, -1],
      [5, -100],
      [0, 1],
      [2, -1],
    ],
    [
      [-6, 6],
      [100, 0],
      [0, 1],
      [3, -2],
    ],
    [[-1], [-100], [1], [-3]],
    [
      [-100, 100],
      [-100, -100],
      [0, 1],
      [-1, -2],
    ], // starts before the beginning with negative steps
    [[2], [2], [0], [1]], // empty
  ];
  it.each(sliceCases)('Slice starts %j ends %j axes %j steps %j', async (starts, ends, axes, steps) => {
    const x = randomTensor([7, 8], 7);
    const y = await runOne(x, ({ x }) => slice(x, starts, ends, axes, steps));
    expectClose(y, sliceRef(x, starts, ends, axes, steps), 0);
  });

  const padCases: ['constant' | 'reflect' | 'edge', number[]][] = [
    ['reflect', [0, 2, 3, 0, 1, 2]],
    ['reflect', [1, 3, 0, 2, 0, 1]],
    ['edge', [1, 0, 4, 2, 3, 0]],
    ['constant', [-1, 2, 0, 1, -2, 3]],
  ];
  it.each(padCases)('Pad %s %j', async (mode, pads) => {
    const x = randomTensor([3, 4, 5], 8);
    const y = await runOne(x, ({ x }) => pad(x, pads, mode, 0.25));
    expectClose(y, padRef(x, pads, mode, 0.25), 0);
  });

  const gatherCases: [number, number[], number[]][] = [
    [0, [5], [2, 0, 2, 2, 1]],
    [1, [2, 2], [1, -1, 0, 1]],
    [2, [], [3]],
  ];
  it.each(gatherCases)('Gather axis %d indices %j %j', async (axis, idxShape, idx) => {
    const x = randomTensor([3, 4, 5], 9);
    const y = await runOne(x, ({ x }) => gather(x, constant(Tensor.int64(idxShape, idx)), axis));
    expectClose(y, gatherRef(x, idxShape, idx, axis), 0);
  });

  it("Pow's exponent gradient is 0 where the base is 0 (not 0·log 0 = NaN)", async () => {
    const p = trace(
      { a: { shape: [3], dtype: 'float64' }, b: { shape: [3], dtype: 'float64' } },
      ({ a, b }) => grad(reduceSum(pow(a, b)), [a, b]),
    );
    const [ga, gb] = await (await compile(p)).run(
      Tensor.float64([3], [0, 2, 0]),
      Tensor.float64([3], [2, 3, 1]),
    );
    expect(Array.from(ga.data as Float64Array)).toEqual([0, 12, 1]);
    expect(Array.from(gb.data as Float64Array)).toEqual([0, 8 * Math.log(2), 0]);
  });

  it('LeakyReluSlope reads the exact slope off a fused LeakyRelu output, clipped ends and 0 included', async () => {
    // f32: the fused op's forward values at kinks, at ±bound (clipped and exactly), tiny and huge inputs.
    const a = Tensor.float32([10], [-5, -0.6, -1e-30, 0, 1e-29, 0.3, 0.6, 5, 1e-38, -0]);
    const sa = Math.fround(1.5 * Math.fround(0.2));
    const g = await runOne(a, ({ x }) => grad(reduceSum(leakyRelu(x, 0.2, { scale: 1.5, bound: 0.9 })), [x])[0]);
    expect(Array.from(g.data as Float32Array)).toEqual([0, sa, sa, sa, 1.5, 1.5, 0, 0, expect.any(Number), sa]);
    const y = Tensor.float32([6], [-3e38, -1, 0, 1e-20, 2, 3e38]);
    const s = await runOne(y, ({ x }) => leakyReluSlope(x, 0.2, 2));
    expect(Array.from(s.data as Float32Array)).toEqual([0.4, 0.4, 0.4, 2, 2, 2].map(Math.fround));
    const c = Tensor.float32([7], [-2, -0.7, -0.69, -1e-40, 0, 0.5, 0.7]);
    const gc = await runOne(c, ({ x }) => grad(reduceSum(clip(x, -0.7, 0.7)), [x])[0]);
    expect(Array.from(gc.data as Float32Array)).toEqual([0, 0, 1, 1, 1, 1, 0]);
  });

  // Sums over leading or middle axes lower to MatMul(ones, x) (reduce.ts); trailing ones stay ReduceSum.
  const sumCases: [number[], number[], boolean][] = [
    [[2, 3, 4], [1], false],
    [[2, 3, 4], [0, 1], true],
    [[1, 5, 1, 6], [1], true],
    [[3, 1, 4, 2], [0, 1, 2], false],
    [[2, 3, 4], [0, 2], false],
    [[2, 3, 4], [2], true],
  ];
  it.each(sumCases)('ReduceSum of %j over %j (keepdims %s)', async (shape, axes, keepdims) => {
    const x = randomTensor(shape, 11, { dtype: 'float64' });
    const y = await runOne(x, ({ x }) => reduceSum(x, axes, keepdims));
    const want = new Float64Array(y.size);
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    each(shape, (idx, flat) => {
      want[at(outShape, idx.map((v, i) => (axes.includes(i) ? 0 : v)))] += x.data[flat] as number;
    });
    expectClose(y, { shape: y.shape as number[], data: want }, 1e-12);
  });

  it('ReduceMax splits the cotangent equally between tied maxima', async () => {
    const x = Tensor.float64([2, 3], [1, 3, 3, 2, 0, -1]);
    const g = await runOne(x, ({ x }) => grad(reduceSum(reduceMax(x, 1)), [x])[0]);
    expect(Array.from(g.data as Float64Array)).toEqual([0, 0.5, 0.5, 1, 0, 0]);
  });
});
