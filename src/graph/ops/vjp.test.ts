import { afterAll, describe, expect, it } from 'vitest';
import type { FloatDType } from '../../core/dtype.js';
import { Tensor } from '../../core/tensor.js';
import { compile } from '../../runtime/compile.js';
import {
  type CheckedFn,
  distinctTensor,
  formatReports,
  type GradcheckReport,
  gradcheck,
  randomTensor,
} from '../gradcheck.js';
import { vjp } from '../autodiff.js';
import { opDef, opNames } from '../registry.js';
import { topoSort } from '../topo.js';
import type { OpName } from '../types.js';
import { constant, input, type Value } from '../value.js';
import { conv2d, convTranspose2d } from './conv.js';
import * as E from './elementwise.js';
import { gemm, matmul } from './matmul.js';
import { concat, expand, gather, pad, reshape, slice, squeeze, transpose, unsqueeze } from './movement.js';
import { reduceMax, reduceMean, reduceSum } from './reduce.js';

/**
 * One row per op (and per interesting variant): check_vjp by central differences (see gradcheck.ts for
 * ε and tolerances), a structural check that the op's VJP rule returns a cotangent of the right shape
 * for every float input and null for masks and indices (`nullAt`), and the same check one order up.
 */
interface Row {
  op: OpName | 'square' | 'rsqrt';
  label: string;
  inputs: Record<string, Tensor>;
  fn: CheckedFn;
  /** Linear (or bilinear) in its inputs: ε = 1 is exact (gradcheck.ts). */
  linear?: boolean;
  dtype?: FloatDType;
  /** Input positions of `op` whose cotangent must be null. */
  nullAt?: number[];
}

let seed = 1;
const U = (shape: number[], min = -1, max = 1) => randomTensor(shape, seed++, { min, max });
const P = (shape: number[]) => randomTensor(shape, seed++, { min: 0.5, max: 2 }); // positive
const A = (shape: number[], margin = 0.2) => randomTensor(shape, seed++, { min: -1.5, max: 1.5, margin }); // |x| ≥ margin
const D = (shape: number[]) => distinctTensor(shape, seed++); // no ties
const I = (shape: number[], v: number[]) => constant(Tensor.int64(shape, v));
const same = (x: Value, v: number) => E.scalarLike(v, x.dtype);

/** Values in [-1.5, 1.5] at least 0.1 away from every kink in `kinks`. */
function avoiding(shape: number[], kinks: number[]): Tensor {
  const t = U(shape, -1.5, 1.5);
  for (let i = 0; i < t.size; i++) {
    for (const k of kinks) {
      const d = (t.data[i] as number) - k;
      if (Math.abs(d) < 0.1) t.data[i] = k + (d < 0 ? -0.1 : 0.1) - d / 2;
    }
  }
  return t;
}

function row(op: Row['op'], label: string, inputs: Row['inputs'], fn: CheckedFn, o: Partial<Row> = {}): Row {
  return { op, label, inputs, fn, ...o };
}

