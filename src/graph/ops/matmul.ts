import { DTypeError, ShapeError } from '../../core/errors.js';
import { broadcastShapes, formatShape, sameShape } from '../../core/shape.js';
import type { OpAttrMap, OpFamily } from '../types.js';
import { apply, type Value } from '../value.js';
import { unbroadcast } from './broadcast.js';
import { mul } from './elementwise.js';
import { transpose } from './movement.js';

type GemmAttrs = OpAttrMap['Gemm'];

function swapLast(v: Value): Value {
  const perm = v.shape.map((_, i) => i);
  perm[v.rank - 1] = v.rank - 2;
  perm[v.rank - 2] = v.rank - 1;
  return transpose(v, perm);
}

export const matmulOps: OpFamily<'MatMul' | 'Gemm'> = {
  // d(AB) = dA B + A dB, batch dimensions broadcast
  MatMul: {
    inferType: ([a, b]) => {
      if (a.dtype !== b.dtype) throw new DTypeError(`MatMul: dtypes differ (${a.dtype}, ${b.dtype})`);
      if (a.rank < 2 || b.rank < 2 || a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
        throw new ShapeError(`MatMul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}`);
      }
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul');
      return { shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype: a.dtype };
    },
    toOnnx: (e, ins, out) => e.node('MatMul', ins, [out]),
    vjp: ({ g, inputs: [a, b] }) => [
      unbroadcast(matmul(g, swapLast(b)), a.shape),
      unbroadcast(matmul(swapLast(a), g), b.shape),
    ],
  },
  // Y = alpha op(A) op(B) + beta C; each cotangent is itself a Gemm with flipped transposes
  Gemm: {
    inferType: ([a, b, c], { transA, transB }) => {
      if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`Gemm: needs 2-D operands, got ${formatShape(a.shape)}, ${formatShape(b.shape)}`);
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
      const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
      if (k !== k2) throw new ShapeError(`Gemm: inner dims differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} x ${formatShape(b.shape)}${transB ? 'ᵀ' : ''}`);
      if (a.dtype !== b.dtype || (c && c.dtype !== a.dtype)) throw new DTypeError('Gemm: dtypes differ');
      // C broadcasts one way only: it may not enlarge the [M, N] result.
      if (c && !sameShape(broadcastShapes(c.shape, [m, n], 'Gemm (bias)'), [m, n])) {
        throw new ShapeError(`Gemm: bias ${formatShape(c.shape)} does not broadcast to [${m},${n}]`);
      }
      return { shape: [m, n], dtype: a.dtype };
    },
    toOnnx: (e, ins, out, { transA, transB, alpha, beta }) =>
      e.node('Gemm', ins, [out], { transA: { i: +transA }, transB: { i: +transB }, alpha: { f: alpha }, beta: { f: beta } }),
    vjp: ({ g, inputs: [a, b, c], attrs }) => {
      const { transA, transB, alpha, beta } = attrs;
      const dA = transA ? gemm(b, g, { transA: transB, transB: true, alpha }) : gemm(g, b, { transB: !transB, alpha });
      const dB = transB ? gemm(g, a, { transA: true, transB: transA, alpha }) : gemm(a, g, { transA: !transA, alpha });
      const grads: (Value | null)[] = [dA, dB];
      // ONNX float attributes are float32: scale by the beta the forward really used.
      if (c) grads.push(unbroadcast(beta === 1 ? g : mul(g, Math.fround(beta)), c.shape));
      return grads;
    },
  },
};

export function matmul(a: Value, b: Value): Value {
  return apply('MatMul', [a, b], {});
}

/** Gemm: alpha·op(A)·op(B) + beta·C with op = optional transpose. */
export function gemm(a: Value, b: Value, opts: Partial<GemmAttrs> = {}, c?: Value): Value {
  const attrs: GemmAttrs = { transA: false, transB: false, alpha: 1, beta: 1, ...opts };
  return apply('Gemm', c ? [a, b, c] : [a, b], attrs);
}
