import { ArgumentError, ShapeError } from '../core/errors.js';
import { strongWolfe } from './lineSearch.js';

export type FloatVector = Float32Array | Float64Array;

/** Value and gradient at x; may be async so one evaluation can be an ONNX Runtime graph run. */
export type Objective<X extends FloatVector> = (
  x: X,
) => Promise<{ value: number; grad: FloatVector }> | { value: number; grad: FloatVector };

export interface LbfgsOptions {
  /** Curvature pairs kept (m). Default 10. */
  historySize?: number;
  /** Iterations (line searches). Default 100. */
  maxIter?: number;
  /** Objective evaluations, the initial one included. Default ⌊1.25·maxIter⌋ (torch). */
  maxEval?: number;
  /** Stop when max|grad| ≤ this. Default 1e-7 (torch). */
  toleranceGrad?: number;
  /** Stop when max|step| or |Δvalue| falls below this. Default 1e-9 (torch). */
  toleranceChange?: number;
  /** Scale of the first trial step of each line search. Default 1. */
  lr?: number;
  /** Strong-Wolfe constants. Defaults 1e-4 and 0.9. */
  c1?: number;
  c2?: number;
  /** Evaluations per line search. Default 25. */
  maxLineSearchEvals?: number;
  /** Called after each iteration; returning true stops the run (reason 'callback'). */
  onIteration?: (info: { iteration: number; value: number; evaluations: number }) => unknown;
}

export type LbfgsStopReason =
  | 'gradientTolerance' // max|grad| ≤ toleranceGrad: converged
  | 'stepTolerance' // the accepted step moved x by ≤ toleranceChange (max-norm)
  | 'valueTolerance' // |Δvalue| < toleranceChange, or the predicted decrease −g·d is below it
  | 'noDescent' // g·d ≥ 0: the search direction does not go downhill
  | 'lineSearchFailed' // no trial point along d decreased the value (often: the float32 noise floor)
  | 'nonFinite' // the objective returned NaN/Inf at the start, or only NaN/Inf along d
  | 'maxIter'
  | 'maxEval'
  | 'callback';

