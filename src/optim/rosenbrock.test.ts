import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { Adam } from './adam.js';
import { lbfgs } from './lbfgs.js';
import { cosineSchedule } from './schedule.js';

// Chained Rosenbrock: sum 100(x[i+1] − x[i]²)² + (1 − x[i])², minimum 0 at x = 1.
function rosenbrock(x: ArrayLike<number>): { value: number; grad: Float64Array } {
  const g = new Float64Array(x.length);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return { value: f, grad: g };
}

function maxErrFromOne(x: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i] - 1));
  return e;
}

// The classic start (−1.2, 1) repeated: the long curved valley is what makes Rosenbrock hard.
const start = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1.2));

describe('L-BFGS on Rosenbrock', () => {
  // Measured: 2-D 39 iterations / 48 evaluations; 10-D 116 / 129; both end at |x − 1| < 1e-11.
  for (const n of [2, 10]) {
    it(`reaches |x − 1| < 1e-6 in < 200 iterations (${n}-D)`, async () => {
      const r = await lbfgs((x) => rosenbrock(x), Float64Array.from(start(n)), {
        maxIter: 200,
        maxEval: 400,
        toleranceGrad: 1e-10,
        toleranceChange: 0,
      });
      expect(r.reason).toBe('gradientTolerance');
      expect(r.iterations).toBeLessThan(200);
      expect(maxErrFromOne(r.x)).toBeLessThan(1e-6);
      expect(r.values.length).toBe(r.iterations + 1);
      // Every accepted step satisfies sufficient decrease, so values never go up.
      for (let i = 1; i < r.values.length; i++) expect(r.values[i]).toBeLessThanOrEqual(r.values[i - 1]);
    });
  }
});

describe('Adam on Rosenbrock', () => {
  // 10k steps, lr 0.05 decayed to 0 along a cosine (the decay removes Adam's lr-sized jitter at the
  // end). Measured final |x − 1|: 1.2e-7 (2-D) and 2.4e-7 (10-D) in float32; asserted with margin.
  for (const n of [2, 10]) {
    it(`reaches |x − 1| < 1e-4 with a cosine schedule (${n}-D)`, () => {
      const p = Tensor.float32([n], start(n));
      const steps = 10_000;
      const opt = new Adam({ params: [p], lr: 0.05 });
      const lr = cosineSchedule({ base: 0.05, numSteps: steps });
      for (let s = 0; s < steps; s++) {
        opt.setLr(lr(s));
        opt.step([rosenbrock(p.data).grad]);
      }
      expect(maxErrFromOne(p.data)).toBeLessThan(1e-4);
    });
  }
});
