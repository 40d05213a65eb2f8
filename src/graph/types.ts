import type { DType } from '../core/dtype.js';
import type { Shape } from '../core/shape.js';
import type { OnnxEmitter } from './emitter.js';
import type { Value } from './value.js';

/** Attributes of every primitive. Adding a key here without a record in the registry fails `tsc`. */
export interface OpAttrMap {
  // elementwise (NumPy broadcasting)
  Add: Record<string, never>;
  Sub: Record<string, never>;
  Mul: Record<string, never>;
  Div: Record<string, never>;
  Pow: Record<string, never>;
  Sqrt: Record<string, never>;
  Reciprocal: Record<string, never>;
  Neg: Record<string, never>;
  Abs: Record<string, never>;
  Exp: Record<string, never>;
  Log: Record<string, never>;
  Tanh: Record<string, never>;
  Sin: Record<string, never>;
  Cos: Record<string, never>;
  Sigmoid: Record<string, never>;
  Softplus: Record<string, never>;
  Relu: Record<string, never>;
  /** clip(lrelu(x, alpha) · scale, -bound, bound); scale and bound optional (NVIDIA's bias_act tail). */
  LeakyRelu: { alpha: number; scale?: number; bound?: number };
  /** The derivative of LeakyRelu{alpha, scale, bound} read off its output (a step function: no VJP of its own). */
  LeakyReluSlope: { alpha: number; scale: number; bound?: number };
  Clip: { min: number; max: number };
  Where: Record<string, never>;
  Greater: Record<string, never>;
  Less: Record<string, never>;
  Equal: Record<string, never>;
  Cast: { to: DType };
  // reductions (axes normalised, sorted, non-empty)
  ReduceSum: { axes: readonly number[]; keepdims: boolean };
  ReduceMean: { axes: readonly number[]; keepdims: boolean };
  ReduceMax: { axes: readonly number[]; keepdims: boolean };
  // linear algebra
  MatMul: Record<string, never>;
  Gemm: { transA: boolean; transB: boolean; alpha: number; beta: number };
  Conv: ConvAttrs;
  ConvTranspose: ConvTransposeAttrs;
  // movement (all static)
  Reshape: { shape: readonly number[] };
  Transpose: { perm: readonly number[] };
  Concat: { axis: number };
  Slice: { starts: readonly number[]; ends: readonly number[]; axes: readonly number[]; steps: readonly number[] };
  Pad: { pads: readonly number[]; mode: 'constant' | 'reflect' | 'edge'; value: number };
  Expand: { shape: readonly number[] };
  Squeeze: { axes: readonly number[] };
  Unsqueeze: { axes: readonly number[] };
  Gather: { axis: number };
}

export type OpName = keyof OpAttrMap;

/** 2-D convolution attributes, ONNX conventions: pads = [top, left, bottom, right]. */
export interface ConvAttrs {
  strides: readonly [number, number];
  pads: readonly [number, number, number, number];
  dilations: readonly [number, number];
  group: number;
}

export interface ConvTransposeAttrs extends ConvAttrs {
  outputPadding: readonly [number, number];
}

export interface ValueType {
  shape: Shape;
  dtype: DType;
}

/** What a VJP rule sees: the node's inputs, attributes, output and the output's cotangent. */
export interface VjpArgs<A> {
  inputs: readonly Value[];
  attrs: A;
  out: Value;
  g: Value;
}

/**
 * One primitive, defined once: shape rule, ONNX lowering, VJP rule.
 * `vjp` returns one cotangent per input (null where the input gets none: masks, indices, integers).
 * It builds graph values, never numbers, so gradients are themselves differentiable.
 */
export interface OpDef<A> {
  inferType(inputs: readonly Value[], attrs: A): ValueType;
  toOnnx(e: OnnxEmitter, inputs: readonly string[], output: string, attrs: A, node: Value): void;
  vjp(args: VjpArgs<A>): readonly (Value | null)[];
}

export type OpTable = { readonly [K in OpName]: OpDef<OpAttrMap[K]> };
export type OpFamily<K extends OpName> = { readonly [P in K]: OpDef<OpAttrMap[P]> };
