import type { DType } from '../../core/dtype.js';
import { isFloat, ONNX_DTYPE } from '../../core/dtype.js';
import { DTypeError, GraphError } from '../../core/errors.js';
import { broadcastShapes, formatShape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import type { OnnxEmitter } from '../emitter.js';
import type { OpDef, OpFamily, ValueType, VjpArgs } from '../types.js';
import { apply, constant, Value } from '../value.js';
import { unbroadcast } from './broadcast.js';

/** A graph value or a plain number (a scalar constant of the other operand's dtype). */
export type Operand = Value | number;

type NoAttrs = Record<string, never>;
const NONE: NoAttrs = {};

export function scalarLike(x: number, dtype: DType): Value {
  if (dtype === 'float64') return constant(Tensor.float64([], [x]));
  if (dtype === 'float32') return constant(Tensor.float32([], [x]));
  if (dtype === 'int64') return constant(Tensor.int64([], [x]));
  throw new DTypeError(`cannot make a scalar constant of dtype ${dtype}`);
}

function lift(a: Operand, b: Operand): [Value, Value] {
  if (a instanceof Value && b instanceof Value) return [a, b];
  if (a instanceof Value) return [a, scalarLike(b as number, a.dtype)];
  if (b instanceof Value) return [scalarLike(a as number, b.dtype), b];
  throw new DTypeError('elementwise op needs at least one graph value operand');
}

function binaryType(op: string, inputs: readonly Value[], outDtype?: DType): ValueType {
  const [a, b] = inputs;
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`${op}: dtypes differ: ${a.dtype}${formatShape(a.shape)} vs ${b.dtype}${formatShape(b.shape)}`);
  }
  return { shape: broadcastShapes(a.shape, b.shape, op), dtype: outDtype ?? a.dtype };
}

function floatUnaryType(op: string, inputs: readonly Value[]): ValueType {
  const [a] = inputs;
  if (!isFloat(a.dtype)) throw new DTypeError(`${op}: expected a float tensor, got ${a.dtype}${formatShape(a.shape)}`);
  return { shape: a.shape, dtype: a.dtype };
}

function simple(opType: string) {
  return (e: OnnxEmitter, ins: readonly string[], out: string) => e.node(opType, ins, [out]);
}

function binary(opType: string, vjp: (a: VjpArgs<NoAttrs>) => readonly (Value | null)[]): OpDef<NoAttrs> {
  return { inferType: (ins) => binaryType(opType, ins), toOnnx: simple(opType), vjp };
}

function unary(opType: string, vjp: (a: VjpArgs<NoAttrs>) => Value): OpDef<NoAttrs> {
  return { inferType: (ins) => floatUnaryType(opType, ins), toOnnx: simple(opType), vjp: (a) => [vjp(a)] };
}

function comparison(opType: string): OpDef<NoAttrs> {
  return { inferType: (ins) => binaryType(opType, ins, 'bool'), toOnnx: simple(opType), vjp: () => [null, null] };
}

export const elementwiseOps: OpFamily<
  | 'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Pow'
  | 'Sqrt'
  | 'Reciprocal'
  | 'Neg'
  | 'Abs'
  | 'Exp'
  | 'Log'
  | 'Tanh'
  | 'Sin'
  | 'Cos'
  | 'Sigmoid'
  | 'Softplus'
  | 'Relu'
  | 'LeakyRelu'
  | 'LeakyReluSlope'
  | 'Clip'
  | 'Where'
  | 'Greater'
  | 'Less'
  | 'Equal'
  | 'Cast'
