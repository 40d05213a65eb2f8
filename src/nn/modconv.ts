import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { conv2d, convTranspose2d } from '../graph/ops/conv.js';
import { add, mul, reciprocal, sqrt } from '../graph/ops/elementwise.js';
import { matmul } from '../graph/ops/matmul.js';
import { reshape, transpose } from '../graph/ops/movement.js';
import { reduceSum } from '../graph/ops/reduce.js';
import type { Value } from '../graph/value.js';
import { filter2d } from './fir.js';

export interface ModulatedConvOptions {
  /** Divide each output channel by its weight norm (StyleGAN2's demodulation). */
  demodulate?: boolean;
  /** 2 for the synthesis layers that double resolution (transposed conv + FIR). */
  up?: 1 | 2;
  /** Padding of the stride-1 conv (kernel // 2 in NVIDIA's code). */
  padding?: number;
  /** FIR filter used after the transposed conv when up = 2. */
  resampleFilter?: Tensor;
  /** Added after demodulation, before bias (NVIDIA adds noise inside modulated_conv2d). */
  noise?: Value | null;
  /**
   * 'shared': x·s → one conv with the shared (constant, pre-packed) weight → ·d. Never computes a
   * per-sample weight, so gradients w.r.t. latents need no weight gradient. 'grouped': per-sample
   * weights in one grouped conv (NVIDIA's fused_modconv). Both are exact; they differ in rounding.
   */
  path?: 'shared' | 'grouped';
}

/**
 * StyleGAN2 modulated convolution. x [N, I, H, W], weight [O, I, k, k], styles [N, I].
 * dcoefs[n,o] = rsqrt(Σ_i s[n,i]² Σ_k W[o,i,k]² + 1e-8), computed as one small matmul.
 */
export function modulatedConv2d(x: Value, weight: Value, styles: Value, opts: ModulatedConvOptions = {}): Value {
  const { demodulate = true, up = 1, padding = 0, noise = null, path = 'shared' } = opts;
  const [n, cin] = x.shape;
  const [cout, , kh, kw] = weight.shape;
  let dcoefs: Value | null = null;
  if (demodulate) {
    const wsq = reduceSum(mul(weight, weight), [2, 3]); // [O, I]
    dcoefs = reciprocal(sqrt(add(matmul(mul(styles, styles), transpose(wsq, [1, 0])), 1e-8))); // [N, O]
  }
  let y: Value;
  if (path === 'shared') {
    y = convMaybeUp(mul(x, reshape(styles, [n, cin, 1, 1])), weight, up, padding, opts.resampleFilter);
    if (dcoefs) y = mul(y, reshape(dcoefs, [n, cout, 1, 1]));
  } else {
    let w = mul(reshape(weight, [1, cout, cin, kh, kw]), reshape(styles, [n, 1, cin, 1, 1]));
    if (dcoefs) w = mul(w, reshape(dcoefs, [n, cout, 1, 1, 1]));
    const xg = reshape(x, [1, n * cin, x.shape[2], x.shape[3]]);
    let yg: Value;
    if (up === 1) {
      yg = conv2d(xg, reshape(w, [n * cout, cin, kh, kw]), undefined, { padding, groups: n });
    } else {
      // ConvTranspose wants [N·I, O, k, k] per group: swap O and I inside each sample's slab.
      const wt = reshape(transpose(w, [0, 2, 1, 3, 4]), [n * cin, cout, kh, kw]);
      yg = upFilter(convTranspose2d(xg, wt, undefined, { stride: 2, groups: n }), opts.resampleFilter);
    }
    y = reshape(yg, [n, cout, yg.shape[2], yg.shape[3]]);
  }
  return noise ? add(y, noise) : y;
}

/** Stride-1 conv, or (up = 2) a stride-2 transposed conv with the weight viewed [I, O, k, k] + FIR. */
function convMaybeUp(x: Value, weight: Value, up: 1 | 2, padding: number, f: Tensor | undefined): Value {
  if (up === 1) return conv2d(x, weight, undefined, { padding });
  return upFilter(convTranspose2d(x, transpose(weight, [1, 0, 2, 3]), undefined, { stride: 2 }), f);
}

function upFilter(x: Value, f: Tensor | undefined): Value {
  if (!f) throw new ArgumentError('modulatedConv2d: up=2 needs a resample filter');
  // 2H+1 after the transposed conv; the 4-tap filter with gain up² and pad 1 brings it to 2H.
  const fw = f.shape[1];
  const p = (fw - 2) / 2;
  return filter2d(x, f, [p, p, p, p], 4);
}
