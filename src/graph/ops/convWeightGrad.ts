import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import type { ConvAttrs } from '../types.js';
import { apply, constant, type Value } from '../value.js';
import { gemm, matmul } from './matmul.js';
import { pad, reshape, slice, transpose } from './movement.js';
import { reduceSum } from './reduce.js';

/**
 * Weight gradient of Conv(input, W) given the output cotangent g, several ways. ONNX has no ConvGrad,
 * so each is built from Conv / Gemm / MatMul; all give [Cout, Cin/group, kh, kw] and agree up to
 * float rounding (checked by finite differences in vjp.test.ts). Which is fastest depends on the shape;
 * `chooseWeightGradMethod` holds the rule, measured with `npx tsx bench/weightGrad.ts`.
 *
 *   im2col    one-hot depthwise Conv im2col [N, Cin·k², Ho·Wo], transposed to [Cin·k², N·Ho·Wo],
 *             then one Gemm with the transposed cotangent (group 1); per-group batched MatMul + ΣN
 *             for grouped convs.
 *   stacked   the images stacked along the height axis (each padded to a whole number of stride
 *             rows), so one batch-1 im2col Conv already yields [Cin·k², N·R·Wo] and only the cheap
 *             transposes of x and g remain; the R − Ho rows between images are garbage in the columns
 *             but meet zero rows of the padded cotangent in the Gemm. Group 1, dilation 1.
 *   batched   im2col, then MatMul(g[N, Cout, HW], colsᵀ) per sample (ORT fuses the transpose) and
 *             a sum over N. Group 1.
 *   convtrick Conv over the batch/channel-swapped input with the swapped cotangent as its kernel
 *             (dilation = stride), cropped to k. Group 1.
 *   phase, phasestacked  stride s > 1: space-to-depth turns the conv into a stride-1 conv with a
 *             ⌈k/s⌉² kernel over Cin·s² phase channels (the one-hot im2col then does ⌈k/s⌉² instead of k²
 *             multiply-adds per column entry); its weight gradient (im2col or stacked) is reordered back.
 *             Group 1, dilation 1.
 */
export type WeightGradMethod = 'im2col' | 'stacked' | 'batched' | 'convtrick' | 'phase' | 'phasestacked';

/** Cached one-hot im2col kernels, keyed by channels, kernel size and dtype. */
const oneHotCache = new Map<string, Value>();

function oneHotKernel(c: number, kh: number, kw: number, dtype: 'float32' | 'float64'): Value {
  const key = `${c}:${kh}:${kw}:${dtype}`;
  let v = oneHotCache.get(key);
  if (!v) {
    const k2 = kh * kw;
    const t = dtype === 'float32' ? Tensor.float32([c * k2, 1, kh, kw]) : Tensor.float64([c * k2, 1, kh, kw]);
    for (let ch = 0; ch < c; ch++) for (let tap = 0; tap < k2; tap++) t.data[(ch * k2 + tap) * k2 + tap] = 1;
    v = constant(t);
    oneHotCache.set(key, v);
  }
  return v;
}

/** Columns [N, Cin·k², Ho, Wo] of the input under the conv's window (a depthwise one-hot Conv). */
function im2col(input: Value, kh: number, kw: number, a: ConvAttrs): Value {
  const cin = input.shape[1];
  return apply('Conv', [input, oneHotKernel(cin, kh, kw, input.dtype as 'float32' | 'float64')], {
    ...a,
    group: cin,
  });
}

function checkCols(cols: Value, g: Value): void {
  if (cols.shape[2] !== g.shape[2] || cols.shape[3] !== g.shape[3]) {
    throw new ShapeError(
      `Conv weight gradient: im2col gives ${formatShape(cols.shape)}, cotangent is ${formatShape(g.shape)}`,
    );
  }
}

