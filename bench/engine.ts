/**
 * Engine cases, all measured in one run on the same shapes:
 *  (a) a 4-layer 3×3 conv stack (Conv + bias + LeakyReLU 0.2): shape A = N8 C64 32², shape B = N16 C128 16²;
 *  (b) a StyleGAN2 modulated-conv block N4 C128 32² 3×3 (styles from an affine of w[N,512], demodulation,
 *      noise, bias, lrelu·√2) through src/nn's modulatedConv2d: the non-fused path (x·s → shared conv
 *      → ·d) and the fused grouped path;
 *  (c) the ceiling: one plain Conv N16 C128 32² 3×3 with its weight as an initializer.
 * Each of (a) and (b) comes as forward, forward+backward w.r.t. the input with constant weights, and
 * forward+backward w.r.t. input and weights (weights fed as graph inputs, training-style).
 *
 * FLOPs are 2·MACs of the convolutions only (elementwise ops, the style affine and the demodulation
 * are left out: < 0.1 % here). Forward+backward w.r.t. the input counts 2× the forward conv FLOPs
 * (forward + dx); adding the weight gradient counts 3×. The fused path's latent gradient needs the
 * gradient of the per-sample weights too (3× the work), but is counted at 2× like every input-gradient
 * case: its figure is the throughput of the same task, not of the work it chose to do.
 */
import type { Tensor } from '../src/core/tensor.js';
import { grad } from '../src/graph/autodiff.js';
import { conv2d } from '../src/graph/ops/conv.js';
import { add, leakyRelu, mul } from '../src/graph/ops/elementwise.js';
import { gemm } from '../src/graph/ops/matmul.js';
import { reshape } from '../src/graph/ops/movement.js';
import { reduceSum } from '../src/graph/ops/reduce.js';
import { type Program, trace } from '../src/graph/program.js';
import { constant, type Value } from '../src/graph/value.js';
import { modulatedConv2d } from '../src/nn/modconv.js';
import { full, uniform, weight } from './data.js';
import type { Target } from './harness.js';

export interface ProgramCase {
  /** Unique key, `--only` matches it or its prefix before the dot. */
  name: string;
  group: string;
  label: string;
  flops: number;
  target?: Target;
  note?: string;
  /** trace (+ autodiff): builds a fresh program every call (the build-time measurement calls it again). */
  build: () => Program;
  /** Feeds by input name (made once, reused by every call). */
  feeds: () => Record<string, Tensor>;
}

export type Mode = 'fwd' | 'fwdWin' | 'bwdx' | 'train';

export const TARGET_FWD: Target = { minRatio: 0.8, text: 'fwd >= 80% ceil' };
export const TARGET_BWDX: Target = { minRatio: 0.4, text: 'f+b(x) >= 40% ceil' };

const MODE_LABEL: Record<Mode, string> = {
  fwd: 'fwd, W const',
  fwdWin: 'fwd, W input',
  bwdx: 'fwd+bwd(x), W const',
  train: 'fwd+bwd(x,W), W input',
};
const MODE_MULT: Record<Mode, number> = { fwd: 1, fwdWin: 1, bwdx: 2, train: 3 };
const MODE_TARGET: Partial<Record<Mode, Target>> = { fwd: TARGET_FWD, bwdx: TARGET_BWDX };

/** 2·MACs of one convolution. */
export function convFlops(
  n: number,
  cout: number,
  cinPerGroup: number,
  k: number,
  ho: number,
  wo: number,
): number {
  return 2 * n * cout * cinPerGroup * k * k * ho * wo;
}

function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => {
    v ??= make();
    return v;
  };
}

// ---- (c) ceiling and probe ------------------------------------------------------------------

/** One plain Conv, weight an initializer, pads 1 (the ceiling: ORT's best case, NCHWc pre-packed). */
export function singleConv(
  name: string,
  group: string,
  n: number,
  c: number,
  hw: number,
  seed: number,
): ProgramCase {
  const W = weight([c, c, 3, 3], seed);
  const x = once(() => ({ x: uniform([n, c, hw, hw], -1, 1, seed + 1) }));
  return {
    name,
    group,
    label: `Conv N${n} C${c} ${hw}x${hw} 3x3, W init`,
    flops: convFlops(n, c, c, 3, hw, hw),
    build: () =>
      trace({ x: { shape: [n, c, hw, hw] } }, ({ x }) => conv2d(x, constant(W), undefined, { padding: 1 })),
    feeds: x,
  };
}

