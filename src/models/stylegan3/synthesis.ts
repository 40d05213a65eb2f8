import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, clip, div, mul, neg, rsqrt, sin, sqrt, square, sub } from '../../graph/ops/elementwise.js';
import { matmul } from '../../graph/ops/matmul.js';
import { concat, reshape, slice } from '../../graph/ops/movement.js';
import { reduceMean, reduceSum } from '../../graph/ops/reduce.js';
import { constant, type Value } from '../../graph/value.js';
import { filteredLrelu } from '../../nn/filteredLrelu.js';
import { fullyConnected } from '../../nn/functional.js';
import { modulatedConv2d } from '../../nn/modconv.js';
import type { Scope } from '../../nn/weights.js';
import type { ResolvedSg3, Sg3Input, Sg3Layer } from './config.js';

export interface Sg3SynthesisOptions {
  /**
   * Replaces the stored `synthesis.input.transform` buffer: [3, 3] for the batch or [N, 3, 3] per
   * sample (gen_images.py's `inv(make_transform(translate, rotate))`).
   */
  transform?: Value;
}

function wRow(ws: Value, i: number): Value {
  const [n, , wDim] = ws.shape;
  return reshape(slice(ws, [i], [i + 1], [1]), [n, wDim]);
}

const grids = new Map<string, [Value, Value]>();

/** affine_grid(theta = diag(0.5·size/sr), align_corners=False): (j + 0.5 − size/2) / sr per column (x) and row (y). */
function grid(size: number, samplingRate: number): [Value, Value] {
  const key = `${size}:${samplingRate}`;
  let g = grids.get(key);
  if (!g) {
    const coords = Array.from({ length: size }, (_, j) => (j + 0.5 - size / 2) / samplingRate);
    g = [constant(Tensor.float32([1, 1, 1, size], coords)), constant(Tensor.float32([1, 1, size, 1], coords))];
    grids.set(key, g);
  }
  return g;
}

const col = (t: Value, i: number) => slice(t, [i], [i + 1], [1]);

/**
 * SynthesisInput: Fourier features whose frequencies and phases are rotated/translated by the
 * affine-predicted (r_c, r_s, t_x, t_y) and the `transform` buffer, amplitude-faded beyond the
 * bandwidth, then mixed by a 1x1 `weight` / sqrt(C). w [N, wDim] -> [N, C, size, size].
 */
export function synthesisInput(p: Scope, info: Sg3Input, w: Value, transform?: Value): Value {
  const n = w.shape[0];
  const c = info.channels;
  let t = fullyConnected(p.at('affine'), w); // [N, 4]
  t = div(t, sqrt(reduceSum(square(slice(t, [0], [2], [1])), [1], true)));
  const [rc, rs, tx, ty] = [0, 1, 2, 3].map((i) => col(t, i)); // [N, 1] each
  // m_r @ m_t: [[rc, -rs, -(rc tx) + rs ty], [rs, rc, -(rs tx) - rc ty]] (row 3 is [0, 0, 1])
  const m = reshape(concat([rc, neg(rs), add(neg(mul(rc, tx)), mul(rs, ty)), rs, rc, sub(neg(mul(rs, tx)), mul(rc, ty))], 1), [n, 2, 3]);
  const tf = transform ?? p.get('transform', [3, 3]);
  if (!(tf.rank === 2 || (tf.rank === 3 && (tf.shape[0] === n || tf.shape[0] === 1))) || tf.shape[tf.rank - 1] !== 3 || tf.shape[tf.rank - 2] !== 3) {
    throw new ShapeError(`synthesis.input: transform should be [3, 3] or [${n}, 3, 3], got ${formatShape(tf.shape)}`);
  }
  const T = matmul(m, tf); // [N, 2, 3]
  const freqs = p.get('freqs', [c, 2]);
  const phases = add(reshape(p.get('phases', [c]), [1, c]), reshape(matmul(freqs, slice(T, [2], [3], [2])), [n, c]));
  const fn = matmul(freqs, slice(T, [0], [2], [2])); // [N, C, 2]
  const norm = sqrt(reduceSum(square(fn), [2])); // [N, C]
  const amp = clip(sub(1, div(sub(norm, info.bandwidth), info.samplingRate / 2 - info.bandwidth)), 0, 1);
  const [gx, gy] = grid(info.size, info.samplingRate);
  const f4 = (v: Value) => reshape(v, [n, c, 1, 1]);
  const fx = f4(slice(fn, [0], [1], [2]));
  const fy = f4(slice(fn, [1], [2], [2]));
  const arg = add(add(mul(gx, fx), mul(gy, fy)), f4(phases));
  const feat = mul(sin(mul(arg, 2 * Math.PI)), f4(amp));
  const weight = p.get('weight', [c, c]);
  return conv2d(feat, reshape(mul(weight, 1 / Math.sqrt(c)), [c, c, 1, 1]));
}