export interface LbfgsResult<X extends FloatVector> {
  /** Best point (the last accepted one), same dtype as x0. */
  x: X;
  value: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  reason: LbfgsStopReason;
  /** Value after each iteration, starting with the initial value. */
  values: number[];
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0)
    throw new ArgumentError(`lbfgs: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Minimises `objective` from `x0` with L-BFGS (two-loop recursion, N&W Alg. 7.4) and a strong-Wolfe
 * line search, following torch.optim.LBFGS(line_search_fn='strong_wolfe'): same first step
 * min(1, 1/‖g‖₁)·lr, same curvature-pair test (y·s > 1e-10), same stopping tests. Work vectors are
 * float64; trial points are stored in x0's dtype, so a float32 objective sees float32 inputs and
 * the recorded step s is the step actually taken after rounding.
 */
export async function lbfgs<X extends FloatVector>(
  objective: Objective<X>,
  x0: X,
  options: LbfgsOptions = {},
): Promise<LbfgsResult<X>> {
  const n = x0.length;
  const m = positiveInt('historySize', options.historySize ?? 10);
  const maxIter = positiveInt('maxIter', options.maxIter ?? 100);
  const maxEval = positiveInt('maxEval', options.maxEval ?? Math.floor(maxIter * 1.25));
  const maxLs = positiveInt('maxLineSearchEvals', options.maxLineSearchEvals ?? 25);
  const tolGrad = options.toleranceGrad ?? 1e-7;
  const tolChange = options.toleranceChange ?? 1e-9;
  const lr = options.lr ?? 1;
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  if (!(0 < c1 && c1 < c2 && c2 < 1))
    throw new ArgumentError(`lbfgs: need 0 < c1 < c2 < 1, got c1=${c1}, c2=${c2}`);
  if (!(lr > 0) || !Number.isFinite(lr))
    throw new ArgumentError(`lbfgs: lr must be finite and > 0, got ${lr}`);

  const make = (): X => (x0 instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)) as X;
  let evaluations = 0;
  // Non-finite values become +Infinity so the line search treats them as "step too long".
  const evaluate = async (x: X): Promise<{ f: number; g: Float64Array }> => {
    const r = await objective(x);
    evaluations++;
    if (r.grad.length !== n)
      throw new ShapeError(`lbfgs: objective returned a gradient of ${r.grad.length} elements for x of ${n}`);
    const g = Float64Array.from(r.grad);
    let finite = Number.isFinite(r.value);
    for (let i = 0; finite && i < n; i++) finite = Number.isFinite(g[i]);
    return { f: finite ? r.value : Number.POSITIVE_INFINITY, g };
  };
  const along = (x: X, t: number, d: Float64Array): X => {
    const out = make();
    for (let i = 0; i < n; i++) out[i] = x[i] + t * d[i];
    return out;
  };

  let x = make();
  x.set(x0);
  let { f, g } = await evaluate(x);
  const values = [f];
  const result = (reason: LbfgsStopReason, iterations: number): LbfgsResult<X> => ({
    x,
    value: f,
    grad: g,
    iterations,
    evaluations,
    reason,
    values,
  });
  if (f === Number.POSITIVE_INFINITY) return result('nonFinite', 0);
  if (maxAbs(g) <= tolGrad) return result('gradientTolerance', 0);

  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let hDiag = 1;
  const d = new Float64Array(n);
  let gPrev: Float64Array | null = null;
  let sPrev: Float64Array | null = null;

  for (let iter = 1; ; iter++) {
    if (evaluations >= maxEval) return result('maxEval', iter - 1);
    if (gPrev && sPrev) {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = g[i] - gPrev[i];
      const ys = dot(y, sPrev);
      // Skip pairs without positive curvature: they would make the implicit Hessian indefinite.
      if (ys > 1e-10) {
        if (sHist.length === m) {
          sHist.shift();
          yHist.shift();
          rho.shift();
        }
        sHist.push(sPrev);
        yHist.push(y);
        rho.push(1 / ys);
        hDiag = ys / dot(y, y);
      }
    }
    // Two-loop recursion: d = −H·g with H the implicit inverse Hessian, H0 = hDiag·I.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = sHist.length - 1; k >= 0; k--) {
      alpha[k] = dot(sHist[k], d) * rho[k];
      const yk = yHist[k];
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * yk[i];
    }
    for (let i = 0; i < n; i++) d[i] *= hDiag;
    for (let k = 0; k < sHist.length; k++) {
      const beta = dot(yHist[k], d) * rho[k];
      const sk = sHist[k];
      for (let i = 0; i < n; i++) d[i] += sk[i] * (alpha[k] - beta);
    }

    const gtd = dot(g, d);
    if (!Number.isFinite(gtd)) return result('nonFinite', iter - 1);
    if (!(gtd < 0)) return result('noDescent', iter - 1);
    // Predicted first-order decrease for a unit step already below tolerance (torch's test).
    if (gtd > -tolChange) return result('valueTolerance', iter - 1);

    let l1 = 0;
    for (let i = 0; i < n; i++) l1 += Math.abs(g[i]);
    // First iteration: no curvature known yet, so cap the step length at ‖g‖₁⁻¹ (torch).
    const t0 = iter === 1 ? Math.min(1, 1 / l1) * lr : lr;
    const xBase = x;
    const ls = await strongWolfe(async (t) => evaluate(along(xBase, t, d)), d, f, g, gtd, t0, {
      c1,
      c2,
      toleranceChange: tolChange,
      maxEvals: Math.min(maxLs, maxEval - evaluations),
    });
    if (ls.t === 0 || !(ls.f < f || (ls.f === f && ls.wolfe))) {
      if (evaluations >= maxEval) return result('maxEval', iter - 1);
      return result(ls.sawNonFinite ? 'nonFinite' : 'lineSearchFailed', iter - 1);
    }

    const xNew = along(xBase, ls.t, d);
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = xNew[i] - xBase[i];
    const fPrev = f;
    gPrev = g;
    sPrev = s;
    x = xNew;
    f = ls.f;
    g = ls.g;
    values.push(f);

    if (maxAbs(g) <= tolGrad) return result('gradientTolerance', iter);
    if (maxAbs(s) <= tolChange) return result('stepTolerance', iter);
    if (Math.abs(f - fPrev) < tolChange) return result('valueTolerance', iter);
    if (options.onIteration?.({ iteration: iter, value: f, evaluations }) === true)
      return result('callback', iter);
    if (iter >= maxIter) return result('maxIter', iter);
  }
}
