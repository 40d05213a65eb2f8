import { sameShape, type Shape } from '../../core/shape.js';
import type { Value } from '../value.js';
import { reshape } from './movement.js';
import { reduceSum } from './reduce.js';

/**
 * Sums a broadcast cotangent back to `shape`: over leading axes the operand lacked and over axes
 * where it had size 1. The one helper every broadcasting VJP uses.
 */
export function unbroadcast(g: Value, shape: Shape): Value {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? reduceSum(g, axes, true) : g;
  return reshape(summed, shape);
}
