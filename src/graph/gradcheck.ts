import type { FloatDType } from '../core/dtype.js';
import { isFloat } from '../core/dtype.js';
import { ArgumentError, RuntimeFailure } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { vjp } from './autodiff.js';
import { type Program, program } from './program.js';
import { input, Value } from './value.js';

/**
 * JAX-style `check_vjp`: for f with random inputs x, a random output cotangent c and random input
 * directions t, the central difference ⟨c, f(x+εt) − f(x−εt)⟩ / 2ε must equal ⟨t, Jᵀc⟩ from our VJP.
 * Each input is perturbed on its own, so a report names the input whose rule is wrong; by linearity of
 * J the per-input terms add up to the check with all inputs perturbed at once.
 *
 * Precision. Graphs run in float64 wherever ORT's CPU provider has double kernels. It has none for Conv
 * and ConvTranspose (onnxruntime-node 1.30: "Could not find an implementation for Conv(11)"); every
 * other primitive here, LeakyRelu and Softplus included, has one. `dtype: 'auto'` falls back to
 * float32 for graphs that need it. A central difference errs by truncation, ε²·|f'''|/6 relative to
 * |f'|, and by rounding, about u·|f|/(ε·|f'|) with u the output's unit roundoff (1.1e-16 in float64,
 * 6e-8 in float32, times the growth of long sums):
 *  - float64, smooth: ε = 1e-5 makes both ≈1e-10; the tolerance 1e-7 leaves three decades.
 *  - `linear: true`, for f of degree ≤ 2 in each input (Conv, MatMul, movement ops, bilinear products,
 *    R1 penalties of piecewise-linear nets with frozen kinks): the central difference of a quadratic
 *    is exact at any ε, so ε = 1 leaves rounding alone: ≈1e-7 in float32 (tolerance 1e-4), ≈1e-15 in
 *    float64 (tolerance 1e-9).
 *  - float32, smooth: Richardson, (4·D(ε/2) − D(ε))/3, cancels the ε² term, leaving O(ε⁴) plus
 *    rounding ≈3u/ε; ε = 3e-2 gives ≈1e-5 on the modulated conv (5e-5 on a second-order graph whose
 *    sum partly cancels); tolerance 1e-3.
 * The direction actually applied is (fl(x+εt) − fl(x−εt)) / 2ε, computed exactly in double, so input
 * rounding never counts as a gradient error.
 *
 * Kinks (ReLU, LeakyReLU, Abs, Clip, ReduceMax ties) break finite differences when x±εt straddles one
 * (engine-spike.md pitfall 5). Keep sampled inputs away from them (`randomTensor({ margin })`,
 * `distinctTensor`). For kinks inside a network either return their arguments as `guards` (if one
 * changes sign between x−εt, x and x+εt the check retries at ε/4, and fails after `attempts`), or, in
 * float32 where small ε drowns in rounding, pass a `reference` with the slopes frozen at x.
 */

/** What a checked function returns: its output, optionally with values whose sign must not flip. */
export type CheckedResult = Value | { out: Value; guards?: readonly Value[] };
export type CheckedFn = (inputs: Record<string, Value>) => CheckedResult;

/** Anything that compiles a program to something that runs it; `compile` from runtime/ fits. */
export type ProgramCompiler = (p: Program) => Promise<{ run(...inputs: Tensor[]): Promise<Tensor[]> }>;

export interface GradcheckOptions {
  /** Compiles the graphs (graph/ sits below runtime/, so the caller passes runtime's `compile`). */
  compile: ProgramCompiler;
  /** Label for the report, usually the op and the case. */
  name?: string;
  /** float64 (default 'auto': float64 unless the runtime lacks a double kernel, then float32). */
  dtype?: FloatDType | 'auto';
  /** The function is linear (or bilinear, or quadratic) in each input: ε = 1 is exact. */
  linear?: boolean;
  eps?: number;
  tolerance?: number;
  /** Seed for the cotangent and the directions. */
  seed?: number;
  /** Tries at ε, ε/4, ε/16... when a guard changes sign. Default 4. */
  attempts?: number;
  /**
   * Richardson extrapolation, (4·D(ε/2) − D(ε))/3, which cancels the ε² truncation term so float32
   * can use a larger ε. Default: on for float32 checks that are not `linear`.
   */
  richardson?: boolean;
  /**
   * A function with the same value and derivative at the inputs, used for the finite differences
   * instead of the checked one: e.g. the network with its ReLU masks frozen at x, which is linear in
   * each input, so ε = 1 is exact and float32 rounding is all that is left. Its output at x must
   * match the checked function's.
   */
  reference?: CheckedFn;
}