> = {
  // d(a+b) = da + db
  Add: binary('Add', ({ g, inputs: [a, b] }) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)]),
  // d(a-b) = da - db
  Sub: binary('Sub', ({ g, inputs: [a, b] }) => [unbroadcast(g, a.shape), unbroadcast(neg(g), b.shape)]),
  // d(ab) = b da + a db
  Mul: binary('Mul', ({ g, inputs: [a, b] }) => [unbroadcast(mul(g, b), a.shape), unbroadcast(mul(g, a), b.shape)]),
  // d(a/b) = da/b - (a/b)/b db
  Div: binary('Div', ({ g, out, inputs: [a, b] }) => [
    unbroadcast(div(g, b), a.shape),
    unbroadcast(neg(mul(g, div(out, b))), b.shape),
  ]),
  // d(a^b) = b a^(b-1) da + a^b log(a) db   (the db term is 0 where a = 0, not 0·-inf)
  Pow: binary('Pow', ({ g, out, inputs: [a, b] }) => [
    unbroadcast(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape),
    unbroadcast(mul(g, where(equal(a, 0), 0, mul(out, log(a)))), b.shape),
  ]),
  // d sqrt(a) = da / (2 sqrt(a))
  Sqrt: unary('Sqrt', ({ g, out }) => div(mul(g, 0.5), out)),
  // d(1/a) = -da / a^2
  Reciprocal: unary('Reciprocal', ({ g, out }) => neg(mul(g, mul(out, out)))),
  // d(-a) = -da
  Neg: unary('Neg', ({ g }) => neg(g)),
  // d|a| = sign(a) da (the subgradient at 0 is taken as +1)
  Abs: unary('Abs', ({ g, inputs: [a] }) => where(less(a, 0), neg(g), g)),
  // d exp(a) = exp(a) da
  Exp: unary('Exp', ({ g, out }) => mul(g, out)),
  // d log(a) = da / a
  Log: unary('Log', ({ g, inputs: [a] }) => div(g, a)),
  // d tanh(a) = (1 - tanh^2) da
  Tanh: unary('Tanh', ({ g, out }) => mul(g, sub(1, mul(out, out)))),
  // d sin(a) = cos(a) da
  Sin: unary('Sin', ({ g, inputs: [a] }) => mul(g, cos(a))),
  // d cos(a) = -sin(a) da
  Cos: unary('Cos', ({ g, inputs: [a] }) => neg(mul(g, sin(a)))),
  // d sigmoid(a) = s (1 - s) da
  Sigmoid: unary('Sigmoid', ({ g, out }) => mul(g, mul(out, sub(1, out)))),
  // d softplus(a) = sigmoid(a) da
  Softplus: unary('Softplus', ({ g, inputs: [a] }) => mul(g, sigmoid(a))),
  // d relu(a) = [a > 0] da = [relu(a) > 0] da. Masks come from the output wherever that is exact:
  // the output is kept for the next op anyway, the input can then be freed after the forward pass
  // (a 1024x1024 StyleGAN2 projection step keeps one activation less per layer).
  Relu: unary('Relu', ({ g, out }) => mul(g, leakyReluSlope(out, 0, 1))),
  // d lrelu(a) = (a > 0 ? 1 : alpha) da
  LeakyRelu: {
    inferType: (ins) => floatUnaryType('LeakyRelu', ins),
    // With scale/bound: LeakyRelu, Mul by the scale, Clip to ±bound, the ONNX nodes the three separate
    // ops would give, so the forward pass is the same bit for bit.
    toOnnx: (e, ins, out, { alpha, scale, bound }, node) => {
      const lrelu = scale === undefined && bound === undefined ? out : e.temp();
      e.node('LeakyRelu', ins, [lrelu], { alpha: { f: alpha } });
      const scaled = scale === undefined ? lrelu : bound === undefined ? out : e.temp();
      if (scale !== undefined) e.node('Mul', [lrelu, e.scalar(scale, node.dtype)], [scaled]);
      if (bound !== undefined) e.node('Clip', [scaled, e.scalar(-bound, node.dtype), e.scalar(bound, node.dtype)], [out]);
    },
    // alpha is a float32 attribute in ONNX: the slope the forward used is fround(alpha).
    // For alpha >= 0, a > 0 exactly when lrelu(a) > 0 (and, with scale > 0 and bound > 0, exactly when
    // the scaled and clipped output is > 0): every mask is taken from the output, so only the output is
    // kept for the backward pass. The cotangent is the one the three separate ops would give.
    vjp: ({ g, inputs: [a], out, attrs: { alpha, scale, bound } }) => {
      if (alpha >= 0 && (bound === undefined || Number.isFinite(Math.fround(bound) * SLOPE_GAIN))) {
        return [mul(g, leakyReluSlope(out, alpha, scale ?? 1, bound))];
      }
      let gx = g;
      if (bound !== undefined) gx = where(greater(out, -bound), where(less(out, bound), gx, 0), 0);
      if (scale !== undefined) gx = mul(gx, scale);
      return [where(greater(alpha >= 0 ? out : a, 0), gx, mul(gx, Math.fround(alpha)))];
    },
  },
  // The slope of y = clip(scale·lrelu(a, alpha), ±bound) as a function of y (alpha >= 0, scale > 0):
  // scale where 0 < y < bound, scale·alpha where -bound < y <= 0, 0 where |y| = bound (clipped).
  // ORT's Where is several times slower than Mul or Clip (it selects in more than one pass; 4x on a
  // [1,128,128,128] lrelu backward), so the step function is built from Mul and Clip alone:
  //   t = y·2^100;  slope = clip(t, scale·alpha, scale)  (t overflows to ±inf harmlessly, t = 0 gives
  //   scale·alpha as the mask y > 0 did);  mask = clip(bound·2^100 - |t|, 0, 1)  (0 exactly when clipped:
  //   |y| < bound differ by at least one float32 ulp of bound, times 2^100 >= 1).
  // Exact except for 0 < y < scale·2^-100 (~1e-30), where the slope lies between scale·alpha and scale.
  // A step function: its derivative is 0 almost everywhere, so it stops gradients (as Where's mask did).
  LeakyReluSlope: {
    inferType: (ins) => floatUnaryType('LeakyReluSlope', ins),
    toOnnx: (e, [y], out, { alpha, scale, bound }, node) => {
      const dt = node.dtype;
      const t = e.temp();
      e.node('Mul', [y, e.scalar(SLOPE_GAIN, dt)], [t]);
      // alpha = 1 (a symmetric Clip's mask): the slope is the constant scale, only the mask is computed.
      const flat = bound !== undefined && Math.fround(alpha) === 1;
      const slope = bound === undefined ? out : flat ? '' : e.temp();
      if (!flat) e.node('Clip', [t, e.scalar(scale * Math.fround(alpha), dt), e.scalar(scale, dt)], [slope]);
      if (bound === undefined) return;
      const [abs, room] = [e.temp(), e.temp()];
      const mask = flat && scale === 1 ? out : e.temp();
      e.node('Abs', [t], [abs]);
      // The forward's Clip bound is a scalar of the value's dtype: compare with the same number.
      const b = dt === 'float32' ? Math.fround(bound) : bound;
      e.node('Sub', [e.scalar(b * SLOPE_GAIN, dt), abs], [room]);
      e.node('Clip', [room, e.scalar(0, dt), e.scalar(1, dt)], [mask]);
      if (mask !== out) e.node('Mul', [flat ? e.scalar(scale, dt) : slope, mask], [out]);
    },
    vjp: () => [null],
  },
  // d clip(a) = [min < a < max] da = [min < clip(a) < max] da (the output is at a bound exactly when
  // the input is at or beyond it), so the mask is taken from the output.
  Clip: {
    inferType: (ins) => floatUnaryType('Clip', ins),
    toOnnx: (e, ins, out, { min, max }, node) =>
      e.node('Clip', [ins[0], e.scalar(min, node.dtype), e.scalar(max, node.dtype)], [out]),
    vjp: ({ g, out, attrs: { min, max } }) => {
      // A symmetric clip's mask is LeakyReluSlope's with slope 1 on both sides (Mul and Clip, no Where).
      if (min === -max && max > 0 && Number.isFinite(Math.fround(max) * SLOPE_GAIN)) return [mul(g, leakyReluSlope(out, 1, 1, max))];
      return [where(greater(out, min), where(less(out, max), g, 0), 0)];
    },
  },
  // d where(c, a, b) = where(c, da, db); the condition is a mask
  Where: {
    inferType: ([c, a, b]) => {
      if (c.dtype !== 'bool') throw new DTypeError(`Where: condition must be bool, got ${c.dtype}`);
      const t = binaryType('Where', [a, b]);
      return { shape: broadcastShapes(c.shape, t.shape, 'Where'), dtype: t.dtype };
    },
    toOnnx: simple('Where'),
    vjp: ({ g, inputs: [c, a, b] }) => [null, unbroadcast(where(c, g, 0), a.shape), unbroadcast(where(c, 0, g), b.shape)],
  },
  // comparisons are piecewise constant: no cotangent for either side
  Greater: comparison('Greater'),
  Less: comparison('Less'),
  Equal: comparison('Equal'),
  // d cast(a) = cast back; integer casts carry no gradient
  Cast: {
    inferType: ([a], { to }) => ({ shape: a.shape, dtype: to }),
    toOnnx: (e, ins, out, { to }) => e.node('Cast', ins, [out], { to: { i: ONNX_DTYPE[to] } }),
    vjp: ({ g, inputs: [a] }) => [isFloat(a.dtype) && isFloat(g.dtype) ? cast(g, a.dtype) : null],
  },
};

