import type { DType } from '../core/dtype.js';
import { stridesOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Value } from '../graph/value.js';

/**
 * Constant folding at lowering time: the parts of a graph that depend on constants only (a model's
 * weight-only subgraph: Σ W² per layer for demodulation, transposed up-sampling weights, equalised-LR
 * gains, noise × strength, flipped backward-pass weights) are evaluated here, in JS, once, and reach
 * ONNX Runtime as initializers. ORT's own constant folding (graph optimisation level 1) then has
 * nothing left to do; it was most of the 256x256 generator's session creation time (issue 22).
 *
 * The results are a fixed function of the graph and the weights, never of timing or threads:
 * - movement ops (Reshape, Squeeze, Unsqueeze, Transpose, Slice) copy values exactly;
 * - float32 Add, Sub, Mul, Div round each result once, as ORT's kernels do (a float64 operation on
 *   float32 operands rounded to float32 is correctly rounded: 53 >= 2·24 + 2), so they match ORT bit
 *   for bit;
 * - ReduceSum accumulates in float64, in row-major order, and rounds once at the end; a ReduceSum of a
 *   float32 Mul is one fused pass (Σ a·b with every product exact in float64). ORT sums in float32 in
 *   an order of its own, so these sums may differ from ORT's by an ulp (they are at least as accurate).
 * Only ops whose output is no larger than their largest input fold (an Expand of a constant stays an
 * op: materialising the broadcast would copy it for nothing).
 */

const MOVEMENT = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Transpose', 'Slice']);
const ARITH = new Set(['Add', 'Sub', 'Mul', 'Div']);
const FLOAT = new Set<DType>(['float32', 'float64']);

/** True when op `v` (all of whose inputs are foldable) can be evaluated here. */
export function canFold(v: Value): boolean {
  const s = v.source;
  if (s.kind !== 'op') return false;
  const largest = Math.max(...s.inputs.map((i) => i.size));
  if (v.size > largest) return false;
  if (MOVEMENT.has(s.op)) return true;
  if (ARITH.has(s.op)) {
    const [a, b] = s.inputs;
    // same shape, or one side a single element (a scalar gain): the broadcasts weights use
    return FLOAT.has(v.dtype) && a.dtype === b.dtype && (a.size === b.size || a.size === 1 || b.size === 1);
  }
  if (s.op === 'ReduceSum') return FLOAT.has(v.dtype);
  return false;
}

/**
 * Row-major gather of `src` through per-axis input strides over `outShape`, starting at `start`.
 * Trailing output axes that are contiguous in the input collapse into one block (a [O, I, 3, 3]
 * transpose copies runs of 9).
 */
