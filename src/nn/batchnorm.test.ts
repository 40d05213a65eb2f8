import { afterAll, describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { mul } from '../graph/ops/elementwise.js';
import { reduceSum } from '../graph/ops/reduce.js';
import { trace } from '../graph/program.js';
import { constant } from '../graph/value.js';
import { clearSessionCache, compile } from '../runtime/compile.js';
import {
  applyRunningStats,
  type BatchStatsSink,
  batchNorm2d,
  isBatchNormBuffer,
  updateRunningStats,
} from './batchnorm.js';
import { Weights } from './weights.js';

const [N, C, H, W] = [3, 4, 5, 6];
const HW = H * W;
const rng = new RandomState(3);
const f32 = (shape: number[], data: ArrayLike<number>) => Tensor.float32(shape, data);
const x = f32(
  [N, C, H, W],
  Array.from(rng.randn(N * C * HW), (v, i) => 2 * v + (i % C) - 1),
);
const r = f32([N, C, H, W], rng.randn(N * C * HW));
const sd = new Map<string, Tensor>([
  [
    'bn.weight',
    f32(
      [C],
      Array.from(rng.randn(C), (v) => 1 + 0.3 * v),
    ),
  ],
  ['bn.bias', f32([C], rng.randn(C))],
  ['bn.running_mean', f32([C], rng.randn(C))],
  [
    'bn.running_var',
    f32(
      [C],
      Array.from(rng.rand(C), (v) => 0.5 + v),
    ),
  ],
  ['bn.num_batches_tracked', Tensor.int64([], [7])],
]);
const p = (name: string, c: number) => Number(sd.get(`bn.${name}`)!.data[c]);
const at = (n: number, c: number, i: number) => (n * C + c) * HW + i;

/** Plain float64 reference: batch mean and biased variance per channel. */
function batchStats(): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < N; n++) for (let i = 0; i < HW; i++) mean[c] += x.data[at(n, c, i)] / (N * HW);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < HW; i++) variance[c] += (x.data[at(n, c, i)] - mean[c]) ** 2 / (N * HW);
  }
  return { mean, variance };
}

function reference(train: boolean): Float64Array {
  const { mean, variance } = train
    ? batchStats()
    : {
        mean: [...Array(C).keys()].map((c) => p('running_mean', c)),
        variance: [...Array(C).keys()].map((c) => p('running_var', c)),
      };
  const y = new Float64Array(x.size);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const s = p('weight', c) / Math.sqrt(variance[c] + 1e-5);
      for (let i = 0; i < HW; i++) y[at(n, c, i)] = (x.data[at(n, c, i)] - mean[c]) * s + p('bias', c);
    }
  }
  return y;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

afterAll(clearSessionCache);

describe('batchNorm2d', () => {
  it('eval mode normalises with the running statistics', async () => {
    const prog = trace({ x: { shape: [N, C, H, W] } }, ({ x }) => batchNorm2d(new Weights(sd).at('bn'), x));
    const [y] = await (await compile(prog)).run(x);
    expect(maxAbsDiff(y.data as Float32Array, reference(false))).toBeLessThan(1e-5);
  });

  it('train mode uses batch mean and biased variance, and reports them', async () => {
    const stats: BatchStatsSink = new Map();
    const prog = trace({ x: { shape: [N, C, H, W] } }, ({ x }) => {
      const y = batchNorm2d(new Weights(sd).at('bn'), x, { train: true, stats });
      const s = stats.get('bn')!;
      return { y, mean: s.mean, variance: s.variance };
    });
    expect(stats.get('bn')!.count).toBe(N * HW);
    const [y, mean, variance] = await (await compile(prog)).run(x);
    const ref = batchStats();
    expect(maxAbsDiff(y.data as Float32Array, reference(true))).toBeLessThan(1e-5);
    expect(maxAbsDiff(mean.data as Float32Array, ref.mean)).toBeLessThan(1e-6);
    expect(maxAbsDiff(variance.data as Float32Array, ref.variance)).toBeLessThan(1e-5);
  });

  it('train-mode gradient flows through the batch statistics', async () => {
    // d/dx Σ y·R = (w/σ)·(R − mean(R) − x̂·mean(R·x̂)) per channel, means over N·H·W.
    const prog = trace({ x: { shape: [N, C, H, W] } }, ({ x }) => {
      const y = batchNorm2d(new Weights(sd).at('bn'), x, { train: true });
      return grad(reduceSum(mul(y, constant(r))), [x]);
    });
    const [gx] = await (await compile(prog)).run(x);
    const { mean, variance } = batchStats();
    const ref = new Float64Array(x.size);
    for (let c = 0; c < C; c++) {
      const sigma = Math.sqrt(variance[c] + 1e-5);
      const idx = [...Array(N * HW).keys()].map((k) => at(Math.floor(k / HW), c, k % HW));
      const xhat = idx.map((j) => (x.data[j] - mean[c]) / sigma);
      const mR = idx.reduce((s, j) => s + r.data[j], 0) / idx.length;
      const mRx = idx.reduce((s, j, k) => s + r.data[j] * xhat[k], 0) / idx.length;
      idx.forEach((j, k) => {
        ref[j] = (p('weight', c) / sigma) * (r.data[j] - mR - xhat[k] * mRx);
      });
    }
    expect(maxAbsDiff(gx.data as Float32Array, ref)).toBeLessThan(1e-5);
  });
});

describe('running statistics', () => {
  it('follows PyTorch: momentum 0.1, unbiased variance, one more batch tracked', () => {
    const { mean, variance } = batchStats();
    const next = applyRunningStats(
      sd,
      new Map([['bn', { mean: f32([C], mean), variance: f32([C], variance), count: N * HW }]]),
    );
    const n = N * HW;
    for (let c = 0; c < C; c++) {
      expect(next.get('bn.running_mean')!.data[c]).toBeCloseTo(0.9 * p('running_mean', c) + 0.1 * mean[c], 6);
      expect(next.get('bn.running_var')!.data[c]).toBeCloseTo(
        0.9 * p('running_var', c) + (0.1 * variance[c] * n) / (n - 1),
        6,
      );
    }
    expect(next.get('bn.num_batches_tracked')!.data[0]).toBe(8n);
    expect(sd.get('bn.num_batches_tracked')!.data[0]).toBe(7n); // the input map is untouched
  });

  it('momentum null is a cumulative average over tracked batches', () => {
    const s = { runningMean: f32([1], [2]), runningVar: f32([1], [3]), numBatchesTracked: 3n };
    const next = updateRunningStats(s, [6], [1], 5, null);
    expect(next.runningMean.data[0]).toBeCloseTo(0.75 * 2 + 0.25 * 6, 6);
    expect(next.runningVar.data[0]).toBeCloseTo(0.75 * 3 + 0.25 * 1.25, 6);
    expect(next.numBatchesTracked).toBe(4n);
  });

  it('names buffers', () => {
    expect(
      ['main.1.running_mean', 'main.1.running_var', 'main.1.num_batches_tracked'].every(isBatchNormBuffer),
    ).toBe(true);
    expect(isBatchNormBuffer('main.1.weight')).toBe(false);
  });
});