export interface GradcheckEntry {
  input: string;
  fd: number;
  vjp: number;
  relError: number;
}

export interface GradcheckReport {
  name: string;
  dtype: FloatDType;
  /** Why float32 was used under 'auto' (the op ORT has no double kernel for). */
  fallback?: string;
  eps: number;
  /** ⟨J·t, c⟩ by central differences, summed over inputs. */
  fd: number;
  /** ⟨t, Jᵀ·c⟩ from the VJP. */
  vjp: number;
  /** Worst relative error over the inputs. */
  relError: number;
  tolerance: number;
  ok: boolean;
  /** A guard changed sign at every ε tried. */
  kinkCrossed: boolean;
  entries: GradcheckEntry[];
}

const COTANGENT = 'gradcheck_cotangent';

/** Checks the VJP of `fn` at `inputs`. Non-float inputs (indices) are fed as given and not perturbed. */
export async function gradcheck(
  fn: CheckedFn,
  inputs: Readonly<Record<string, Tensor>>,
  options: GradcheckOptions,
): Promise<GradcheckReport> {
  const want = options.dtype ?? 'auto';
  if (want !== 'auto') return checkAt(fn, inputs, want, options);
  try {
    return await checkAt(fn, inputs, 'float64', options);
  } catch (err) {
    const missing = err instanceof RuntimeFailure && /implementation for (\w+)/.exec(err.message);
    if (!missing) throw err;
    return { ...(await checkAt(fn, inputs, 'float32', options)), fallback: missing[1] };
  }
}

function defaults(dtype: FloatDType, linear: boolean): { eps: number; tolerance: number } {
  if (linear) return { eps: 1, tolerance: dtype === 'float64' ? 1e-9 : 1e-4 };
  return dtype === 'float64' ? { eps: 1e-5, tolerance: 1e-7 } : { eps: 3e-2, tolerance: 1e-3 };
}

