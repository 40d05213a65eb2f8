import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';

/** An ONNX attribute value, tagged by its ONNX type. */
export type OnnxAttr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

/**
 * What an op's lowering may do: add ONNX nodes and constant initializers. Implemented by onnx/; kept
 * here as an interface so graph/ does not depend on the serialiser.
 */
export interface OnnxEmitter {
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Record<string, OnnxAttr>): void;
  /** Name of a 1-D int64 initializer (shapes, axes, pads, starts...). */
  int64s(values: readonly number[]): string;
  /** Name of a scalar initializer of the given dtype. */
  scalar(value: number, dtype: DType): string;
  /** Name of an initializer holding `t`. */
  tensor(t: Tensor): string;
  /** A fresh value name for intermediate results. */
  temp(): string;
}