const rows: Row[] = [
  // ---- elementwise, NumPy broadcasting ----
  row('Add', '[2,3,4] + [3,1]', { a: U([2, 3, 4]), b: U([3, 1]) }, ({ a, b }) => E.add(a, b), {
    linear: true,
  }),
  row(
    'Add',
    '[3,1] + [1,4] + scalar',
    { a: U([3, 1]), b: U([1, 4]), s: U([]) },
    ({ a, b, s }) => E.add(E.add(a, b), s),
    { linear: true },
  ),
  row('Sub', '[2,3,4] - [3,1]', { a: U([2, 3, 4]), b: U([3, 1]) }, ({ a, b }) => E.sub(a, b), {
    linear: true,
  }),
  row('Sub', 'scalar - [2,3]', { s: U([]), b: U([2, 3]) }, ({ s, b }) => E.sub(s, b), { linear: true }),
  row('Mul', '[2,3,4] * [3,1]', { a: U([2, 3, 4]), b: U([3, 1]) }, ({ a, b }) => E.mul(a, b), {
    linear: true,
  }),
  row('Mul', '[2,3,4] * scalar, x * x', { a: U([2, 3, 4]), s: U([]) }, ({ a, s }) => E.mul(E.mul(a, s), a)),
  row('Div', '[2,3,4] / [3,1]', { a: U([2, 3, 4]), b: P([3, 1]) }, ({ a, b }) => E.div(a, b)),
  row('Div', 'scalar / [2,3]', { s: U([]), b: A([2, 3], 0.5) }, ({ s, b }) => E.div(s, b)),
  row('Pow', '[2,3,4] ^ [3,1]', { a: P([2, 3, 4]), b: U([3, 1], -1.5, 1.5) }, ({ a, b }) => E.pow(a, b)),
  row('Pow', '[2,3] ^ 3 (constant exponent)', { a: U([2, 3]) }, ({ a }) => E.pow(a, 3)),
  row('Pow', 'scalar ^ [2,3]', { s: P([]), b: U([2, 3]) }, ({ s, b }) => E.pow(s, b)),
  row('Sqrt', '[2,3,4]', { a: P([2, 3, 4]) }, ({ a }) => E.sqrt(a)),
  row('Reciprocal', '[2,3,4]', { a: A([2, 3, 4], 0.4) }, ({ a }) => E.reciprocal(a)),
  row('Neg', '[2,3,4]', { a: U([2, 3, 4]) }, ({ a }) => E.neg(a), { linear: true }),
  row('Abs', '[2,3,4], |x| ≥ 0.2', { a: A([2, 3, 4]) }, ({ a }) => E.abs(a)),
  row('Exp', '[2,3,4]', { a: U([2, 3, 4], -2, 2) }, ({ a }) => E.exp(a)),
  row('Log', '[2,3,4]', { a: P([2, 3, 4]) }, ({ a }) => E.log(a)),
  row('Tanh', '[2,3,4]', { a: U([2, 3, 4], -2, 2) }, ({ a }) => E.tanh(a)),
  row('Sin', '[2,3,4] in [-4, 4]', { a: U([2, 3, 4], -4, 4) }, ({ a }) => E.sin(a)),
  row('Cos', '[2,3,4] in [-4, 4]', { a: U([2, 3, 4], -4, 4) }, ({ a }) => E.cos(a)),
  row('Sigmoid', '[2,3,4]', { a: U([2, 3, 4], -3, 3) }, ({ a }) => E.sigmoid(a)),
  row('Softplus', '[2,3,4]', { a: U([2, 3, 4], -3, 3) }, ({ a }) => E.softplus(a)),
  row('Relu', '[2,3,4], |x| ≥ 0.2', { a: A([2, 3, 4]) }, ({ a }) => E.relu(a)),
  row('LeakyRelu', '[2,3,4], alpha 0.2, |x| ≥ 0.2', { a: A([2, 3, 4]) }, ({ a }) => E.leakyRelu(a, 0.2)),
  row('LeakyRelu', 'fused scale 1.5 and bound 0.9, away from 0 and ±0.6', { a: avoiding([2, 3, 4], [0, -0.6, 0.6]) }, ({ a }) =>
    E.leakyRelu(a, 0.2, { scale: 1.5, bound: 0.9 }),
  ),
  row('LeakyReluSlope', 'slope(x)·x, alpha 0.2, scale 1.5, bound 0.9, away from 0 and ±0.9', { x: avoiding([2, 3, 4], [0, -0.9, 0.9]) }, ({ x }) =>
    E.mul(E.leakyReluSlope(x, 0.2, 1.5, 0.9), x),
    { nullAt: [0] },
  ),
  row('Clip', '[-0.6, 0.6] (symmetric: mask without Where), away from both ends', { a: avoiding([2, 3, 4], [-0.6, 0.6]) }, ({ a }) =>
    E.clip(a, -0.6, 0.6),
  ),
  row('Clip', '[-0.5, 0.7], away from both ends', { a: avoiding([2, 3, 4], [-0.5, 0.7]) }, ({ a }) =>
    E.clip(a, -0.5, 0.7),
  ),
  row(
    'Where',
    'cond [3,4] from x, a [2,3,4], b [3,1]',
    { x: A([3, 4]), a: U([2, 3, 4]), b: U([3, 1]) },
    ({ x, a, b }) => E.mul(E.where(E.greater(x, 0), a, b), x),
    { nullAt: [0] },
  ),
  row(
    'Greater',
    'mask(x > y) * x * y',
    { x: avoiding([2, 3], [0]), y: U([3], -0.05, 0.05) },
    ({ x, y }) => E.mul(E.cast(E.greater(x, y), x.dtype), E.mul(x, y)),
    { nullAt: [0, 1] },
  ),
  row(
    'Less',
    'mask(x < y) * x * y',
    { x: avoiding([2, 3], [0]), y: U([3], -0.05, 0.05) },
    ({ x, y }) => E.mul(E.cast(E.less(x, y), x.dtype), E.mul(x, y)),
    { nullAt: [0, 1] },
  ),
  row('Equal', 'mask(x == x) * x', { x: U([2, 3]) }, ({ x }) => E.mul(E.cast(E.equal(x, x), x.dtype), x), {
    nullAt: [0, 1],
  }),
  row('Cast', 'f32 -> f64', { x: U([2, 3]) }, ({ x }) => E.mul(E.cast(x, 'float64'), E.cast(x, 'float64')), {
    dtype: 'float32',
    linear: true,
  }),
  row('square', '[2,3,4]', { a: U([2, 3, 4]) }, ({ a }) => E.square(a), { linear: true }),
  row('rsqrt', '[2,3,4]', { a: P([2, 3, 4]) }, ({ a }) => E.rsqrt(a)),
  // ---- reductions ----
  row('ReduceSum', 'axis 1', { a: U([2, 3, 4]) }, ({ a }) => reduceSum(a, 1), { linear: true }),
  row('ReduceSum', 'axes [0,2] keepdims', { a: U([2, 3, 4]) }, ({ a }) => reduceSum(a, [0, 2], true), {
    linear: true,
  }),
  row('ReduceMean', 'axis -1', { a: U([2, 3, 4]) }, ({ a }) => reduceMean(a, -1), { linear: true }),
  row('ReduceMean', 'all axes', { a: U([2, 3, 4]) }, ({ a }) => reduceMean(a), { linear: true }),
  row('ReduceMax', 'axis 1, no ties', { a: D([2, 3, 4]) }, ({ a }) => reduceMax(a, 1)),
  row('ReduceMax', 'axes [0,2] keepdims, no ties', { a: D([2, 3, 4]) }, ({ a }) =>
    reduceMax(a, [0, 2], true),
  ),
  // ---- linear algebra ----
  row('MatMul', '[2,3] x [3,4]', { a: U([2, 3]), b: U([3, 4]) }, ({ a, b }) => matmul(a, b), {
    linear: true,
  }),
  row(
    'MatMul',
    'batched [2,3,4] x [2,4,5]',
    { a: U([2, 3, 4]), b: U([2, 4, 5]) },
    ({ a, b }) => matmul(a, b),
    { linear: true },
  ),
  row(
    'MatMul',
    'broadcast batch [2,1,3,4] x [5,4,2]',
    { a: U([2, 1, 3, 4]), b: U([5, 4, 2]) },
    ({ a, b }) => matmul(a, b),
    { linear: true },
  ),
  row('MatMul', '[3,4] x [2,4,5]', { a: U([3, 4]), b: U([2, 4, 5]) }, ({ a, b }) => matmul(a, b), {
    linear: true,
  }),
  ...[false, true].flatMap((transA) =>
    [false, true].map((transB) =>
      row(
        'Gemm',
        `transA=${+transA} transB=${+transB}, alpha 0.7, beta 1.3, C [4]`,
        { a: U(transA ? [3, 2] : [2, 3]), b: U(transB ? [4, 3] : [3, 4]), c: U([4]) },
        ({ a, b, c }) => gemm(a, b, { transA, transB, alpha: 0.7, beta: 1.3 }, c),
        { linear: true },
      ),
    ),
  ),
  row(
    'Gemm',
    'C [2,1]',
    { a: U([2, 3]), b: U([3, 4]), c: U([2, 1]) },
    ({ a, b, c }) => gemm(a, b, { beta: 0.5 }, c),
    { linear: true },
  ),
  row(
    'Gemm',
    'C scalar, transB',
    { a: U([2, 3]), b: U([4, 3]), c: U([]) },
    ({ a, b, c }) => gemm(a, b, { transB: true, beta: 2 }, c),
    { linear: true },
  ),
  row(
    'Gemm',
    'C [2,4], no bias scale',
    { a: U([2, 3]), b: U([3, 4]), c: U([2, 4]) },
    ({ a, b, c }) => gemm(a, b, {}, c),
    { linear: true },
  ),
  row(
    'Gemm',
    'no C, transA',
    { a: U([3, 2]), b: U([3, 4]) },
    ({ a, b }) => gemm(a, b, { transA: true, alpha: -1.5 }),
    { linear: true },
  ),
  // ---- convolutions (float32: ORT has no double Conv) ----
  row(
    'Conv',
    'k3 s1 p1 + bias',
    { x: U([2, 3, 5, 5]), w: U([4, 3, 3, 3]), b: U([4]) },
    ({ x, w, b }) => conv2d(x, w, b, { padding: 1 }),
    { linear: true },
  ),
  row(
    'Conv',
    'k3 s2 p1 (dropped row)',
    { x: U([2, 2, 6, 6]), w: U([3, 2, 3, 3]) },
    ({ x, w }) => conv2d(x, w, undefined, { stride: 2, padding: 1 }),
    { linear: true },
  ),
  row(
    'Conv',
    'k4 s2 p1 (DCGAN D)',
    { x: U([2, 3, 8, 8]), w: U([4, 3, 4, 4]) },
    ({ x, w }) => conv2d(x, w, undefined, { stride: 2, padding: 1 }),
    { linear: true },
  ),
  row(
    'Conv',
    'group 2, s2, dil [1,2], pads [1,0,2,1], bias',
    { x: U([2, 4, 7, 8]), w: U([6, 2, 3, 3]), b: U([6]) },
    ({ x, w, b }) => conv2d(x, w, b, { stride: 2, dilation: [1, 2], padding: [1, 0, 2, 1], groups: 2 }),
    { linear: true },
  ),
  row(
    'Conv',
    'depthwise group 3, dil 2, s [1,2]',
    { x: U([1, 3, 7, 7]), w: U([3, 1, 3, 2]) },
    ({ x, w }) => conv2d(x, w, undefined, { stride: [1, 2], dilation: 2, padding: [2, 1, 1, 0], groups: 3 }),
    { linear: true },
  ),
  row(
    'Conv',
    'grouped 1x1, group 4 (modconv fused)',
    { x: U([1, 8, 4, 4]), w: U([4, 2, 1, 1]) },
    ({ x, w }) => conv2d(x, w, undefined, { groups: 4 }),
    { linear: true },
  ),
  row(
    'ConvTranspose',
    'k4 s2 p1 + bias (DCGAN G)',
    { x: U([2, 3, 4, 4]), w: U([3, 2, 4, 4]), b: U([2]) },
    ({ x, w, b }) => convTranspose2d(x, w, b, { stride: 2, padding: 1 }),
    { linear: true },
  ),
  row(
    'ConvTranspose',
    'k3 s1 p1',
    { x: U([2, 3, 5, 5]), w: U([3, 4, 3, 3]) },
    ({ x, w }) => convTranspose2d(x, w, undefined, { padding: 1 }),
    { linear: true },
  ),
  row(
    'ConvTranspose',
    'k3 s2 p0 group 2 (StyleGAN up)',
    { x: U([1, 4, 4, 4]), w: U([4, 1, 3, 3]) },
    ({ x, w }) => convTranspose2d(x, w, undefined, { stride: 2, groups: 2 }),
    { linear: true },
  ),
  row(
    'ConvTranspose',
    's2, output_padding [1,0], dil [2,1], pads [1,0,0,2], bias',
    { x: U([2, 2, 4, 5]), w: U([2, 3, 3, 3]), b: U([3]) },
    ({ x, w, b }) =>
      convTranspose2d(x, w, b, { stride: 2, padding: [1, 0, 0, 2], dilation: [2, 1], outputPadding: [1, 0] }),
    { linear: true },
  ),
  // ---- movement ----
  row('Reshape', '[2,3,4] -> [4,6]', { a: U([2, 3, 4]) }, ({ a }) => reshape(a, [4, 6]), { linear: true }),
  row('Transpose', 'perm [2,0,1]', { a: U([2, 3, 4]) }, ({ a }) => transpose(a, [2, 0, 1]), { linear: true }),
  row(
    'Concat',
    '3 inputs, axis 1',
    { a: U([2, 1, 4]), b: U([2, 3, 4]), c: U([2, 2, 4]) },
    ({ a, b, c }) => concat([a, b, c], 1),
    { linear: true },
  ),
  row('Concat', 'x twice, axis -1', { a: U([2, 3]) }, ({ a }) => concat([a, E.neg(a)], -1), { linear: true }),
  row(
    'Slice',
    'step 2 and -1',
    { a: U([5, 6, 3]) },
    ({ a }) => slice(a, [1, -1], [5, -100], [0, 1], [2, -1]),
    { linear: true },
  ),
  row(
    'Slice',
    'step 3, step -2, negative starts',
    { a: U([7, 8]) },
    ({ a }) => slice(a, [-6, 6], [100, 0], [0, 1], [3, -2]),
    { linear: true },
  ),
  row('Slice', 'plain crop', { a: U([4, 5]) }, ({ a }) => slice(a, [1], [-1], [1]), { linear: true }),
  row(
    'Pad',
    'constant 0.5, asymmetric',
    { a: U([2, 3, 4]) },
    ({ a }) => pad(a, [0, 1, 2, 1, 0, 3], 'constant', 0.5),
    { linear: true },
  ),
  row('Pad', 'reflect', { a: U([2, 4, 5]) }, ({ a }) => pad(a, [0, 2, 1, 0, 3, 4], 'reflect'), {
    linear: true,
  }),
  row('Pad', 'edge', { a: U([2, 3, 4]) }, ({ a }) => pad(a, [1, 2, 0, 0, 1, 3], 'edge'), { linear: true }),
  row('Pad', 'negative (crop) and positive', { a: U([3, 5, 4]) }, ({ a }) => pad(a, [-1, 2, -1, 0, -2, 1]), {
    linear: true,
  }),
  row('Expand', '[3,1] -> [2,3,4]', { a: U([3, 1]) }, ({ a }) => expand(a, [2, 3, 4]), { linear: true }),
  row('Squeeze', '[2,1,3,1] axes [1,3]', { a: U([2, 1, 3, 1]) }, ({ a }) => squeeze(a, [1, -1]), {
    linear: true,
  }),
  row('Unsqueeze', '[2,3] axes [0,2]', { a: U([2, 3]) }, ({ a }) => unsqueeze(a, [0, 2]), { linear: true }),
  row('Gather', 'axis 0, repeated indices', { a: U([3, 4]) }, ({ a }) => gather(a, I([4], [2, 0, 2, 2]), 0), {
    linear: true,
    nullAt: [1],
  }),
  row(
    'Gather',
    'axis 1, 2-D and negative indices',
    { a: U([2, 3, 4]) },
    ({ a }) => gather(a, I([2, 2], [1, -1, 0, 1]), 1),
    { linear: true, nullAt: [1] },
  ),
];