/**
 * SynthesisLayer (and ToRGB): affine styles, modulated conv (weight and style RMS-normalised,
 * demodulated, times rsqrt(magnitude_ema)) with full padding, then filtered_lrelu with the stored
 * up/down filters. Style RMS is taken per sample (NVIDIA takes it over the batch; it cancels in the
 * demodulation except through the 1e-8, a difference below 1e-6).
 */
export function synthesisLayer(p: Scope, l: Sg3Layer, x: Value, w: Value, convClamp: number | null): Value {
  const k = l.convKernel;
  const weight = p.get('weight', [l.outChannels, l.inChannels, k, k]);
  const styles = fullyConnected(p.at('affine'), w);
  let y: Value;
  if (l.isTorgb) {
    y = modulatedConv2d(x, weight, mul(styles, 1 / Math.sqrt(l.inChannels * k * k)), { demodulate: false });
  } else {
    const wn = mul(weight, rsqrt(reduceMean(square(weight), [1, 2, 3], true)));
    const sn = mul(styles, rsqrt(reduceMean(square(styles), [1], true)));
    y = modulatedConv2d(x, wn, sn, { padding: k - 1 });
  }
  y = mul(y, rsqrt(p.get('magnitude_ema', [])));
  const fu = p.has('up_filter') ? p.tensor('up_filter') : null;
  const fd = p.has('down_filter') ? p.tensor('down_filter') : null;
  return filteredLrelu(y, p.get('bias', [l.outChannels]), fu, fd, {
    up: l.upFactor,
    down: l.downFactor,
    padding: l.padding,
    gain: l.gain,
    slope: l.slope,
    clamp: convClamp,
  });
}

/** Hook for per-layer outputs (debugging the first layer that disagrees). */
export type LayerTap = (name: string, x: Value) => void;

/** SynthesisNetwork: ws [N, numWs, wDim] -> image [N, C, R, R] (times output_scale). */
export function synthesizeSg3(p: Scope, cfg: ResolvedSg3, ws: Value, opts: Sg3SynthesisOptions = {}, tap?: LayerTap): Value {
  if (ws.rank !== 3 || ws.shape[1] !== cfg.numWs || ws.shape[2] !== cfg.wDim) {
    throw new ShapeError(`synthesis: ws should be [N, ${cfg.numWs}, ${cfg.wDim}], got ${formatShape(ws.shape)}`);
  }
  let x = synthesisInput(p.at('input'), cfg.input, wRow(ws, 0), opts.transform);
  tap?.('input', x);
  for (const l of cfg.layers) {
    x = synthesisLayer(p.at(l.name), l, x, wRow(ws, l.wsIndex), cfg.convClamp);
    tap?.(l.name, x);
  }
  return mul(x, cfg.outputScale);
}

/** NVIDIA gen_images.py's make_transform(translate, angle): [[cos, sin, tx], [-sin, cos, ty], [0, 0, 1]] (angle in degrees). */
export function makeTransform(translate: readonly [number, number], angleDeg: number): number[][] {
  const a = (angleDeg / 360) * 2 * Math.PI;
  const [s, c] = [Math.sin(a), Math.cos(a)];
  return [
    [c, s, translate[0]],
    [-s, c, translate[1]],
    [0, 0, 1],
  ];
}

/** inv(make_transform(translate, angle)) as the float32 [3, 3] tensor gen_images.py copies into the buffer. */
export function inputTransform(translate: readonly [number, number], angleDeg: number): Tensor<'float32'> {
  const m = makeTransform(translate, angleDeg);
  // The inverse of a rotation+translation [[R, t], [0, 1]] is [[Rᵀ, −Rᵀt], [0, 1]].
  const r = [
    [m[0][0], m[1][0]],
    [m[0][1], m[1][1]],
  ];
  const t = [m[0][2], m[1][2]];
  const inv = [
    [r[0][0], r[0][1], -(r[0][0] * t[0] + r[0][1] * t[1])],
    [r[1][0], r[1][1], -(r[1][0] * t[0] + r[1][1] * t[1])],
    [0, 0, 1],
  ];
  return Tensor.float32([3, 3], inv.flat());
}