// ---- builders -------------------------------------------------------------------------------

export const add = (a: Operand, b: Operand): Value => apply('Add', lift(a, b), NONE);
export const sub = (a: Operand, b: Operand): Value => apply('Sub', lift(a, b), NONE);
export const mul = (a: Operand, b: Operand): Value => apply('Mul', lift(a, b), NONE);
export const div = (a: Operand, b: Operand): Value => apply('Div', lift(a, b), NONE);
export const pow = (a: Operand, b: Operand): Value => apply('Pow', lift(a, b), NONE);
export const sqrt = (a: Value): Value => apply('Sqrt', [a], NONE);
export const reciprocal = (a: Value): Value => apply('Reciprocal', [a], NONE);
export const neg = (a: Value): Value => apply('Neg', [a], NONE);
export const abs = (a: Value): Value => apply('Abs', [a], NONE);
export const exp = (a: Value): Value => apply('Exp', [a], NONE);
export const log = (a: Value): Value => apply('Log', [a], NONE);
export const tanh = (a: Value): Value => apply('Tanh', [a], NONE);
export const sin = (a: Value): Value => apply('Sin', [a], NONE);
export const cos = (a: Value): Value => apply('Cos', [a], NONE);
export const sigmoid = (a: Value): Value => apply('Sigmoid', [a], NONE);
export const softplus = (a: Value): Value => apply('Softplus', [a], NONE);
export const relu = (a: Value): Value => apply('Relu', [a], NONE);
/**
 * LeakyReLU; with `scale` and/or `bound`, clip(lrelu(a) · scale, -bound, bound) as one op whose backward
 * pass keeps only its output (scale > 0, bound > 0 and alpha >= 0 required then).
 */
