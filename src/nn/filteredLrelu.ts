import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { conv2d } from '../graph/ops/conv.js';
import { add, clip, leakyRelu, mul } from '../graph/ops/elementwise.js';
import { pad, reshape, slice, transpose } from '../graph/ops/movement.js';
import { constant, type Value } from '../graph/value.js';

/**
 * NVIDIA's filtered_lrelu (stylegan3 torch_utils/ops, reference path): bias, upsample by `up`
 * (zero insertion, pad/crop, FIR with gain up²), leaky ReLU times gain, clamp, FIR, keep every
 * `down`-th sample. Every step is a Conv / Reshape / Transpose / Pad / Slice, so it has a VJP.
 *
 * Lowering (the speed of StyleGAN3 on the CPU is decided here): the channels are folded into the
 * batch ([N, C, H, W] -> [N·C, 1, H, W]) so the filters run as ordinary single-channel convolutions;
 * ONNX Runtime's depthwise (grouped) Conv and above all its grouped ConvTranspose are many times
 * slower. The upsampling is polyphase: u² phase kernels of ⌈k/u⌉² taps read the original samples
 * (one Conv with u² output channels, then one Transpose interleaves them), so no zero is ever
 * multiplied and the backward pass is a stride-1 Conv. The downsampling is a strided Conv per axis
 * (1-D filters) or one 2-D strided Conv (radial filters).
 */
export interface FilteredLreluOptions {
  up: number;
  down: number;
  /** [x0, x1, y0, y1] applied to the zero-inserted map (negative = crop), as NVIDIA's `padding`. */
  padding: readonly [number, number, number, number];
  gain: number;
  slope: number;
  clamp: number | null;
}

/**
 * Crops (negative amounts) or zero-pads (positive) the last two axes: [top, left, bottom, right].
 */
function padOrCrop(x: Value, p: readonly [number, number, number, number]): Value {
  const [t, l, b, r] = p;
  const grow = [t, l, b, r].map((v) => Math.max(v, 0));
  if (grow.some((v) => v > 0)) x = pad(x, [0, 0, grow[0], grow[1], 0, 0, grow[2], grow[3]]);
  const cut = [t, l, b, r].map((v) => Math.max(-v, 0));
  if (cut.some((v) => v > 0)) {
    const [h, w] = [x.shape[2], x.shape[3]];
    x = slice(x, [cut[0], cut[1]], [h - cut[2], w - cut[3]], [2, 3]);
  }
  return x;
}

/** One axis of an upsampling: factor, filter length, padding before/after on the zero-inserted signal. */
interface Axis {
  u: number;
  k: number;
  p0: number;
  p1: number;
}

/**
 * Polyphase split of "zero-insert by u, pad p0 before, true-convolve with a k-tap filter":
 * y[i] = Σ_m x[m] f[i + c − m·u] with c = k − 1 − p0, so output i = u·q + r reads x[q + smin + t]
 * with tap f[r + c − (smin + t)·u] (t = 0..taps−1; out-of-range taps are zero).
 */
function axisPhases(a: Axis, n: number) {
  const c = a.k - 1 - a.p0;
  const smin = Math.ceil((c - a.k + 1) / a.u);
  const taps = Math.floor((a.u - 1 + c) / a.u) - smin + 1;
  const length = n * a.u + a.p0 + a.p1 - a.k + 1;
  const q = Math.ceil(length / a.u);
  /** filter index of phase r, tap t (may fall outside [0, k)) */
  const index = (r: number, t: number) => r + c - (smin + t) * a.u;
  // x extended to x[smin .. smin + q + taps − 2]: [before, after] (negative = crop)
  const ext: [number, number] = [-smin, q + taps - 1 - (n - smin)];
  return { smin, taps, length, q, index, ext };
}

const kernelCache = new WeakMap<Tensor, Map<string, Value>>();

function cached(f: Tensor, key: string, make: () => Tensor): Value {
  let byKey = kernelCache.get(f);
  if (!byKey) kernelCache.set(f, (byKey = new Map()));
  let v = byKey.get(key);
  if (!v) byKey.set(key, (v = constant(make())));
  return v;
}

/**
 * Upsampling of [N, C, H, W] by (uy, ux) with filter taps F(jy, jx) (a 1-D filter along one axis, the
 * outer product of two, or a 2-D filter), times `gain`: one single-channel Conv with uy·ux phase
 * outputs on the channel-folded map, a Transpose that interleaves the phases, and a crop to the exact
 * length NVIDIA's padding gives.
 */