export const ceilingCase = (): ProgramCase => singleConv('ceiling', '(c) ceiling', 16, 128, 32, 100);
/** Small conv re-timed at both ends of every round to detect noisy windows (about 2 ms). */
export const probeCase = (): ProgramCase => singleConv('probe', 'probe', 4, 64, 32, 200);

// ---- (a) conv stack ---------------------------------------------------------------------------

export interface StackShape {
  tag: string;
  n: number;
  c: number;
  hw: number;
  layers: number;
}

export const STACK_A: StackShape = { tag: 'stackA', n: 8, c: 64, hw: 32, layers: 4 };
export const STACK_B: StackShape = { tag: 'stackB', n: 16, c: 128, hw: 16, layers: 4 };

export function stackForward(x: Value, ws: readonly Value[], bs: readonly Value[]): Value {
  let h = x;
  for (let i = 0; i < ws.length; i++) h = leakyRelu(conv2d(h, ws[i], bs[i], { padding: 1 }), 0.2);
  return h;
}

export function stackCase(s: StackShape, mode: Mode): ProgramCase {
  const { n, c, hw, layers } = s;
  const xs = [n, c, hw, hw];
  const W = Array.from({ length: layers }, (_, i) => weight([c, c, 3, 3], 10 + i));
  const B = Array.from({ length: layers }, (_, i) => uniform([c], -0.1, 0.1, 20 + i));
  const wIn = mode === 'train' || mode === 'fwdWin';
  const specs: Record<string, { shape: number[] }> = { x: { shape: xs } };
  if (mode === 'bwdx' || mode === 'train') specs.r = { shape: xs };
  if (wIn) {
    W.forEach((w, i) => {
      specs[`w${i}`] = { shape: [...w.shape] };
      specs[`b${i}`] = { shape: [c] };
    });
  }
  const feeds = once(() => {
    const f: Record<string, Tensor> = { x: uniform(xs, -1, 1, 1) };
    if (specs.r) f.r = uniform(xs, -1, 1, 2);
    if (wIn) {
      W.forEach((w, i) => {
        f[`w${i}`] = w;
        f[`b${i}`] = B[i];
      });
    }
    return f;
  });
  const build = () =>
    trace(specs, (ins) => {
      const ws = W.map((w, i) => (wIn ? ins[`w${i}`] : constant(w)));
      const bs = B.map((b, i) => (wIn ? ins[`b${i}`] : constant(b)));
      const y = stackForward(ins.x, ws, bs);
      if (mode === 'fwd' || mode === 'fwdWin') return { y };
      const loss = reduceSum(mul(y, ins.r));
      const wrt = mode === 'bwdx' ? [ins.x] : [ins.x, ...ws, ...bs];
      const g = grad(loss, wrt);
      const out: Record<string, Value> = { loss, gx: g[0] };
      g.slice(1).forEach((v, i) => {
        out[`g${i}`] = v;
      });
      return out;
    });
  return {
    name: `${s.tag}.${mode}`,
    group: `(a) ${s.tag} N${n} C${c} ${hw}x${hw} x${layers}`,
    label: MODE_LABEL[mode],
    flops: MODE_MULT[mode] * layers * convFlops(n, c, c, 3, hw, hw),
    target: MODE_TARGET[mode],
    build,
    feeds,
  };
}

// ---- (b) StyleGAN2 modulated conv -------------------------------------------------------------

export interface ModShape {
  n: number;
  c: number;
  hw: number;
  wDim: number;
}

export const MOD: ModShape = { n: 4, c: 128, hw: 32, wDim: 512 };

export interface ModParams {
  W: Value; // [Cout, Cin, 3, 3]
  A: Value; // [Cin, wDim]   style affine (FullyConnected with weight gain 1/sqrt(wDim))
  bA: Value; // [Cin]        affine bias (init 1)
  bias: Value; // [Cout]
  strength: Value; // []     noise strength
}

/** styles s[N, Cin] = w · Aᵀ / √wDim + bA */
function styles(wlat: Value, p: ModParams, wDim: number): Value {
  return add(mul(gemm(wlat, p.A, { transB: true }), 1 / Math.sqrt(wDim)), p.bA);
}