function weightGradIm2col(input: Value, g: Value, kh: number, kw: number, a: ConvAttrs): Value {
  const [n, cin] = input.shape;
  const [, cout, ho, wo] = g.shape;
  const k2 = kh * kw;
  // A 1x1, stride-1, unpadded conv needs no im2col: the columns are the input itself.
  const plain1x1 = k2 === 1 && a.strides.every((s) => s === 1) && a.pads.every((p) => p === 0);
  const cols = plain1x1 ? input : im2col(input, kh, kw, a);
  checkCols(cols, g);
  const hw = ho * wo;
  if (a.group === 1) {
    const colsT = reshape(transpose(reshape(cols, [n, cin * k2, hw]), [1, 0, 2]), [cin * k2, n * hw]);
    const gT = reshape(transpose(g, [1, 0, 2, 3]), [cout, n * hw]);
    return reshape(gemm(gT, colsT, { transB: true }), [cout, cin, kh, kw]);
  }
  const gr = a.group;
  const colsG = reshape(cols, [n, gr, (cin / gr) * k2, hw]);
  const gG = reshape(g, [n, gr, cout / gr, hw]);
  const perSample = matmul(gG, transpose(colsG, [0, 1, 3, 2])); // [N, G, Cout/G, Cin/G·k²]
  return reshape(reduceSum(perSample, [0]), [cout, cin / gr, kh, kw]);
}

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

function weightGradStacked(input: Value, g: Value, kh: number, kw: number, a: ConvAttrs): Value {
  const [n, cin, h, w] = input.shape;
  const [, cout, ho, wo] = g.shape;
  const [sh, sw] = a.strides;
  const [pt, pl, , pr] = a.pads;
  // Rows per image: the top pad, the data and whatever the last valid window reads, a whole number of strides.
  const hp = roundUp(Math.max(h + pt, sh * (ho - 1) + kh), sh);
  const slots = hp / sh;
  const xp = pad(input, [0, 0, pt, 0, 0, 0, hp - h - pt, 0]);
  const stacked = reshape(transpose(xp, [1, 0, 2, 3]), [1, cin, n * hp, w]);
  // Extra rows below the last image so the strided window count is exactly N·slots.
  const below = Math.max(0, kh - sh);
  const cols = apply('Conv', [stacked, oneHotKernel(cin, kh, kw, input.dtype as 'float32' | 'float64')], {
    strides: a.strides,
    pads: [0, pl, below, pr],
    dilations: [1, 1],
    group: cin,
  });
  if (cols.shape[2] !== n * slots || cols.shape[3] !== wo || sw !== a.strides[1]) {
    throw new ShapeError(
      `Conv weight gradient (stacked): columns ${formatShape(cols.shape)} for cotangent ${formatShape(g.shape)}`,
    );
  }
  const gp = pad(g, [0, 0, 0, 0, 0, 0, slots - ho, 0]);
  const gT = reshape(transpose(gp, [1, 0, 2, 3]), [cout, n * slots * wo]);
  const colsM = reshape(cols, [cin * kh * kw, n * slots * wo]);
  return reshape(gemm(gT, colsM, { transB: true }), [cout, cin, kh, kw]);
}

function weightGradBatched(input: Value, g: Value, kh: number, kw: number, a: ConvAttrs): Value {
  const [n, cin] = input.shape;
  const [, cout, ho, wo] = g.shape;
  const cols = im2col(input, kh, kw, a);
  checkCols(cols, g);
  const per = matmul(
    reshape(g, [n, cout, ho * wo]),
    transpose(reshape(cols, [n, cin * kh * kw, ho * wo]), [0, 2, 1]),
  );
  return reshape(n === 1 ? per : reduceSum(per, [0]), [cout, cin, kh, kw]);
}

function weightGradConvTrick(input: Value, g: Value, kh: number, kw: number, a: ConvAttrs): Value {
  const xT = transpose(input, [1, 0, 2, 3]); // [Cin, N, H, W]
  const gT = transpose(g, [1, 0, 2, 3]); // [Cout, N, Ho, Wo]: the kernel
  const o = apply('Conv', [xT, gT], { strides: a.dilations, pads: a.pads, dilations: a.strides, group: 1 }); // [Cin, Cout, ≥kh, ≥kw]
  const cropped = o.shape[2] === kh && o.shape[3] === kw ? o : slice(o, [0, 0], [kh, kw], [2, 3]);
  return transpose(cropped, [1, 0, 2, 3]);
}

