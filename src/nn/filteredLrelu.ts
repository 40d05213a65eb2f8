import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { conv2d, convTranspose2d } from '../graph/ops/conv.js';
import { add, clip, leakyRelu, mul } from '../graph/ops/elementwise.js';
import { pad, reshape, slice } from '../graph/ops/movement.js';
import { constant, type Value } from '../graph/value.js';

/**
 * NVIDIA's filtered_lrelu (stylegan3 torch_utils/ops, reference path): bias, upsample by `up`
 * (zero insertion, pad/crop, FIR with gain up²), leaky ReLU times gain, clamp, FIR, keep every
 * `down`-th sample. Built from Conv / ConvTranspose / Pad / Slice so every step has a VJP.
 * 1-D filters are separable (applied along x, then y); 2-D filters (radial jinc) are applied as is.
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

const kernels = new WeakMap<Tensor, Map<string, Value>>();

/** Depthwise kernel [C, 1, kh, kw] from a 1-D filter along `axis` ('x' or 'y') or a 2-D one, times gain, optionally flipped. */
function depthwise(f: Tensor, channels: number, axis: 'x' | 'y' | '2d', gain: number, flip: boolean): Value {
  let byKey = kernels.get(f);
  if (!byKey) kernels.set(f, (byKey = new Map()));
  const key = `${channels}:${axis}:${gain}:${flip}`;
  let v = byKey.get(key);
  if (v) return v;
  const src = f.toFloat32().data;
  const [kh, kw] = axis === '2d' ? f.shape : axis === 'x' ? [1, f.shape[0]] : [f.shape[0], 1];
  const t = Tensor.float32([channels, 1, kh, kw]);
  const n = kh * kw;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) t.data[c * n + i] = src[flip ? n - 1 - i : i] * gain;
  }
  v = constant(t);
  byKey.set(key, v);
  return v;
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

/**
 * Zero insertion by `up`, pad [lo, hi] along one axis (or both for 2-D), true convolution with
 * `f` times `gain`: one stride-`up` depthwise ConvTranspose (which is exactly the full convolution
 * of the zero-inserted signal), then the crop/pad that the requested padding leaves.
 */
function upAxis(x: Value, f: Tensor, axis: 'x' | 'y' | '2d', up: number, pads: readonly [number, number, number, number], gain: number): Value {
  const k = f.shape[0];
  // [top, left, bottom, right] relative to the full convolution, whose length is (n-1)·up + k.
  const [x0, x1, y0, y1] = pads;
  const want: [number, number, number, number] =
    axis === 'x' ? [0, k - 1 - x0, 0, k - up - x1] : axis === 'y' ? [k - 1 - y0, 0, k - up - y1, 0] : [k - 1 - y0, k - 1 - x0, k - up - y1, k - up - x1];
  const convPads = want.map((v) => Math.max(v, 0)) as [number, number, number, number];
  const stride: [number, number] = axis === 'x' ? [1, up] : axis === 'y' ? [up, 1] : [up, up];
  const c = x.shape[1];
  const y = convTranspose2d(x, depthwise(f, c, axis, gain, false), undefined, { stride, padding: convPads, groups: c });
  return padOrCrop(y, want.map((v) => Math.min(v, 0)).map((v) => -v) as [number, number, number, number]);
}

function downAxis(x: Value, f: Tensor, axis: 'x' | 'y' | '2d', down: number): Value {
  const c = x.shape[1];
  const stride: [number, number] = axis === 'x' ? [1, down] : axis === 'y' ? [down, 1] : [down, down];
  return conv2d(x, depthwise(f, c, axis, 1, true), undefined, { stride, groups: c });
}

export function filteredLrelu(x: Value, bias: Value | null, fu: Tensor | null, fd: Tensor | null, o: FilteredLreluOptions): Value {
  if (x.rank !== 4) throw new ShapeError(`filteredLrelu: expected NCHW, got ${formatShape(x.shape)}`);
  const [px0, px1, py0, py1] = o.padding;
  if (bias) x = add(x, reshape(bias, [1, bias.shape[0], 1, 1]));
  if (fu) {
    if (fu.rank === 1) {
      x = upAxis(x, fu, 'x', o.up, o.padding, o.up);
      x = upAxis(x, fu, 'y', o.up, o.padding, o.up);
    } else x = upAxis(x, fu, '2d', o.up, o.padding, o.up * o.up);
  } else {
    if (o.up !== 1) throw new ArgumentError(`filteredLrelu: up=${o.up} needs an up filter`);
    x = padOrCrop(x, [py0, px0, py1, px1]);
  }
  if (o.slope !== 1) x = leakyRelu(x, o.slope);
  if (o.gain !== 1) x = mul(x, o.gain);
  if (o.clamp !== null && o.clamp >= 0) x = clip(x, -o.clamp, o.clamp);
  if (fd) {
    if (fd.rank === 1) {
      x = downAxis(x, fd, 'x', o.down);
      x = downAxis(x, fd, 'y', o.down);
    } else x = downAxis(x, fd, '2d', o.down);
  } else if (o.down !== 1) {
    x = slice(x, [0, 0], [x.shape[2], x.shape[3]], [2, 3], [o.down, o.down]);
  }
  return x;
}
