/**
 * Strong-Wolfe line search: bracketing then zoom with safeguarded cubic interpolation (Nocedal &
 * Wright, Algorithms 3.5 and 3.6), with the same acceptance tests, bounds and progress guard as
 * PyTorch's `_strong_wolfe`, so L-BFGS runs are comparable with torch.optim.LBFGS.
 */

/** The objective restricted to the line x + t·d; `f` is +Infinity where it was NaN or infinite. */
export type LineFunction = (t: number) => Promise<{ f: number; g: Float64Array }>;

export interface LineSearchOptions {
  /** Sufficient decrease (Armijo) constant. */
  c1: number;
  /** Curvature constant of the strong Wolfe condition. */
  c2: number;
  /** Stop zooming once the bracket moves x by less than this (max-norm). */
  toleranceChange: number;
  /** Evaluations allowed, including the first trial. */
  maxEvals: number;
}

export interface LineSearchResult {
  t: number;
  f: number;
  g: Float64Array;
  evaluations: number;
  /** Whether the strong Wolfe conditions hold at `t` (the step may still decrease f without them). */
  wolfe: boolean;
  /** Whether any trial point gave a non-finite value or gradient. */
  sawNonFinite: boolean;
}

interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi] (N&W eq. 3.59).
 * Falls back to the midpoint when the cubic has no minimiser or the data are not finite.
 */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  lo: number,
  hi: number,
): number {
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const t =
      x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    // NaN (0/0, inf - inf) fails every comparison, so it reaches the midpoint below.
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Searches along `d` from t = 0 (value f0, directional derivative gtd0 < 0), starting at `t`.
 * Returns the best bracket end found; t = 0 means no trial point decreased f.
 */
export async function strongWolfe(
  phi: LineFunction,
  d: Float64Array,
  f0: number,
  g0: Float64Array,
  gtd0: number,
  t: number,
  o: LineSearchOptions,
): Promise<LineSearchResult> {
  let dNorm = 0;
  for (let i = 0; i < d.length; i++) dNorm = Math.max(dNorm, Math.abs(d[i]));
  let sawNonFinite = false;
  let evaluations = 0;
  const evaluate = async (at: number): Promise<Point> => {
    const { f, g } = await phi(at);
    evaluations++;
    if (f === Number.POSITIVE_INFINITY) sawNonFinite = true;
    return { t: at, f, g, gtd: dot(g, d) };
  };

  const start: Point = { t: 0, f: f0, g: g0, gtd: gtd0 };
  const sufficient = (p: Point) => p.f <= f0 + o.c1 * p.t * gtd0;
  const curvature = (p: Point) => Math.abs(p.gtd) <= -o.c2 * gtd0;

  // Bracketing (Alg. 3.5): grow t until an interval must contain a strong-Wolfe point.
  let prev = start;
  let cur = await evaluate(t);
  let bracket: [Point, Point] | null = null;
  let done: Point | null = null;
  while (evaluations < o.maxEvals) {
    if (!sufficient(cur) || (evaluations > 2 && cur.f >= prev.f)) {
      bracket = [prev, cur];
      break;
    }
    if (curvature(cur)) {
      done = cur;
      break;
    }
    if (cur.gtd >= 0) {
      bracket = [prev, cur];
      break;
    }
    // Extrapolate, at least 1% past the current point and at most 10x it.
    const next = cubicInterpolate(
      prev.t,
      prev.f,
      prev.gtd,
      cur.t,
      cur.f,
      cur.gtd,
      cur.t + 0.01 * (cur.t - prev.t),
      cur.t * 10,
    );
    prev = cur;
    cur = await evaluate(next);
  }
  if (done) return { ...done, evaluations, wolfe: true, sawNonFinite };
  if (!bracket) bracket = [start, cur];

  // Zoom (Alg. 3.6): shrink the bracket, keeping `lo` the end with the lower value.
  let [lo, hi] = bracket[0].f <= bracket[1].f ? bracket : [bracket[1], bracket[0]];
  let insufficientProgress = false;
  while (evaluations < o.maxEvals) {
    if (Math.abs(hi.t - lo.t) * dNorm < o.toleranceChange) break;
    const a = Math.min(lo.t, hi.t);
    const b = Math.max(lo.t, hi.t);
    let tz = cubicInterpolate(lo.t, lo.f, lo.gtd, hi.t, hi.f, hi.gtd, a, b);
    // Keep trial points off the bracket ends, else zoom can creep towards one end forever.
    const eps = 0.1 * (b - a);
    if (Math.min(b - tz, tz - a) < eps) {
      if (insufficientProgress || tz >= b || tz <= a) {
        tz = Math.abs(tz - b) < Math.abs(tz - a) ? b - eps : a + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    const p = await evaluate(tz);
    if (!sufficient(p) || p.f >= lo.f) {
      hi = p;
    } else {
      if (curvature(p)) return { ...p, evaluations, wolfe: true, sawNonFinite };
      if (p.gtd * (hi.t - lo.t) >= 0) hi = lo;
      lo = p;
    }
    if (hi.f < lo.f) [lo, hi] = [hi, lo];
  }
  return { ...lo, evaluations, wolfe: false, sawNonFinite };
}
