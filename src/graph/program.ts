import type { DType } from '../core/dtype.js';
import { GraphError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { input, Value } from './value.js';

export interface InputSpec {
  shape: Shape;
  dtype?: DType;
}

/** A traced function: named inputs and named outputs over one static-shape graph. */
export interface Program {
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly outputNames: readonly string[];
}

export type TraceResult = Value | readonly Value[] | Readonly<Record<string, Value>>;

/**
 * Traces `fn` over symbolic inputs named by `specs` (in order). Outputs are named by the returned
 * record's keys, or `out0, out1...` for a value or an array.
 */
export function trace<S extends Record<string, InputSpec>>(
  specs: S,
  fn: (inputs: { [K in keyof S]: Value }) => TraceResult,
): Program {
  const inputs: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(specs)) inputs[name] = input(name, spec.shape, spec.dtype ?? 'float32');
  const result = fn(inputs as { [K in keyof S]: Value });
  return program(Object.values(inputs), result);
}

/** Builds a Program from explicit input values and a result. */
export function program(inputs: readonly Value[], result: TraceResult): Program {
  let outputs: Value[];
  let outputNames: string[];
  if (result instanceof Value) {
    outputs = [result];
    outputNames = ['out0'];
  } else if (Array.isArray(result)) {
    outputs = [...(result as Value[])];
    outputNames = outputs.map((_, i) => `out${i}`);
  } else {
    outputNames = Object.keys(result);
    outputs = Object.values(result as Record<string, Value>);
  }
  outputs.forEach((o, i) => {
    if (!(o instanceof Value)) throw new GraphError(`trace: output '${outputNames[i]}' is not a graph value`);
  });
  return { inputs, outputs, outputNames };
}