function gather(src: Tensor, outShape: readonly number[], inStride: readonly number[], start: number): Tensor {
  const out = Tensor.zeros(src.dtype, outShape);
  const n = out.size;
  if (n === 0) return out;
  const shape = [...outShape];
  const stride = [...inStride];
  // collapse trailing axes while the input walks them contiguously
  while (shape.length >= 2) {
    const r = shape.length;
    if (stride[r - 1] !== 1 || stride[r - 2] !== shape[r - 1]) break;
    shape.splice(r - 2, 2, shape[r - 2] * shape[r - 1]);
    stride.splice(r - 2, 2, 1);
  }
  const o = out.data as unknown as { [i: number]: number };
  const d = src.data as unknown as { [i: number]: number };
  const last = shape.length - 1;
  const inner = last >= 0 ? shape[last] : 1;
  const innerStride = last >= 0 ? stride[last] : 0;
  const idx = new Array<number>(Math.max(0, last)).fill(0);
  let base = start;
  for (let at = 0; at < n; at += inner) {
    if (innerStride === 1) for (let k = 0; k < inner; k++) o[at + k] = d[base + k];
    else for (let k = 0, p = base; k < inner; k++, p += innerStride) o[at + k] = d[p];
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      base += stride[ax];
      if (idx[ax] < shape[ax]) break;
      base -= stride[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

function transposeTensor(a: Tensor, perm: readonly number[]): Tensor {
  const st = stridesOf(a.shape);
  return gather(
    a,
    perm.map((p) => a.shape[p]),
    perm.map((p) => st[p]),
    0,
  );
}

function sliceTensor(a: Tensor, outShape: readonly number[], attrs: { starts: readonly number[]; axes: readonly number[]; steps: readonly number[] }): Tensor {
  const st = stridesOf(a.shape);
  const inStride = [...st];
  let start = 0;
  attrs.axes.forEach((ax, i) => {
    const dim = a.shape[ax];
    const step = attrs.steps[i];
    let s = attrs.starts[i] < 0 ? attrs.starts[i] + dim : attrs.starts[i];
    s = step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
    start += s * st[ax];
    inStride[ax] = st[ax] * step;
  });
  return gather(a, outShape, inStride, start);
}

function arith(op: string, a: Tensor, b: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const out = Tensor.zeros(dtype, shape);
  const o = out.data as Float32Array | Float64Array;
  const x = a.data as Float32Array | Float64Array;
  const y = b.data as Float32Array | Float64Array;
  const n = o.length;
  // typed-array stores round to float32 (or keep float64): one rounding per element
  if (y.length === 1 && n !== 1) {
    const q = y[0];
    if (op === 'Mul') for (let i = 0; i < n; i++) o[i] = x[i] * q;
    else if (op === 'Add') for (let i = 0; i < n; i++) o[i] = x[i] + q;
    else if (op === 'Sub') for (let i = 0; i < n; i++) o[i] = x[i] - q;
    else for (let i = 0; i < n; i++) o[i] = x[i] / q;
  } else if (x.length === 1 && n !== 1) {
    const p = x[0];
    if (op === 'Mul') for (let i = 0; i < n; i++) o[i] = p * y[i];
    else if (op === 'Add') for (let i = 0; i < n; i++) o[i] = p + y[i];
    else if (op === 'Sub') for (let i = 0; i < n; i++) o[i] = p - y[i];
    else for (let i = 0; i < n; i++) o[i] = p / y[i];
  } else if (op === 'Mul') for (let i = 0; i < n; i++) o[i] = x[i] * y[i];
  else if (op === 'Add') for (let i = 0; i < n; i++) o[i] = x[i] + y[i];
  else if (op === 'Sub') for (let i = 0; i < n; i++) o[i] = x[i] - y[i];
  else for (let i = 0; i < n; i++) o[i] = x[i] / y[i];
  return out;
}

/** Sums over `axes` in float64, row-major, rounding once; `b` (same shape as `a`) multiplies in. */
function reduceSum(a: Tensor, b: Tensor | null, axes: readonly number[], shape: readonly number[], dtype: DType): Tensor {
  const out = Tensor.zeros(dtype, shape);
  const o = out.data as Float32Array | Float64Array;
  const x = a.data as Float32Array | Float64Array;
  const y = b ? (b.data as Float32Array | Float64Array) : null;
  const rank = a.shape.length;
  if (axes.every((ax, i) => ax === rank - axes.length + i)) {
    // trailing axes: out[k] = Σ_j in[k·red + j]
    const red = a.size / Math.max(1, o.length);
    for (let k = 0, p = 0; k < o.length; k++) {
      let sum = 0;
      if (y) for (let j = 0; j < red; j++, p++) sum += x[p] * y[p];
      else for (let j = 0; j < red; j++, p++) sum += x[p];
      o[k] = sum;
    }
    return out;
  }
  const reduced = new Set(axes);
  // out[k] = Σ_r in[k, r]: k walks the kept axes, r the reduced ones, both in row-major order
  const kept = a.shape.map((_, i) => i).filter((i) => !reduced.has(i));
  const st = stridesOf(a.shape);
  const red = axes.reduce((p, ax) => p * a.shape[ax], 1);
  const keptShape = kept.map((i) => a.shape[i]);
  const redShape = axes.map((i) => a.shape[i]);
  const redStride = axes.map((i) => st[i]);
  const keptStride = kept.map((i) => st[i]);
  const nOut = o.length;
  const ki = new Array<number>(kept.length).fill(0);
  const ri = new Array<number>(axes.length).fill(0);
  let kBase = 0;
  for (let k = 0; k < nOut; k++) {
    let sum = 0;
    let p = kBase;
    ri.fill(0);
    for (let r = 0; r < red; r++) {
      sum += y ? x[p] * y[p] : x[p];
      for (let ax = axes.length - 1; ax >= 0; ax--) {
        ri[ax]++;
        p += redStride[ax];
        if (ri[ax] < redShape[ax]) break;
        p -= redStride[ax] * redShape[ax];
        ri[ax] = 0;
      }
    }
    o[k] = sum;
    for (let ax = kept.length - 1; ax >= 0; ax--) {
      ki[ax]++;
      kBase += keptStride[ax];
      if (ki[ax] < keptShape[ax]) break;
      kBase -= keptStride[ax] * keptShape[ax];
      ki[ax] = 0;
    }
  }
  return out;
}

/**
 * Evaluates folded values on demand. `leaf` gives a constant's tensor; results are memoised by
 * `key` (the lowering's structural key, so identical folds are computed once).
 */
export class Folder {
  private readonly memo = new Map<string, Tensor>();

  constructor(private readonly key: (v: Value) => string) {}

  value(v: Value): Tensor {
    const k = this.key(v);
    let t = this.memo.get(k);
    if (!t) {
      t = this.evaluate(v);
      this.memo.set(k, t);
    }
    return t;
  }

  private evaluate(v: Value): Tensor {
    const s = v.source;
    if (s.kind === 'constant') return s.tensor;
    if (s.kind !== 'op') throw new Error(`fold: ${v} is a graph input`);
    const attrs = s.attrs as Record<string, unknown>;
    switch (s.op) {
      case 'Reshape':
      case 'Squeeze':
      case 'Unsqueeze': {
        const a = this.value(s.inputs[0]);
        return new Tensor(a.dtype, v.shape, a.data);
      }
      case 'Transpose':
        return transposeTensor(this.value(s.inputs[0]), attrs.perm as number[]);
      case 'Slice':
        return sliceTensor(this.value(s.inputs[0]), v.shape, attrs as never);
      case 'ReduceSum': {
        const x = s.inputs[0];
        const xs = x.source;
        // Σ a·b in one pass: float32 products are exact in float64
        if (x.dtype === 'float32' && xs.kind === 'op' && xs.op === 'Mul' && xs.inputs[0].size === xs.inputs[1].size) {
          return reduceSum(this.value(xs.inputs[0]), this.value(xs.inputs[1]), attrs.axes as number[], v.shape, v.dtype);
        }
        return reduceSum(this.value(x), null, attrs.axes as number[], v.shape, v.dtype);
      }
      default:
        return arith(s.op, this.value(s.inputs[0]), this.value(s.inputs[1]), v.shape, v.dtype);
    }
  }
}
