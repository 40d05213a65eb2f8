import { isFloat } from '../core/dtype.js';
import { DTypeError, GraphError, ShapeError, UnsupportedOpError } from '../core/errors.js';
import { formatShape, sameShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add } from './ops/elementwise.js';
import { expand } from './ops/movement.js';
import { opDef } from './registry.js';
import { topoSort } from './topo.js';
import { constant, type Value } from './value.js';

function zerosLike(v: Value): Value {
  const z = v.dtype === 'float64' ? Tensor.float64([]) : Tensor.float32([]);
  return expand(constant(z), v.shape);
}

function onesLike(v: Value): Value {
  const one = v.dtype === 'float64' ? Tensor.float64([], [1]) : Tensor.float32([], [1]);
  return expand(constant(one), v.shape);
}

/**
 * Reverse mode: cotangents of `wrt` given cotangents of `outputs`. Only nodes on a path from `wrt`
 * to `outputs` are visited, so constant weights never get weight-gradient nodes. The result is made
 * of ordinary graph values and can be differentiated again.
 */
export function vjp(outputs: readonly Value[], cotangents: readonly Value[], wrt: readonly Value[]): Value[] {
  if (outputs.length !== cotangents.length) throw new GraphError('vjp: one cotangent per output is required');
  outputs.forEach((o, i) => {
    const c = cotangents[i];
    if (!sameShape(o.shape, c.shape)) {
      throw new ShapeError(`vjp: cotangent ${formatShape(c.shape)} does not match output ${o}`);
    }
    if (c.dtype !== o.dtype) throw new DTypeError(`vjp: cotangent ${c} has dtype ${c.dtype}, output ${o} is ${o.dtype}`);
  });
  for (const w of wrt) {
    if (!isFloat(w.dtype)) throw new GraphError(`vjp: cannot differentiate w.r.t. ${w} (dtype ${w.dtype})`);
  }
  const order = topoSort(outputs);
  const wrtIds = new Set(wrt.map((w) => w.id));
  const active = new Set<number>();
  for (const v of order) {
    if (wrtIds.has(v.id) || (isFloat(v.dtype) && v.inputs.some((i) => active.has(i.id)))) active.add(v.id);
  }
  const ct = new Map<number, Value>();
  const accumulate = (v: Value, g: Value) => {
    const prev = ct.get(v.id);
    ct.set(v.id, prev ? add(prev, g) : g);
  };
  outputs.forEach((o, i) => {
    if (active.has(o.id)) accumulate(o, cotangents[i]);
  });
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    const g = ct.get(v.id);
    if (!g || v.source.kind !== 'op') continue;
    const { op, inputs, attrs } = v.source;
    if (!inputs.some((i) => active.has(i.id))) continue;
    const def = opDef(op);
    const site = `${v} = ${op}(${inputs.join(', ')})`;
    let grads: readonly (Value | null)[];
    try {
      grads = def.vjp({ inputs, attrs: attrs as never, out: v, g });
    } catch (err) {
      // A rule that cannot build its cotangent is reported at the node, whatever went wrong inside.
      const wrapped = new UnsupportedOpError(`VJP of ${op} at ${site}: ${(err as Error).message}`);
      throw Object.assign(wrapped, { cause: err });
    }
    inputs.forEach((inp, i) => {
      const gi = grads[i];
      if (!gi || !active.has(inp.id)) return;
      if (!sameShape(gi.shape, inp.shape) || gi.dtype !== inp.dtype) {
        throw new ShapeError(`VJP of ${op} at ${site}: cotangent ${gi} for input ${i} should be ${inp.dtype}${formatShape(inp.shape)}`);
      }
      accumulate(inp, gi);
    });
  }
  return wrt.map((w) => ct.get(w.id) ?? zerosLike(w));
}

/** Gradient of a scalar (size-1) value w.r.t. `wrt`. */
export function grad(y: Value, wrt: readonly Value[]): Value[] {
  if (y.size !== 1) throw new ShapeError(`grad: output must have one element, got ${formatShape(y.shape)}; use vjp`);
  return vjp([y], [onesLike(y)], wrt);
}

/**
 * Wraps a traced function so it returns its scalar value and its gradients w.r.t. the arguments
 * listed in `argnums` (all by default).
 */
export function valueAndGrad<A extends Value[]>(
  fn: (...args: A) => Value,
  argnums?: readonly number[],
): (...args: A) => { value: Value; grads: Value[] } {
  return (...args: A) => {
    const value = fn(...args);
    const wrt = (argnums ?? args.map((_, i) => i)).map((i) => args[i]);
    return { value, grads: grad(value, wrt) };
  };
}
