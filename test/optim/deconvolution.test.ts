import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { grad } from '../../src/graph/autodiff.js';
import { conv2d } from '../../src/graph/ops/conv.js';
import { mul, sub } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { trace } from '../../src/graph/program.js';
import { constant } from '../../src/graph/value.js';
import { Adam } from '../../src/optim/adam.js';
import { lbfgs } from '../../src/optim/lbfgs.js';
import { clearSessionCache, compile, type Executable } from '../../src/runtime/compile.js';

/**
 * Least-squares deconvolution with value and gradient from one ORT graph built by our autodiff:
 * loss(x) = Σ (conv(x, K) − y)², y = conv(x_true, K), zero padding 1.
 *
 * K = k ⊗ k with k = [0.2, 0.6, 0.2]. With zero padding the blur is T ⊗ T, T tridiagonal of size 16,
 * eig(T) = 0.6 + 0.4 cos(jπ/17) ∈ [0.207, 0.993], so σ(A) ∈ [0.043, 0.986]: cond(AᵀA) ≈ 530, well
 * inside float32's reach, so L-BFGS can drive the loss to 1e-8 of its start. (The binomial
 * [¼, ½, ¼] blur has cond(AᵀA) ≈ 2e8 and stalls near 1e-8 in float32; it is not a fair test.)
 */
const N = 16;
const SHAPE = [1, 1, N, N] as const;
const k1 = [0.2, 0.6, 0.2];
const K = Tensor.float32(
  [1, 1, 3, 3],
  k1.flatMap((a) => k1.map((b) => a * b)),
);

let exe: Executable;
let xTrue: Tensor<'float32'>;
let initialLoss: number;

async function objective(x: Float32Array): Promise<{ value: number; grad: Float32Array }> {
  const [loss, gx] = await exe.run(new Tensor('float32', SHAPE, x));
  return { value: loss.data[0] as number, grad: gx.data as Float32Array };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  xTrue = Tensor.float32(SHAPE, new RandomState(7).rand(N * N));
  const blur = await compile(
    trace({ x: { shape: SHAPE } }, ({ x }) => conv2d(x, constant(K), undefined, { padding: 1 })),
  );
  const [y] = await blur.run(xTrue);
  const program = trace({ x: { shape: SHAPE } }, ({ x }) => {
    const r = sub(conv2d(x, constant(K), undefined, { padding: 1 }), constant(y));
    const loss = reduceSum(mul(r, r));
    const [gx] = grad(loss, [x]);
    return { loss, gx };
  });
  exe = await compile(program);
  initialLoss = (await objective(new Float32Array(N * N))).value;
});

afterAll(clearSessionCache);

describe('deconvolution through an ORT value-and-gradient graph', () => {
  it('the graph gradient is 2·Aᵀ(Ax − y) (central differences)', async () => {
    const x = Float32Array.from(new RandomState(3).rand(N * N));
    const { grad: g } = await objective(x);
    for (const i of [0, 17, 135, 255]) {
      const h = 1e-2; // the loss is quadratic, so central differences are exact up to float32 rounding
      const xp = x.slice();
      const xm = x.slice();
      xp[i] += h;
      xm[i] -= h;
      const fd = ((await objective(xp)).value - (await objective(xm)).value) / (2 * h);
      expect(Math.abs(fd - g[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(g[i])));
    }
  });

  it('L-BFGS drives the loss below 1e-8 of its start and recovers x', async () => {
    // Default (torch) tolerances. Measured: valueTolerance after 94 iterations / 99 evaluations at
    // 1.2e-10 of the start (1e-8 passed at iteration 69); max |x − x_true| 2.6e-4.
    const r = await lbfgs(objective, new Float32Array(N * N), { maxIter: 300, maxEval: 600 });
    const rel = r.value / initialLoss;
    console.info(
      `deconvolution L-BFGS: ${r.reason} after ${r.iterations} iterations, ${r.evaluations} evaluations; ` +
        `loss ${r.value.toExponential(3)} (${rel.toExponential(2)} of ${initialLoss.toFixed(2)}); ` +
        `max|x − x_true| ${maxAbsDiff(r.x, xTrue.data).toExponential(2)}; 1e-8 reached at iteration ${r.values.findIndex((v) => v < 1e-8 * initialLoss)}`,
    );
    expect(r.x).toBeInstanceOf(Float32Array);
    expect(rel).toBeLessThan(1e-8);
    expect(r.iterations).toBeLessThan(300);
    // ‖x − x_true‖₂ ≤ ‖r‖₂/σ_min = sqrt(loss)/0.043.
    expect(maxAbsDiff(r.x, xTrue.data)).toBeLessThan(Math.sqrt(r.value) / 0.04 + 1e-5);
    expect(maxAbsDiff(r.x, xTrue.data)).toBeLessThan(1e-3);
  });

  it('Adam lowers the loss by more than 1000x in 200 steps', async () => {
    // Constant lr 0.05 from x = 0; measured ratio ≈ 8.8e-5 (about 11000x).
    const x = Tensor.float32(SHAPE);
    const opt = new Adam({ params: [x], lr: 0.05 });
    for (let s = 0; s < 200; s++) opt.step([(await objective(x.data)).grad]);
    const rel = (await objective(x.data)).value / initialLoss;
    console.info(`deconvolution Adam: 200 steps, loss ratio ${rel.toExponential(2)}`);
    expect(rel).toBeLessThan(1e-3);
  });
});