function upPolyphase(x: Value, f: Tensor, y: Axis, xa: Axis, F: (jy: number, jx: number) => number, gain: number): Value {
  const [n, c, h, w] = x.shape;
  const py = axisPhases(y, h);
  const px = axisPhases(xa, w);
  const phasesOut = y.u * xa.u;
  const weight = cached(f, `up:${JSON.stringify([y, xa])}:${gain}`, () => {
    const t = Tensor.float32([phasesOut, 1, py.taps, px.taps]);
    for (let ry = 0; ry < y.u; ry++)
      for (let rx = 0; rx < xa.u; rx++)
        for (let ty = 0; ty < py.taps; ty++)
          for (let tx = 0; tx < px.taps; tx++) {
            const [jy, jx] = [py.index(ry, ty), px.index(rx, tx)];
            if (jy < 0 || jy >= y.k || jx < 0 || jx >= xa.k) continue;
            t.data[((ry * xa.u + rx) * py.taps + ty) * px.taps + tx] = F(jy, jx) * gain;
          }
    return t;
  });
  let v = padOrCrop(reshape(x, [n * c, 1, h, w]), [py.ext[0], px.ext[0], py.ext[1], px.ext[1]]);
  v = conv2d(v, weight); // [N·C, uy·ux, Qy, Qx]
  if (phasesOut > 1) {
    v = reshape(v, [n * c, y.u, xa.u, py.q, px.q]);
    v = transpose(v, [0, 3, 1, 4, 2]); // [N·C, Qy, uy, Qx, ux]
  }
  v = reshape(v, [n, c, py.q * y.u, px.q * xa.u]);
  if (py.q * y.u !== py.length || px.q * xa.u !== px.length) v = slice(v, [0, 0], [py.length, px.length], [2, 3]);
  return v;
}

/** FIR (true convolution: the filter flipped) and keep every `down`-th sample, on the channel-folded map. */
function downStrided(x: Value, f: Tensor, axis: 'x' | 'y' | '2d', down: number): Value {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = axis === '2d' ? f.shape : axis === 'x' ? [1, f.shape[0]] : [f.shape[0], 1];
  const weight = cached(f, `down:${axis}`, () => {
    const src = f.toFloat32().data;
    const t = Tensor.float32([1, 1, kh, kw]);
    for (let i = 0; i < kh * kw; i++) t.data[i] = src[kh * kw - 1 - i];
    return t;
  });
  const stride: [number, number] = axis === 'x' ? [1, down] : axis === 'y' ? [down, 1] : [down, down];
  const v = conv2d(reshape(x, [n * c, 1, h, w]), weight, undefined, { stride });
  return reshape(v, [n, c, v.shape[2], v.shape[3]]);
}

export function filteredLrelu(x: Value, bias: Value | null, fu: Tensor | null, fd: Tensor | null, o: FilteredLreluOptions): Value {
  if (x.rank !== 4) throw new ShapeError(`filteredLrelu: expected NCHW, got ${formatShape(x.shape)}`);
  const [px0, px1, py0, py1] = o.padding;
  if (bias) x = add(x, reshape(bias, [1, bias.shape[0], 1, 1]));
  if (fu) {
    const k = fu.shape[0];
    const src = fu.toFloat32().data;
    const ax: Axis = { u: o.up, k, p0: px0, p1: px1 };
    const ay: Axis = { u: o.up, k, p0: py0, p1: py1 };
    if (fu.rank === 1) x = upPolyphase(x, fu, ay, ax, (jy, jx) => src[jy] * src[jx], o.up * o.up);
    else x = upPolyphase(x, fu, ay, { ...ax, k: fu.shape[1] }, (jy, jx) => src[jy * fu.shape[1] + jx], o.up * o.up);
  } else {
    if (o.up !== 1) throw new ArgumentError(`filteredLrelu: up=${o.up} needs an up filter`);
    x = padOrCrop(x, [py0, px0, py1, px1]);
  }
  if (o.slope !== 1) x = leakyRelu(x, o.slope);
  if (o.gain !== 1) x = mul(x, o.gain);
  if (o.clamp !== null && o.clamp >= 0) x = clip(x, -o.clamp, o.clamp);
  if (fd) {
    if (fd.rank === 1) {
      x = downStrided(x, fd, 'x', o.down);
      x = downStrided(x, fd, 'y', o.down);
    } else x = downStrided(x, fd, '2d', o.down);
  } else if (o.down !== 1) {
    x = slice(x, [0, 0], [x.shape[2], x.shape[3]], [2, 3], [o.down, o.down]);
  }
  return x;
}