function weightGradPhase(
  input: Value,
  g: Value,
  kh: number,
  kw: number,
  a: ConvAttrs,
  inner: 'im2col' | 'stacked',
): Value {
  const [n, cin, h, w] = input.shape;
  const [, cout, ho, wo] = g.shape;
  const [sh, sw] = a.strides;
  const [kph, kpw] = [Math.ceil(kh / sh), Math.ceil(kw / sw)];
  // Rows [−pad_top, −pad_top + Hp) of the input: exactly what Ho windows of the phase kernel read.
  const [hp, wp] = [sh * (ho + kph - 1), sw * (wo + kpw - 1)];
  const [pt, pl] = [a.pads[0], a.pads[1]];
  const [pb, pr] = [hp - h - pt, wp - w - pl];
  let xp = pad(input, [0, 0, pt, pl, 0, 0, Math.max(0, pb), Math.max(0, pr)]);
  if (pb < 0 || pr < 0) xp = slice(xp, [0, 0], [hp, wp], [2, 3]);
  // [N, C, Hp/s, s, Wp/s, s] -> [N, C, s, s, Hp/s, Wp/s]: channel (c, ph, pw) holds rows ≡ ph, cols ≡ pw (mod s)
  const phases = reshape(transpose(reshape(xp, [n, cin, hp / sh, sh, wp / sw, sw]), [0, 1, 3, 5, 2, 4]), [
    n,
    cin * sh * sw,
    hp / sh,
    wp / sw,
  ]);
  const unit: ConvAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
  const dwp =
    inner === 'stacked'
      ? weightGradStacked(phases, g, kph, kpw, unit)
      : weightGradIm2col(phases, g, kph, kpw, unit);
  // dW'[o, (c, ph, pw), a, b] = dW[o, c, s·a + ph, s·b + pw]
  const full = reshape(transpose(reshape(dwp, [cout, cin, sh, sw, kph, kpw]), [0, 1, 4, 2, 5, 3]), [
    cout,
    cin,
    kph * sh,
    kpw * sw,
  ]);
  return full.shape[2] === kh && full.shape[3] === kw ? full : slice(full, [0, 0], [kh, kw], [2, 3]);
}

/** Which methods apply to this conv (im2col always does). */
export function weightGradMethods(a: ConvAttrs): WeightGradMethod[] {
  if (a.group !== 1) return ['im2col'];
  if (a.dilations.some((d) => d !== 1)) return ['im2col', 'batched', 'convtrick'];
  const strided = a.strides.some((s) => s > 1);
  return strided
    ? ['im2col', 'stacked', 'batched', 'convtrick', 'phase', 'phasestacked']
    : ['im2col', 'stacked', 'batched', 'convtrick'];
}

/**
 * The measured rule (`npx tsx bench/weightGrad.ts --shapes`, every weight gradient of the DCGAN and
 * StyleGAN2 training programs; README "Training steps and the PyTorch peer"). The conv trick's inner
 * Gemm is [Cout, N·Ho·Wo] x [N·Ho·Wo, k²]: with k² a multiple of 16 (4x4 kernels: all of DCGAN's) it
 * fills the CPU Gemm kernel's 16-column panels and is one ORT op instead of four (im2col, two
 * transposes, Gemm); it took 1.0-5x less CPU and 3-10x less wall time at load 25 on every DCGAN
 * shape. With 3x3 kernels (9 columns) it lost to im2col (0.63-0.9x CPU), as did the stacked, batched
 * and phase forms on the StyleGAN2 shapes, so everything else keeps im2col.
 */
export function chooseWeightGradMethod(
  input: Value,
  g: Value,
  kh: number,
  kw: number,
  a: ConvAttrs,
): WeightGradMethod {
  void input;
  void g;
  const fullPanels = (kh * kw) % 16 === 0;
  return a.group === 1 && fullPanels && weightGradMethods(a).includes('convtrick') ? 'convtrick' : 'im2col';
}

/**
 * Gradient of Conv(input, W) w.r.t. W given the output cotangent, by `method` (default: the measured
 * rule). Returns [Cout, Cin/group, kh, kw]. A method that does not apply to the conv falls back to im2col.
 */
export function convWeightGrad(
  input: Value,
  gOut: Value,
  kh: number,
  kw: number,
  a: ConvAttrs,
  method: WeightGradMethod = chooseWeightGradMethod(input, gOut, kh, kw, a),
): Value {
  const m = weightGradMethods(a).includes(method) ? method : 'im2col';
  if (m === 'stacked') return weightGradStacked(input, gOut, kh, kw, a);
  if (m === 'batched') return weightGradBatched(input, gOut, kh, kw, a);
  if (m === 'convtrick') return weightGradConvTrick(input, gOut, kh, kw, a);
  if (m === 'phase' || m === 'phasestacked')
    return weightGradPhase(input, gOut, kh, kw, a, m === 'phase' ? 'im2col' : 'stacked');
  return weightGradIm2col(input, gOut, kh, kw, a);
}
