import { DTypeError, ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { OnnxEmitter } from '../emitter.js';
import type { ConvAttrs, ConvTransposeAttrs, OpFamily, ValueType } from '../types.js';
import { apply, type Value } from '../value.js';
import { convWeightGrad } from './convWeightGrad.js';
import { reshape, slice, transpose } from './movement.js';
import { reduceSum } from './reduce.js';

export { convWeightGrad };

function outSize(n: number, k: number, s: number, d: number, p0: number, p1: number): number {
  return Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}

function checkOperands(op: string, x: Value, w: Value, b: Value | undefined): void {
  if (x.rank !== 4 || w.rank !== 4) {
    throw new ShapeError(`${op}: expected NCHW input and 4-D weight, got x${formatShape(x.shape)} w${formatShape(w.shape)}`);
  }
  if (x.dtype !== w.dtype || (b && b.dtype !== x.dtype)) throw new DTypeError(`${op}: dtypes differ (x ${x.dtype}, w ${w.dtype})`);
}

function convType([x, w, b]: readonly Value[], a: ConvAttrs): ValueType {
  checkOperands('Conv', x, w, b);
  const [n, cin, h, wd] = x.shape;
  const [cout, cinPerGroup, kh, kw] = w.shape;
  if (cin !== cinPerGroup * a.group || cout % a.group !== 0) {
    throw new ShapeError(`Conv: x${formatShape(x.shape)} and w${formatShape(w.shape)} disagree for group=${a.group}`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== cout)) throw new ShapeError(`Conv: bias ${formatShape(b.shape)} should be [${cout}]`);
  const ho = outSize(h, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const wo = outSize(wd, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  if (ho <= 0 || wo <= 0) throw new ShapeError(`Conv: input ${formatShape(x.shape)} is smaller than kernel ${kh}x${kw}`);
  return { shape: [n, cout, ho, wo], dtype: x.dtype };
}

function convTransposeType([x, w, b]: readonly Value[], a: ConvTransposeAttrs): ValueType {
  checkOperands('ConvTranspose', x, w, b);
  const [n, cin, h, wd] = x.shape;
  const [wcin, coutPerGroup, kh, kw] = w.shape;
  if (cin !== wcin || cin % a.group !== 0) {
    throw new ShapeError(`ConvTranspose: x${formatShape(x.shape)} and w${formatShape(w.shape)} disagree for group=${a.group}`);
  }
  // The VJP runs Conv over the output; its size only maps back to the input when op < stride.
  if (a.outputPadding.some((p, i) => p < 0 || p >= a.strides[i])) {
    throw new ShapeError(`ConvTranspose: output_padding [${a.outputPadding}] must be in [0, stride [${a.strides}])`);
  }
  const cout = coutPerGroup * a.group;
  if (b && (b.rank !== 1 || b.shape[0] !== cout)) throw new ShapeError(`ConvTranspose: bias ${formatShape(b.shape)} should be [${cout}]`);
  const size = (i: 0 | 1, k: number, len: number) =>
    a.strides[i] * (len - 1) + a.outputPadding[i] + a.dilations[i] * (k - 1) + 1 - a.pads[i] - a.pads[i + 2];
  const shape = [n, cout, size(0, kh, h), size(1, kw, wd)];
  if (shape[2] <= 0 || shape[3] <= 0) throw new ShapeError(`ConvTranspose: pads [${a.pads}] crop x${formatShape(x.shape)} to nothing`);
  return { shape, dtype: x.dtype };
}

function convOnnxAttrs(a: ConvAttrs, kernel: readonly number[]) {
  return {
    strides: { ints: a.strides },
    pads: { ints: a.pads },
    dilations: { ints: a.dilations },
    group: { i: a.group },
    kernel_shape: { ints: kernel.slice(2) },
  };
}

export const convOps: OpFamily<'Conv' | 'ConvTranspose'> = {
  // dx = ConvTranspose(g, W) (output_padding recovers the rows a strided conv dropped), or a Conv with the
  // flipped weight at stride 1; dW = convWeightGrad.ts (im2col + Gemm, picked per shape); db = Σ g
  Conv: {
    inferType: convType,
    toOnnx: (e: OnnxEmitter, ins, out, a, node) => e.node('Conv', ins, [out], convOnnxAttrs(a, node.inputs[1].shape)),
    vjp: ({ g, inputs: [x, w, b], attrs: a }) => {
      const [kh, kw] = w.shape.slice(2);
      const r = [0, 1].map((i) => {
        const span = x.shape[2 + i] + a.pads[i] + a.pads[i + 2] - a.dilations[i] * (w.shape[2 + i] - 1) - 1;
        return span % a.strides[i];
      }) as [number, number];
      const dx = strideOneInputGrad(g, w, a) ?? convTranspose2d(g, w, undefined, { ...a, outputPadding: r });
      const dw = convWeightGrad(x, g, kh, kw, a);
      return b ? [dx, dw, reduceSum(g, [0, 2, 3])] : [dx, dw];
    },
  },
  // the adjoint of Conv: dx = Conv(g, W); dW = the conv weight gradient with input and output swapped
  ConvTranspose: {
    inferType: convTransposeType,
    toOnnx: (e, ins, out, a, node) =>
      e.node('ConvTranspose', ins, [out], {
        ...convOnnxAttrs(a, node.inputs[1].shape),
        output_padding: { ints: a.outputPadding },
      }),
    vjp: ({ g, inputs: [x, w, b], attrs: a }) => {
      const { outputPadding: _, ...convAttrs } = a;
      const dx = conv2d(g, w, undefined, convAttrs);
      const dw = convWeightGrad(g, x, w.shape[2], w.shape[3], convAttrs);
      return b ? [dx, dw, reduceSum(g, [0, 2, 3])] : [dx, dw];
    },
  },
};

/**
 * dx of a stride-1 conv as a plain Conv with the spatially flipped, group-wise transposed weight:
 * ORT's Conv is several times faster than its ConvTranspose (col2im), most of all for grouped and
 * depthwise kernels. For constant weights ORT folds the flip at session creation. Null when the
 * padding is larger than the kernel's reach (then ConvTranspose is used).
 */
function strideOneInputGrad(g: Value, w: Value, a: ConvAttrs): Value | null {
  if (a.strides[0] !== 1 || a.strides[1] !== 1) return null;
  const [cout, cinPerGroup, kh, kw] = w.shape;
  const reach = [a.dilations[0] * (kh - 1), a.dilations[1] * (kw - 1)];
  const pads = [reach[0] - a.pads[0], reach[1] - a.pads[1], reach[0] - a.pads[2], reach[1] - a.pads[3]] as const;
  if (pads.some((p) => p < 0)) return null;
  const groups = a.group;
  // [Cout, Cin/g, k, k] -> per group swap in/out -> [Cin, Cout/g, k, k], then flip both spatial axes.
  const swapped =
    groups === 1
      ? transpose(w, [1, 0, 2, 3])
      : cout / groups === 1 && cinPerGroup === 1
        ? w
        : reshape(transpose(reshape(w, [groups, cout / groups, cinPerGroup, kh, kw]), [0, 2, 1, 3, 4]), [groups * cinPerGroup, cout / groups, kh, kw]);
  const flipped = kh === 1 && kw === 1 ? swapped : slice(swapped, [-1, -1], [-(2 ** 62), -(2 ** 62)], [2, 3], [-1, -1]);
  return conv2d(g, flipped, undefined, { strides: [1, 1], pads, dilations: a.dilations, group: groups });
}

// ---- builders -------------------------------------------------------------------------------

export interface ConvOptions {
  /** Stride per axis, default 1. */
  stride?: number | readonly [number, number];
  /** Symmetric padding per axis, or ONNX [top, left, bottom, right]. Default 0. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

function pair(v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function pads4(p: ConvOptions['padding']): [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  if (typeof p === 'number') return [p, p, p, p];
  return p.length === 2 ? [p[0], p[1], p[0], p[1]] : [p[0], p[1], p[2], p[3]];
}

export function convAttrs(o: ConvOptions | ConvAttrs): ConvAttrs {
  if ('strides' in o) return o;
  return { strides: pair(o.stride, 1), pads: pads4(o.padding), dilations: pair(o.dilation, 1), group: o.groups ?? 1 };
}

/** 2-D convolution, NCHW, weight [Cout, Cin/groups, kh, kw]. */
export function conv2d(x: Value, w: Value, bias?: Value, opts: ConvOptions | ConvAttrs = {}): Value {
  return apply('Conv', bias ? [x, w, bias] : [x, w], convAttrs(opts));
}

/** Transposed convolution, weight [Cin, Cout/groups, kh, kw]. */
export function convTranspose2d(
  x: Value,
  w: Value,
  bias?: Value,
  opts: (ConvOptions & { outputPadding?: number | readonly [number, number] }) | ConvTransposeAttrs = {},
): Value {
  const base = convAttrs(opts as ConvOptions | ConvAttrs);
  const op = pair((opts as { outputPadding?: number | readonly [number, number] }).outputPadding, 0);
  return apply('ConvTranspose', bias ? [x, w, bias] : [x, w], { ...base, outputPadding: op });
}
