import { describe, expect, it } from 'vitest';
import { lbfgs } from './lbfgs.js';
import { cubicInterpolate } from './lineSearch.js';

// f(x) = Σ x − log x: minimum at x = 1, NaN for x < 0 (log of a negative), +Inf at 0.
function barrier(x: ArrayLike<number>) {
  let f = 0;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f += x[i] - Math.log(x[i]);
    g[i] = 1 - 1 / x[i];
  }
  return { value: f, grad: g };
}

describe('L-BFGS', () => {
  it('solves a convex quadratic in float32 and returns float32', async () => {
    // f = ½ Σ cᵢ (xᵢ − i)², condition number 100.
    const c = Float64Array.from({ length: 20 }, (_, i) => 1 + (99 * i) / 19);
    const r = await lbfgs(
      (x: Float32Array) => {
        let f = 0;
        const g = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) {
          f += 0.5 * c[i] * (x[i] - i) ** 2;
          g[i] = c[i] * (x[i] - i);
        }
        return { value: f, grad: g };
      },
      new Float32Array(20),
      { toleranceGrad: 1e-4 },
    );
    expect(r.x).toBeInstanceOf(Float32Array);
    expect(r.reason).toBe('gradientTolerance');
    for (let i = 0; i < 20; i++) expect(Math.abs(r.x[i] - i)).toBeLessThan(1e-4);
  });

  it('backs off from NaN/Inf trial points instead of accepting them', async () => {
    // From 0.01 the gradient is −99, so a full step lands far into x < 0 where f is NaN.
    let nonFinite = 0;
    const objective = async (x: Float64Array) => {
      const out = barrier(x);
      if (!Number.isFinite(out.value)) nonFinite++;
      return out;
    };
    const r = await lbfgs(objective, Float64Array.of(0.01, 3), { toleranceGrad: 1e-9, toleranceChange: 0 });
    expect(nonFinite).toBeGreaterThan(0);
    expect(r.evaluations).toBeLessThan(60);
    expect(r.reason).toBe('gradientTolerance');
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-8);
    expect(r.values.every(Number.isFinite)).toBe(true);
  });

  it('stops with nonFinite when the start is NaN or every trial point is', async () => {
    const nanStart = await lbfgs(
      () => ({ value: Number.NaN, grad: new Float64Array(2) }),
      new Float64Array(2),
    );
    expect([nanStart.reason, nanStart.evaluations, nanStart.iterations]).toEqual(['nonFinite', 1, 0]);

    const x0 = Float64Array.of(1, 2);
    let calls = 0;
    const r = await lbfgs(
      (x) => {
        calls++;
        const atStart = x[0] === x0[0] && x[1] === x0[1];
        return { value: atStart ? 5 : Number.POSITIVE_INFINITY, grad: Float64Array.of(1, 1) };
      },
      x0,
      { maxIter: 1000, maxEval: 100_000 },
    );
    expect(r.reason).toBe('nonFinite');
    expect(r.value).toBe(5);
    expect(Array.from(r.x)).toEqual([1, 2]);
    // The line search gives up after its own budget: 25 evaluations, not maxEval.
    expect(calls).toBeLessThanOrEqual(26);
  });

  it('never exceeds maxEval and reports it', async () => {
    const rosen = (x: Float64Array) => ({
      value: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
      grad: Float64Array.of(-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)),
    });
    for (const maxEval of [1, 2, 7, 20]) {
      const r = await lbfgs(rosen, Float64Array.of(-1.2, 1), { maxIter: 1000, maxEval });
      expect(r.evaluations).toBeLessThanOrEqual(maxEval);
      expect(r.reason).toBe('maxEval');
    }
    const r = await lbfgs(rosen, Float64Array.of(-1.2, 1), { maxIter: 3, maxEval: 100 });
    expect([r.reason, r.iterations]).toEqual(['maxIter', 3]);
  });

  it('stops at once on a zero gradient, and on request from onIteration', async () => {
    const flat = await lbfgs(() => ({ value: 1, grad: new Float64Array(3) }), new Float64Array(3));
    expect([flat.reason, flat.evaluations]).toEqual(['gradientTolerance', 1]);
    const r = await lbfgs(async (x) => barrier(x), Float64Array.of(0.5), {
      onIteration: ({ iteration }) => iteration === 2,
    });
    expect([r.reason, r.iterations]).toEqual(['callback', 2]);
  });
});

describe('cubicInterpolate', () => {
  it('is exact on a quadratic and clamps to the bounds', () => {
    // f(t) = (t − 0.3)²: f(0) = 0.09, f'(0) = −0.6, f(1) = 0.49, f'(1) = 1.4.
    expect(cubicInterpolate(0, 0.09, -0.6, 1, 0.49, 1.4, 0, 1)).toBeCloseTo(0.3, 12);
    expect(cubicInterpolate(1, 0.49, 1.4, 0, 0.09, -0.6, 0, 1)).toBeCloseTo(0.3, 12);
    expect(cubicInterpolate(0, 0.09, -0.6, 1, 0.49, 1.4, 0.5, 1)).toBe(0.5);
    // Non-finite data (a NaN trial point) falls back to bisection.
    expect(cubicInterpolate(0, 1, -1, 2, Number.POSITIVE_INFINITY, Number.NaN, 0, 2)).toBe(1);
  });
});