async function checkAt(
  fn: CheckedFn,
  given: Readonly<Record<string, Tensor>>,
  dtype: FloatDType,
  options: GradcheckOptions,
): Promise<GradcheckReport> {
  const xs: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(given)) xs[k] = isFloat(t.dtype) ? convert(t, dtype) : t;
  const names = Object.keys(xs);
  const floatNames = names.filter((k) => isFloat(xs[k].dtype));
  if (!floatNames.length) throw new ArgumentError('gradcheck: no float inputs to differentiate');

  const vals: Record<string, Value> = {};
  for (const k of names) vals[k] = input(k, xs[k].shape, xs[k].dtype);
  const res = fn(vals);
  const out = res instanceof Value ? res : res.out;
  const guards = res instanceof Value ? [] : [...(res.guards ?? [])];
  if (!isFloat(out.dtype)) throw new ArgumentError(`gradcheck: output ${out} is not a float tensor`);
  const c = input(COTANGENT, out.shape, out.dtype);
  const grads = vjp(
    [out],
    [c],
    floatNames.map((k) => vals[k]),
  );
  const exe = await options.compile(program([...names.map((k) => vals[k]), c], [out, ...guards, ...grads]));
  const fdExe = options.reference
    ? await options.compile(referenceProgram(options.reference, xs, out))
    : undefined;

  const rng = new RandomState(options.seed ?? 0);
  const cot = normalLike(out.shape, out.dtype as FloatDType, rng);
  const cotData = cot.data as ArrayLike<number>;
  const dirs = Object.fromEntries(floatNames.map((k) => [k, rng.randn(xs[k].size)]));
  const base = await exe.run(...names.map((k) => xs[k]), cot);
  const gradOf = Object.fromEntries(floatNames.map((k, i) => [k, base[1 + guards.length + i]]));
  // Finite differences run the reference when there is one, else the checked graph.
  const runFd = fdExe
    ? (feed: Record<string, Tensor>) => fdExe.run(...names.map((k) => feed[k]))
    : (feed: Record<string, Tensor>) => exe.run(...names.map((k) => feed[k]), cot);
  const fdBase = fdExe ? await runFd(xs) : base;
  if (fdExe) sameOutput(base[0], fdBase[0], dtype);
  const baseGuards = fdBase.slice(1, fdBase.length - (fdExe ? 0 : grads.length));

  const d = defaults(dtype, options.linear ?? false);
  const tolerance = options.tolerance ?? d.tolerance;
  const richardson = options.richardson ?? (dtype === 'float32' && !options.linear);

  // ⟨c, f(x+εt) − f(x−εt)⟩ / 2ε and the matching ⟨t_eff, Jᵀc⟩; null when a guard flips sign.
  const central = async (k: string, eps: number): Promise<[number, number] | null> => {
    const [p, m, eff] = perturb(xs[k], dirs[k], eps);
    const yp = await runFd({ ...xs, [k]: p });
    const ym = await runFd({ ...xs, [k]: m });
    if (flipped(baseGuards, yp) || flipped(baseGuards, ym)) return null;
    const fd =
      (inner(cotData, yp[0].data as ArrayLike<number>) - inner(cotData, ym[0].data as ArrayLike<number>)) /
      (2 * eps);
    return [fd, inner(eff, gradOf[k].data as ArrayLike<number>)];
  };

  // One pass at a given ε; null when a kink lies within ε.
  const measure = async (eps: number): Promise<GradcheckEntry[] | null> => {
    const entries: GradcheckEntry[] = [];
    for (const k of floatNames) {
      const whole = await central(k, eps);
      const half = richardson ? await central(k, eps / 2) : whole;
      if (!whole || !half) return null;
      // Richardson: (4·D(ε/2) − D(ε)) / 3 cancels the ε² term of both sides alike.
      const [fd, vjpDot] = richardson ? [0, 1].map((i) => (4 * half[i] - whole[i]) / 3) : whole;
      const gk = gradOf[k].data as ArrayLike<number>;
      entries.push({ input: k, fd, vjp: vjpDot, relError: relErr(fd, vjpDot, Math.sqrt(inner(gk, gk))) });
    }
    return entries;
  };

  let eps = options.eps ?? d.eps;
  let entries = await measure(eps);
  for (let a = 1; !entries && a < (options.attempts ?? 4); a++) {
    eps /= 4;
    entries = await measure(eps);
  }
  const kinkCrossed = !entries;
  entries ??= [];
  // ⟨J·t, c⟩ = Σᵢ ⟨Jᵢ·tᵢ, c⟩: the per-input checks add up to the whole one.
  const sum = (f: (e: GradcheckEntry) => number) => entries.reduce((acc, e) => acc + f(e), 0);
  const relError = entries.length ? Math.max(...entries.map((e) => e.relError)) : Number.POSITIVE_INFINITY;
  return {
    name: options.name ?? 'gradcheck',
    dtype,
    eps,
    fd: sum((e) => e.fd),
    vjp: sum((e) => e.vjp),
    relError,
    tolerance,
    ok: !kinkCrossed && relError <= tolerance,
    kinkCrossed,
    entries,
  };
}

/** The reference's program: the same named inputs, its output and guards. */
function referenceProgram(ref: CheckedFn, xs: Record<string, Tensor>, out: Value): Program {
  const vals: Record<string, Value> = {};
  for (const [k, t] of Object.entries(xs)) vals[k] = input(k, t.shape, t.dtype);
  const res = ref(vals);
  const rOut = res instanceof Value ? res : res.out;
  if (rOut.dtype !== out.dtype || rOut.shape.join() !== out.shape.join()) {
    throw new ArgumentError(`gradcheck: reference output ${rOut} does not match ${out}`);
  }
  return program(Object.values(vals), [rOut, ...(res instanceof Value ? [] : (res.guards ?? []))]);
}

/** The reference must compute the same function at x (up to rounding) to stand in for it. */
function sameOutput(a: Tensor, b: Tensor, dtype: FloatDType): void {
  const ad = a.data as ArrayLike<number>;
  const bd = b.data as ArrayLike<number>;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < ad.length; i++) {
    scale = Math.max(scale, Math.abs(ad[i]));
    diff = Math.max(diff, Math.abs(ad[i] - bd[i]));
  }
  if (diff > (dtype === 'float64' ? 1e-12 : 1e-5) * scale) {
    throw new ArgumentError(
      `gradcheck: the reference differs from the function at x by ${diff} (scale ${scale})`,
    );
  }
}