export function leakyRelu(a: Value, alpha = 0.2, fused: { scale?: number; bound?: number } = {}): Value {
  const { scale, bound } = fused;
  if (scale === undefined && bound === undefined) return apply('LeakyRelu', [a], { alpha });
  if (!(alpha >= 0) || (scale !== undefined && !(scale > 0)) || (bound !== undefined && !(bound > 0))) {
    throw new GraphError(`leakyRelu: a fused scale/bound needs alpha >= 0, scale > 0, bound > 0 (got ${alpha}, ${scale}, ${bound})`);
  }
  return apply('LeakyRelu', [a], { alpha, ...(scale === undefined ? {} : { scale }), ...(bound === undefined ? {} : { bound }) });
}
export const clip = (a: Value, min: number, max: number): Value => apply('Clip', [a], { min, max });
/** 2^100: scales outputs so that every float32 of magnitude >= 2^-100 clips to a step's end. */
const SLOPE_GAIN = 2 ** 100;
/** d clip(scale·lrelu(a, alpha), ±bound) / da as a function of the output y (see the op's comment). */
export function leakyReluSlope(y: Value, alpha: number, scale: number, bound?: number): Value {
  if (!(alpha >= 0) || !(scale > 0) || (bound !== undefined && !(bound > 0))) {
    throw new GraphError(`leakyReluSlope: needs alpha >= 0, scale > 0, bound > 0 (got ${alpha}, ${scale}, ${bound})`);
  }
  return apply('LeakyReluSlope', [y], { alpha, scale, ...(bound === undefined ? {} : { bound }) });
}
export const greater = (a: Operand, b: Operand): Value => apply('Greater', lift(a, b), NONE);
export const less = (a: Operand, b: Operand): Value => apply('Less', lift(a, b), NONE);
export const equal = (a: Operand, b: Operand): Value => apply('Equal', lift(a, b), NONE);
export const cast = (a: Value, to: DType): Value => (a.dtype === to ? a : apply('Cast', [a], { to }));

/** where(cond, a, b); numbers become scalars of the other branch's dtype. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const [x, y] = lift(a, b);
  return apply('Where', [cond, x, y], NONE);
}

// Compositions (no primitives of their own, so their gradients come for free).
export const square = (a: Value): Value => mul(a, a);
export const rsqrt = (a: Value): Value => reciprocal(sqrt(a));
