import { DTypeError, ShapeError } from '../../core/errors.js';
import { broadcastShapes, formatShape, normalizeAxis, sameShape, sizeOf } from '../../core/shape.js';
import type { OpAttrMap, OpFamily } from '../types.js';
import { Tensor } from '../../core/tensor.js';
import { apply, constant, type Value } from '../value.js';
import { unbroadcast } from './broadcast.js';
import { add, cast, equal, less, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { reduceSum } from './reduce.js';

type SliceAttrs = OpAttrMap['Slice'];
type PadAttrs = OpAttrMap['Pad'];

const INT64_MAX = 2 ** 62; // big enough for "to the end", exactly representable

export const movementOps: OpFamily<
  'Reshape' | 'Transpose' | 'Concat' | 'Slice' | 'Pad' | 'Expand' | 'Squeeze' | 'Unsqueeze' | 'Gather'
> = {
  // reshape is linear: reshape the cotangent back
  Reshape: {
    inferType: ([a], { shape }) => {
      if (sizeOf(shape) !== a.size) {
        throw new ShapeError(`Reshape: cannot reshape ${formatShape(a.shape)} to ${formatShape(shape)}`);
      }
      return { shape, dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { shape }) => e.node('Reshape', [ins[0], e.int64s(shape)], [out]),
    vjp: ({ g, inputs: [a] }) => [reshape(g, a.shape)],
  },
  // transpose back with the inverse permutation
  Transpose: {
    inferType: ([a], { perm }) => {
      const ok = perm.length === a.rank && [...perm].sort((x, y) => x - y).every((p, i) => p === i);
      if (!ok) throw new ShapeError(`Transpose: perm [${perm}] is invalid for ${formatShape(a.shape)}`);
      return { shape: perm.map((p) => a.shape[p]), dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { perm }) => e.node('Transpose', ins, [out], { perm: { ints: perm } }),
    vjp: ({ g, attrs: { perm } }) => [transpose(g, inversePerm(perm))],
  },
  // each input receives its slab of the cotangent
  Concat: {
    inferType: (ins, { axis }) => {
      const [first] = ins;
      let total = 0;
      for (const v of ins) {
        if (v.dtype !== first.dtype) throw new DTypeError(`Concat: dtypes differ (${first.dtype}, ${v.dtype})`);
        const same = v.rank === first.rank && v.shape.every((d, i) => i === axis || d === first.shape[i]);
        if (!same) throw new ShapeError(`Concat: ${formatShape(v.shape)} does not match ${formatShape(first.shape)} off axis ${axis}`);
        total += v.shape[axis];
      }
      return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype };
    },
    toOnnx: (e, ins, out, { axis }) => e.node('Concat', ins, [out], { axis: { i: axis } }),
    vjp: ({ g, inputs, attrs: { axis } }) => {
      let start = 0;
      return inputs.map((v) => {
        const s = slice(g, [start], [start + v.shape[axis]], [axis]);
        start += v.shape[axis];
        return s;
      });
    },
  },
  // the cotangent lands on the sliced positions, zero elsewhere
  Slice: {
    inferType: ([a], at) => ({ shape: sliceShape(a.shape, at), dtype: a.dtype }),
    toOnnx: (e, ins, out, { starts, ends, axes, steps }) =>
      e.node('Slice', [ins[0], e.int64s(starts), e.int64s(ends), e.int64s(axes), e.int64s(steps)], [out]),
    vjp: ({ g, inputs: [a], attrs }) => [sliceBackward(g, a.shape, attrs)],
  },
  // constant pad: slice the cotangent back; reflect/edge: fold the padded border onto its source
  Pad: {
    inferType: ([a], { pads, mode }) => {
      if (pads.length !== 2 * a.rank) throw new ShapeError(`Pad: pads has ${pads.length} entries for rank ${a.rank}`);
      const shape = a.shape.map((d, i) => d + pads[i] + pads[i + a.rank]);
      if (shape.some((d) => d < 0)) throw new ShapeError(`Pad: pads [${pads}] crop ${formatShape(a.shape)} below zero`);
      // reflect mirrors without repeating the edge, so it can add at most dim-1 on a side
      const limit = mode === 'reflect' ? (d: number) => d - 1 : (d: number) => (d > 0 ? Number.POSITIVE_INFINITY : 0);
      if (mode !== 'constant' && pads.some((p, i) => p < 0 || p > limit(a.shape[i % a.rank]))) {
        throw new ShapeError(`Pad: ${mode} pads [${pads}] do not fit ${formatShape(a.shape)} (non-negative, at most dim-1 for reflect)`);
      }
      return { shape, dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { pads, mode, value }, node) =>
      e.node('Pad', [ins[0], e.int64s(pads), e.scalar(value, node.dtype)], [out], { mode: { s: mode } }),
    vjp: ({ g, inputs: [a], attrs }) => [padBackward(g, a.shape, attrs)],
  },
  // broadcast: sum the cotangent back
  Expand: {
    inferType: ([a], { shape }) => {
      const out = broadcastShapes(a.shape, shape, 'Expand');
      if (!sameShape(out, shape)) throw new ShapeError(`Expand: ${formatShape(a.shape)} does not expand to ${formatShape(shape)}`);
      return { shape, dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { shape }) => e.node('Expand', [ins[0], e.int64s(shape)], [out]),
    vjp: ({ g, inputs: [a] }) => [unbroadcast(g, a.shape)],
  },
  // d squeeze(a) = reshape(da) back to a's shape
  Squeeze: {
    inferType: ([a], { axes }) => {
      for (const ax of axes) {
        if (a.shape[ax] !== 1) throw new ShapeError(`Squeeze: axis ${ax} of ${formatShape(a.shape)} is not 1`);
      }
      return { shape: a.shape.filter((_, i) => !axes.includes(i)), dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { axes }) => e.node('Squeeze', [ins[0], e.int64s(axes)], [out]),
    vjp: ({ g, inputs: [a] }) => [reshape(g, a.shape)],
  },
  // d unsqueeze(a) = reshape(da) back to a's shape
  Unsqueeze: {
    inferType: ([a], { axes }) => {
      const shape = [...a.shape];
      for (const ax of axes) shape.splice(ax, 0, 1);
      return { shape, dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { axes }) => e.node('Unsqueeze', [ins[0], e.int64s(axes)], [out]),
    vjp: ({ g, inputs: [a] }) => [reshape(g, a.shape)],
  },
  // gather(a, i) = onehot(i)·a along `axis`, so da = onehot(i)ᵀ·g (repeats add up); indices get none
  Gather: {
    inferType: ([a, idx], { axis }) => {
      if (idx.dtype !== 'int64') throw new DTypeError(`Gather: indices must be int64, got ${idx.dtype}`);
      const n = a.shape[axis];
      if (idx.source.kind === 'constant' && Array.from(idx.source.tensor.data as BigInt64Array).some((i) => i < -n || i >= n)) {
        throw new ShapeError(`Gather: constant indices out of range [${-n}, ${n}) for axis ${axis} of ${formatShape(a.shape)}`);
      }
      return { shape: [...a.shape.slice(0, axis), ...idx.shape, ...a.shape.slice(axis + 1)], dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { axis }) => e.node('Gather', ins, [out], { axis: { i: axis } }),
    vjp: ({ g, inputs: [a, idx], attrs: { axis } }) => [gatherBackward(g, a, idx, axis), null],
  },
};

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** Resolved [start, count] per sliced axis, ONNX clamping semantics. */
function resolveSlice(dim: number, start: number, end: number, step: number): [number, number] {
  if (step === 0) throw new ShapeError('Slice: step must be non-zero');
  const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
  // ONNX: starts clamp to [0, dim] for positive steps and [0, dim-1] for negative ones; ends to
  // [0, dim] and [-1, dim-1].
  const s = step > 0 ? clampIdx(start, 0, dim) : clampIdx(start, 0, dim - 1);
  const e = step > 0 ? clampIdx(end, 0, dim) : clampIdx(end, -1, dim - 1);
  const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return [s, count];
}

function sliceShape(shape: readonly number[], { starts, ends, axes, steps }: SliceAttrs): number[] {
  const n = axes.length;
  if (starts.length !== n || ends.length !== n || steps.length !== n) {
    throw new ShapeError(`Slice: starts/ends/axes/steps lengths differ (${starts.length}, ${ends.length}, ${n}, ${steps.length})`);
  }
  if (new Set(axes).size !== n || axes.some((ax) => !Number.isInteger(ax) || ax < 0 || ax >= shape.length)) {
    throw new ShapeError(`Slice: axes [${axes}] are invalid for ${formatShape(shape)}`);
  }
  const out = [...shape];
  axes.forEach((ax, i) => {
    out[ax] = resolveSlice(shape[ax], starts[i], ends[i], steps[i])[1];
  });
  return out;
}

function sliceBackward(g: Value, shape: readonly number[], { starts, ends, axes, steps }: SliceAttrs): Value {
  let x = g;
  axes.forEach((ax, i) => {
    const [s, count] = resolveSlice(shape[ax], starts[i], ends[i], steps[i]);
    const step = steps[i];
    // Put the selected elements back in ascending order, spread `|step|` apart.
    if (step < 0) x = slice(x, [-1], [-INT64_MAX], [ax], [-1]);
    const first = step > 0 ? s : s + step * (count - 1);
    const k = Math.abs(step);
    if (k > 1 && count > 0) {
      const withGap = unsqueeze(x, [ax + 1]);
      const padsG = new Array<number>(2 * withGap.rank).fill(0);
      padsG[withGap.rank + ax + 1] = k - 1;
      const spread = pad(withGap, padsG);
      const merged = reshape(spread, spread.shape.flatMap((d, j) => (j === ax ? [d * k] : j === ax + 1 ? [] : [d])));
      x = slice(merged, [0], [(count - 1) * k + 1], [ax]);
    }
    const pads = new Array<number>(2 * x.rank).fill(0);
    pads[ax] = first;
    pads[x.rank + ax] = shape[ax] - first - x.shape[ax];
    x = pad(x, pads);
  });
  return x;
}

function padBackward(g: Value, shape: readonly number[], { pads, mode }: PadAttrs): Value {
  const rank = shape.length;
  let x = g;
  for (let ax = 0; ax < rank; ax++) {
    const before = pads[ax];
    const after = pads[ax + rank];
    if (before === 0 && after === 0) continue;
    const n = shape[ax];
    // Negative pads crop: the cotangent of cropped elements is zero.
    const lo = Math.max(0, before);
    let core = slice(x, [lo], [lo + n + Math.min(0, before) + Math.min(0, after)], [ax]);
    if (before < 0 || after < 0) {
      const p = new Array<number>(2 * rank).fill(0);
      p[ax] = Math.max(0, -before);
      p[ax + rank] = Math.max(0, -after);
      core = pad(core, p);
    }
    if (mode !== 'constant') core = foldBorders(x, core, ax, Math.max(0, before), Math.max(0, after), n, mode);
    x = core;
  }
  return x;
}

/** reflect/edge padding copies border elements; their cotangents flow back to the copied source. */
function foldBorders(x: Value, core: Value, ax: number, before: number, after: number, n: number, mode: string): Value {
  const rank = x.rank;
  const place = (v: Value, at: number) => {
    const p = new Array<number>(2 * rank).fill(0);
    p[ax] = at;
    p[ax + rank] = n - at - v.shape[ax];
    return pad(v, p);
  };
  let acc = core;
  if (before > 0) {
    const border = slice(x, [before - 1], [-INT64_MAX], [ax], [-1]); // reversed so index 0 is nearest the core
    if (mode === 'reflect') acc = add(acc, place(border, 1));
    else acc = add(acc, place(reduceOver(border, ax), 0));
  }
  if (after > 0) {
    const end = before + n;
    const border = slice(x, [end + after - 1], [end - 1], [ax], [-1]); // reversed so the last is nearest
    if (mode === 'reflect') acc = add(acc, place(border, n - 1 - after));
    else acc = add(acc, place(reduceOver(border, ax), n - 1));
  }
  return acc;
}

function reduceOver(v: Value, ax: number): Value {
  return reduceSum(v, [ax], true);
}

function gatherBackward(g: Value, a: Value, idx: Value, axis: number): Value {
  const n = a.shape[axis];
  const k = idx.size;
  const pre = a.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const post = a.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  // Gather accepts negative indices (-1 is the last row): wrap them before matching rows.
  const wrapped = where(less(idx, 0), add(idx, n), idx);
  // one-hot [n, k]: onehot[i, j] = (idx[j] == i)
  const rows = constant(Tensor.int64([n, 1], Array.from({ length: n }, (_, i) => i)));
  const onehot = cast(equal(rows, reshape(wrapped, [1, k])), g.dtype);
  const gk = reshape(g, [pre, k, post]);
  return reshape(matmul(expand(reshape(onehot, [1, n, k]), [pre, n, k]), gk), a.shape);
}

// ---- builders -------------------------------------------------------------------------------

export function reshape(a: Value, shape: readonly number[]): Value {
  const resolved = [...shape];
  const hole = resolved.indexOf(-1);
  if (hole >= 0) {
    const known = resolved.reduce((p, d, i) => (i === hole ? p : p * d), 1);
    resolved[hole] = known === 0 ? 0 : a.size / known;
  }
  return sameShape(a.shape, resolved) ? a : apply('Reshape', [a], { shape: resolved });
}

export function transpose(a: Value, perm?: readonly number[]): Value {
  const p = perm ?? a.shape.map((_, i) => a.rank - 1 - i);
  return p.every((x, i) => x === i) ? a : apply('Transpose', [a], { perm: p });
}

export function concat(values: readonly Value[], axis: number): Value {
  if (values.length === 0) throw new ShapeError('Concat: no inputs');
  const ax = normalizeAxis(axis, values[0].rank, 'Concat');
  return values.length === 1 ? values[0] : apply('Concat', values, { axis: ax });
}

export function slice(
  a: Value,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): Value {
  const ax = (axes ?? starts.map((_, i) => i)).map((x) => normalizeAxis(x, a.rank, 'Slice'));
  return apply('Slice', [a], { starts, ends, axes: ax, steps: steps ?? starts.map(() => 1) });
}

/** ONNX pads layout: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
export function pad(a: Value, pads: readonly number[], mode: PadAttrs['mode'] = 'constant', value = 0): Value {
  return pads.every((p) => p === 0) ? a : apply('Pad', [a], { pads, mode, value });
}

export function expand(a: Value, shape: readonly number[]): Value {
  return sameShape(a.shape, shape) ? a : apply('Expand', [a], { shape });
}

export function squeeze(a: Value, axes: readonly number[]): Value {
  const ax = [...new Set(axes.map((x) => normalizeAxis(x, a.rank, 'Squeeze')))].sort((x, y) => x - y);
  return apply('Squeeze', [a], { axes: ax });
}

export function unsqueeze(a: Value, axes: readonly number[]): Value {
  const rank = a.rank + axes.length;
  const ax = [...new Set(axes.map((x) => normalizeAxis(x, rank, 'Unsqueeze')))].sort((x, y) => x - y);
  return apply('Unsqueeze', [a], { axes: ax });
}

export function gather(a: Value, indices: Value, axis = 0): Value {
  return apply('Gather', [a, indices], { axis: normalizeAxis(axis, a.rank, 'Gather') });
}

