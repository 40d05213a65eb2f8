import { Tensor } from '../src/core/tensor.js';

/** Deterministic uniform fill (xorshift32): benchmark inputs must not depend on Math.random. */
export function uniform(shape: readonly number[], lo: number, hi: number, seed: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  let s = (seed * 2654435761) >>> 0 || 1;
  const d = t.data;
  const span = (hi - lo) / 4294967296;
  for (let i = 0; i < d.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    d[i] = lo + s * span;
  }
  return t;
}

/** Weights scaled by 1/sqrt(fan-in) so activations stay O(1) through a stack (no denormals, no overflow). */
export function weight(shape: readonly number[], seed: number): Tensor<'float32'> {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const a = Math.sqrt(3 / fanIn);
  return uniform(shape, -a, a, seed);
}

export function full(shape: readonly number[], value: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  t.data.fill(value);
  return t;
}