/**
 * The block through the library's own layer (src/nn/modconv.ts), so the bench times what latentlab runs:
 * path 'shared' = non-fused (x·s → conv with the shared weight → ·d, NVIDIA's fused_modconv=False),
 * 'grouped' = fused (per-sample modulated, demodulated weights, one conv with group = N).
 */
export function modconvBlock(
  x: Value,
  wlat: Value,
  noise: Value,
  p: ModParams,
  m: ModShape,
  path: 'shared' | 'grouped',
): Value {
  const s = styles(wlat, p, m.wDim);
  const y = modulatedConv2d(x, p.W, s, { padding: 1, path, noise: mul(noise, p.strength) });
  return mul(leakyRelu(add(y, reshape(p.bias, [1, m.c, 1, 1])), 0.2), Math.SQRT2);
}

export function modCase(
  path: 'modconv' | 'fused',
  mode: Exclude<Mode, 'fwdWin'>,
  m: ModShape = MOD,
): ProgramCase {
  const { n, c, hw, wDim } = m;
  const xs = [n, c, hw, hw];
  const P = {
    W: uniform([c, c, 3, 3], -1, 1, 30), // StyleGAN2 keeps unit-variance weights; demodulation normalises
    A: uniform([c, wDim], -1.7, 1.7, 31),
    bA: full([c], 1),
    bias: uniform([c], -0.1, 0.1, 32),
    strength: full([], 0.1),
  };
  const train = mode === 'train';
  const specs: Record<string, { shape: number[] }> = {
    x: { shape: xs },
    wlat: { shape: [n, wDim] },
    noise: { shape: [n, 1, hw, hw] },
  };
  if (mode !== 'fwd') specs.r = { shape: xs };
  if (train) for (const [k, t] of Object.entries(P)) specs[k] = { shape: [...t.shape] };
  const feeds = once(() => {
    const f: Record<string, Tensor> = {
      x: uniform(xs, -1, 1, 3),
      wlat: uniform([n, wDim], -1.7, 1.7, 4),
      noise: uniform([n, 1, hw, hw], -1.7, 1.7, 5),
    };
    if (specs.r) f.r = uniform(xs, -1, 1, 6);
    if (train) Object.assign(f, P);
    return f;
  });
  const build = () =>
    trace(specs, (ins) => {
      const p: ModParams = train
        ? { W: ins.W, A: ins.A, bA: ins.bA, bias: ins.bias, strength: ins.strength }
        : {
            W: constant(P.W),
            A: constant(P.A),
            bA: constant(P.bA),
            bias: constant(P.bias),
            strength: constant(P.strength),
          };
      const y = modconvBlock(ins.x, ins.wlat, ins.noise, p, m, path === 'modconv' ? 'shared' : 'grouped');
      if (mode === 'fwd') return { y };
      const loss = reduceSum(mul(y, ins.r));
      const wrt = train ? [ins.x, ins.wlat, p.W, p.A, p.bA, p.bias, p.strength] : [ins.x, ins.wlat];
      const g = grad(loss, wrt);
      const out: Record<string, Value> = { loss };
      g.forEach((v, i) => {
        out[`g${i}`] = v;
      });
      return out;
    });
  const labels: Record<typeof mode, string> = {
    fwd: 'fwd, W const',
    bwdx: 'fwd+bwd(x,w_lat), W const',
    train: 'fwd+bwd(x,w_lat,W..), W input',
  };
  return {
    name: `${path}.${mode}`,
    group:
      path === 'modconv'
        ? `(b) modconv non-fused N${n} C${c} ${hw}x${hw} (x*s -> conv -> *d)`
        : `(b) modconv fused N${n} C${c} ${hw}x${hw} (group=${n})`,
    label: labels[mode],
    flops: MODE_MULT[mode] * convFlops(n, c, c, 3, hw, hw),
    target: MODE_TARGET[mode],
    note: path === 'fused' && mode === 'bwdx' ? 'latent grad needs dWm: 3x work, counted 2x' : undefined,
    build,
    feeds,
  };
}

/** Every engine case, in table order (the ceiling first). */
export function engineCases(): ProgramCase[] {
  const out: ProgramCase[] = [ceilingCase()];
  for (const s of [STACK_A, STACK_B])
    for (const mode of ['fwd', 'fwdWin', 'bwdx', 'train'] as const) out.push(stackCase(s, mode));
  for (const path of ['modconv', 'fused'] as const)
    for (const mode of ['fwd', 'bwdx', 'train'] as const) out.push(modCase(path, mode));
  return out;
}