/**
 * |fd − vjp| relative to the larger of the two and of ‖Jᵀc‖₂: with t ~ N(0, I), ⟨t, Jᵀc⟩ is normal
 * with standard deviation ‖Jᵀc‖₂, so a sum that happens to cancel does not inflate the error.
 */
function relErr(a: number, b: number, typical: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b), typical);
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

function inner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function convert(t: Tensor, dtype: FloatDType): Tensor {
  return dtype === 'float64' ? t.toFloat64() : t.toFloat32();
}

/** x ± εt rounded to x's dtype, and the direction those two points really differ by. */
function perturb(x: Tensor, t: Float64Array, eps: number): [Tensor, Tensor, Float64Array] {
  const xd = x.data as Float32Array | Float64Array;
  const p = x.clone();
  const m = x.clone();
  const pd = p.data as Float32Array | Float64Array;
  const md = m.data as Float32Array | Float64Array;
  const eff = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) {
    pd[i] = xd[i] + eps * t[i];
    md[i] = xd[i] - eps * t[i];
    eff[i] = (pd[i] - md[i]) / (2 * eps);
  }
  return [p, m, eff];
}

/** Whether any guard (outputs 1..) has an element whose sign differs from the base run. */
function flipped(base: readonly Tensor[], run: readonly Tensor[]): boolean {
  return base.some((g, j) => {
    const b = g.data as ArrayLike<number>;
    const v = run[1 + j].data as ArrayLike<number>;
    for (let i = 0; i < b.length; i++) if (b[i] > 0 !== v[i] > 0) return true;
    return false;
  });
}

function normalLike(shape: Shape, dtype: FloatDType, rng: RandomState): Tensor {
  const t = Tensor.zeros(dtype, shape);
  t.data.set(rng.randn(t.size));
  return t;
}

export interface RandomTensorOptions {
  dtype?: FloatDType;
  /** Values are drawn uniformly from [min, max]. Default [-1, 1]. */
  min?: number;
  max?: number;
  /** Keep |x| ≥ margin (away from the kink of ReLU-like ops at 0): values are ±U(margin, max). */
  margin?: number;
}

/** A seeded uniform tensor for gradient checks. */
export function randomTensor(shape: Shape, seed: number, o: RandomTensorOptions = {}): Tensor {
  const { min = -1, max = 1, margin = 0 } = o;
  if (margin > 0 && (min !== -max || margin >= max)) {
    throw new ArgumentError(
      `randomTensor: margin ${margin} needs a symmetric range wider than it, got [${min}, ${max}]`,
    );
  }
  const rng = new RandomState(seed);
  const t = Tensor.zeros(o.dtype ?? 'float64', shape);
  for (let i = 0; i < t.size; i++) {
    const u = rng.randomSample();
    // With a margin: a random sign times a magnitude uniform in [margin, max].
    t.data[i] =
      margin > 0
        ? (rng.randomSample() < 0.5 ? -1 : 1) * (margin + (max - margin) * u)
        : min + (max - min) * u;
  }
  return t;
}

/**
 * A tensor whose values are a seeded permutation of evenly spaced numbers in [min, max], so maxima
 * are unique and at least (max−min)/(size−1) apart: ReduceMax never ties, even after perturbation.
 */
export function distinctTensor(
  shape: Shape,
  seed: number,
  o: Omit<RandomTensorOptions, 'margin'> = {},
): Tensor {
  const { min = -1, max = 1 } = o;
  const t = Tensor.zeros(o.dtype ?? 'float64', shape);
  const perm = new RandomState(seed).permutation(t.size);
  const step = t.size > 1 ? (max - min) / (t.size - 1) : 0;
  perm.forEach((p, i) => {
    t.data[i] = min + p * step;
  });
  return t;
}

/** A plain-text table of reports, one row each, for logs and reviews. */
export function formatReports(reports: readonly GradcheckReport[]): string {
  const rows = reports.map((r) =>
    [
      r.name,
      r.dtype + (r.fallback ? ` (no f64 ${r.fallback})` : ''),
      r.eps.toExponential(0),
      r.fd.toPrecision(10),
      r.vjp.toPrecision(10),
      r.relError.toExponential(2),
      r.ok ? 'ok' : 'FAIL',
    ].join(' | '),
  );
  return ['op | dtype | eps | fd | vjp | rel. error | ', ...rows].join('\n');
}