const reports: GradcheckReport[] = [];
afterAll(() => {
  if (process.env.LATENTLAB_GRADCHECK_TABLE) console.log(formatReports(reports));
});

describe('VJP of every primitive (central differences)', () => {
  it('covers every op in the registry', () => {
    const covered = new Set(rows.map((r) => r.op));
    expect(opNames().filter((op) => !covered.has(op))).toEqual([]);
  });

  it.each(rows)('$op: $label', async (r) => {
    structuralCheck(r);
    const rep = await gradcheck(r.fn, r.inputs, {
      compile,
      name: `${r.op}: ${r.label}`,
      linear: r.linear,
      dtype: r.dtype ?? 'auto',
    });
    reports.push(rep);
    expect(rep.kinkCrossed).toBe(false);
    expect(rep.relError).toBeLessThanOrEqual(rep.tolerance);
    // float64 everywhere except where ORT's CPU provider has no double kernel.
    const expected: FloatDType =
      r.dtype ?? (r.op === 'Conv' || r.op === 'ConvTranspose' ? 'float32' : 'float64');
    expect(rep.dtype).toBe(expected);
  });
});

/**
 * Second order: every op used by a VJP needs a VJP (R1 and path-length penalties differentiate the
 * backward graph). Checks F(x, g) = Jᵀ(x)·g, flattened and concatenated over inputs, w.r.t. x and g.
 * F has one degree less in x than f, so rows that are linear in each input stay linear.
 */
