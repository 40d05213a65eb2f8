import { isFloat } from '../../core/dtype.js';
import { DTypeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { normalizeAxis } from '../../core/shape.js';
import type { OnnxEmitter } from '../emitter.js';
import type { OpDef, OpFamily, ValueType } from '../types.js';
import { apply, type Value } from '../value.js';
import { cast, div, equal, mul } from './elementwise.js';
import { expand, reshape } from './movement.js';

interface ReduceAttrs {
  axes: readonly number[];
  keepdims: boolean;
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceType(op: string, [a]: readonly Value[], { axes, keepdims }: ReduceAttrs): ValueType {
  if (!isFloat(a.dtype)) throw new DTypeError(`${op}: expected a float tensor, got ${a.dtype}`);
  const shape = keepdims ? keptShape(a.shape, axes) : a.shape.filter((_, i) => !axes.includes(i));
  return { shape, dtype: a.dtype };
}

function lower(opType: string) {
  return (e: OnnxEmitter, ins: readonly string[], out: string, { axes, keepdims }: ReduceAttrs) =>
    e.node(opType, [ins[0], e.int64s(axes)], [out], { keepdims: { i: keepdims ? 1 : 0 } });
}

/** Cotangent of a reduction broadcast back over the reduced axes. */
function spread(g: Value, a: Value, axes: readonly number[]): Value {
  return expand(reshape(g, keptShape(a.shape, axes)), a.shape);
}

function countOf(a: Value, axes: readonly number[]): number {
  return axes.reduce((n, ax) => n * a.shape[ax], 1);
}

/**
 * [pre, red, post] when the reduced axes of size > 1 form one block followed by kept axes of size > 1
 * (a sum over channels of [N, C, H, W], over the batch of [N, C]), else null.
 */
function leadingBlock(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const big = shape.map((d, i) => i).filter((i) => shape[i] > 1);
  const reduced = big.filter((i) => axes.includes(i));
  if (reduced.length === 0) return null;
  const first = big.indexOf(reduced[0]);
  if (big.slice(first, first + reduced.length).some((ax, k) => ax !== reduced[k])) return null;
  const size = (idx: number[]) => idx.reduce((n, i) => n * shape[i], 1);
  const post = size(big.slice(first + reduced.length));
  return post > 1 ? [size(big.slice(0, first)), size(reduced), post] : null;
}

const reduceSumDef: OpDef<ReduceAttrs> = {
  inferType: (ins, at) => reduceType('ReduceSum', ins, at),
  // ORT's ReduceSum over a leading or middle axis (the kept axes after it) is 10-70x slower than the
  // same sum as a GEMV: ones[1, red] @ x[pre, red, post] (e.g. 2.6 vs 0.1 ms over the channels of a
  // [1, 256, 64, 64] noise cotangent). Sums over trailing axes stay ReduceSum (its fast path).
  toOnnx: (e, ins, out, attrs, node) => {
    const x = node.inputs[0];
    const block = x.dtype === 'float32' || x.dtype === 'float64' ? leadingBlock(x.shape, attrs.axes) : null;
    if (!block) return lower('ReduceSum')(e, ins, out, attrs);
    const [pre, red, post] = block;
    const ones = x.dtype === 'float32' ? Tensor.float32([1, red]) : Tensor.float64([1, red]);
    ones.data.fill(1);
    const [r, m] = [e.temp(), e.temp()];
    e.node('Reshape', [ins[0], e.int64s(pre > 1 ? [pre, red, post] : [red, post])], [r]);
    e.node('MatMul', [e.tensor(ones), r], [m]);
    e.node('Reshape', [m, e.int64s(node.shape)], [out]);
  },
  // d sum(a) = 1 per element
  vjp: ({ g, inputs: [a], attrs }) => [spread(g, a, attrs.axes)],
};

export const reduceOps: OpFamily<'ReduceSum' | 'ReduceMean' | 'ReduceMax'> = {
  ReduceSum: reduceSumDef,
  // d mean(a) = 1/n per element
  ReduceMean: {
    inferType: (ins, at) => reduceType('ReduceMean', ins, at),
    toOnnx: lower('ReduceMean'),
    vjp: ({ g, inputs: [a], attrs }) => [spread(div(g, countOf(a, attrs.axes)), a, attrs.axes)],
  },
  // d max(a) = 1 at the maxima, shared equally between ties
  ReduceMax: {
    inferType: (ins, at) => reduceType('ReduceMax', ins, at),
    toOnnx: lower('ReduceMax'),
    vjp: ({ g, out, inputs: [a], attrs }) => {
      const mask = cast(equal(a, spread(out, a, attrs.axes)), a.dtype);
      const ties = reduceSum(mask, attrs.axes, true);
      return [mul(spread(g, a, attrs.axes), div(mask, ties))];
    },
  },
};

function axesOf(a: Value, axes: number | readonly number[] | undefined, what: string): number[] {
  const list = axes === undefined ? a.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  return [...new Set(list.map((ax) => normalizeAxis(ax, a.rank, what)))].sort((x, y) => x - y);
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(a: Value, axes?: number | readonly number[], keepdims = false): Value {
  const ax = axesOf(a, axes, 'ReduceSum');
  return ax.length ? apply('ReduceSum', [a], { axes: ax, keepdims }) : a;
}

export function reduceMean(a: Value, axes?: number | readonly number[], keepdims = false): Value {
  const ax = axesOf(a, axes, 'ReduceMean');
  return ax.length ? apply('ReduceMean', [a], { axes: ax, keepdims }) : a;
}

export function reduceMax(a: Value, axes?: number | readonly number[], keepdims = false): Value {
  const ax = axesOf(a, axes, 'ReduceMax');
  return ax.length ? apply('ReduceMax', [a], { axes: ax, keepdims }) : a;
}
