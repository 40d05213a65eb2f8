import type { DType } from '../core/dtype.js';
import { GraphError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { opDef } from './registry.js';
import type { OpAttrMap, OpName } from './types.js';

let nextId = 1;

export type ValueSource =
  | { kind: 'input'; name: string }
  | { kind: 'constant'; tensor: Tensor; name?: string }
  | { kind: 'op'; op: OpName; inputs: readonly Value[]; attrs: OpAttrMap[OpName] };

/**
 * A symbolic tensor in a static-shape graph. Values are immutable and reference their inputs, so a
 * graph is simply the set of values reachable from its outputs.
 */
export class Value {
  readonly id = nextId++;
  readonly shape: readonly number[];

  constructor(
    shape: Shape,
    readonly dtype: DType,
    readonly source: ValueSource,
  ) {
    this.shape = Object.freeze([...shape]);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  get op(): OpName | 'Input' | 'Constant' {
    return this.source.kind === 'op' ? this.source.op : this.source.kind === 'input' ? 'Input' : 'Constant';
  }

  get inputs(): readonly Value[] {
    return this.source.kind === 'op' ? this.source.inputs : [];
  }

  toString(): string {
    return `%${this.id}:${this.dtype}${formatShape(this.shape)}`;
  }
}

/** A graph input, fed at run time. */
export function input(name: string, shape: Shape, dtype: DType = 'float32'): Value {
  if (!/^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(name)) throw new GraphError(`input: invalid name '${name}'`);
  return new Value(shape, dtype, { kind: 'input', name });
}

/** A constant baked into the graph (an ONNX initializer, so ORT can pre-pack weights). */
export function constant(tensor: Tensor, name?: string): Value {
  return new Value(tensor.shape, tensor.dtype, { kind: 'constant', tensor, name });
}

/** Applies a primitive: checks inputs through its shape rule and returns the output value. */
export function apply<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrMap[K]): Value {
  const def = opDef(op);
  const t = def.inferType(inputs, attrs);
  return new Value(t.shape, t.dtype, { kind: 'op', op, inputs, attrs });
}