describe('VJP of every VJP (second order)', () => {
  it.each(rows.filter((r) => !r.dtype))('$op: $label', async (r) => {
    const traced = outOf(r.fn(inputsOf(r.inputs)));
    const inputs = { ...r.inputs, gOut: randomTensor(traced.shape, seed++) };
    const backward = (v: Record<string, Value>) => {
      const xs = Object.keys(r.inputs).map((k) => v[k]);
      const gs = vjp([outOf(r.fn(v))], [v.gOut], xs);
      return concat(
        gs.map((g) => reshape(g, [-1])),
        0,
      );
    };
    const rep = await gradcheck(backward, inputs, {
      compile,
      name: `d² ${r.op}: ${r.label}`,
      linear: r.linear,
    });
    reports.push(rep);
    expect(rep.kinkCrossed).toBe(false);
    expect(rep.relError).toBeLessThanOrEqual(rep.tolerance);
  });
});

const outOf = (res: ReturnType<CheckedFn>): Value => ('out' in res ? res.out : res);
const inputsOf = (ts: Record<string, Tensor>, dtype?: FloatDType) =>
  Object.fromEntries(
    Object.entries(ts).map(([k, t]) => [
      k,
      input(k, t.shape, t.dtype === 'float64' && dtype ? dtype : t.dtype),
    ]),
  );

/** The op's rule returns a correctly shaped cotangent for float inputs and null where required. */
function structuralCheck(r: Row): void {
  if (r.op === 'square' || r.op === 'rsqrt') return;
  const vals = inputsOf(r.inputs, r.dtype);
  const out = outOf(r.fn(vals));
  const node = topoSort([out]).find((v) => v.op === r.op);
  if (node?.source.kind !== 'op') throw new Error(`${r.label}: no ${r.op} node`);
  const g = node.dtype === 'bool' ? same(vals[Object.keys(vals)[0]], 0) : node;
  const grads = opDef(r.op).vjp({ inputs: node.inputs, attrs: node.source.attrs as never, out: node, g });
  node.inputs.forEach((inp, i) => {
    if (r.nullAt?.includes(i)) expect(grads[i], `input ${i}`).toBeNull();
    else if (inp.dtype === 'float32' || inp.dtype === 'float64')
      expect(grads[i]?.shape, `input ${i}`).toEqual(inp.shape);
  });
}
