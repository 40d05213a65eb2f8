import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { Adam, type AdamState } from './adam.js';
import { nvidiaProjectorLr } from './schedule.js';

// torch.optim.Adam's update written out in float64, the reference for the float32 loop.
function referenceAdam(
  p0: number,
  grads: number[],
  lr: number,
  wd = 0,
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
): number {
  let [p, m, v] = [p0, 0, 0];
  grads.forEach((g0, k) => {
    const g = g0 + wd * p;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const t = k + 1;
    p -= ((lr / (1 - b1 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps);
  });
  return p;
}

describe('Adam', () => {
  it('follows torch semantics: first step moves by ≈ lr, later steps by bias-corrected moments', () => {
    const p = Tensor.float32([3], [1, -2, 0.5]);
    const opt = new Adam({ params: [p], lr: 0.1 });
    opt.step([Float32Array.from([0.5, -3, 0])]);
    // m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps); a zero gradient does not move.
    expect(Array.from(p.data)).toEqual(Array.from(Float32Array.from([0.9, -1.9, 0.5])));
    const gs = [0.5, 0.25, -1, 2, 0.125];
    const q = Tensor.float32([1], [1]);
    const o2 = new Adam({ params: [q], lr: 0.01, weightDecay: 0.1 });
    for (const g of gs) o2.step([Float32Array.of(g)]);
    expect(q.data[0]).toBeCloseTo(referenceAdam(1, gs, 0.01, 0.1), 6);
  });

  it('keeps per-group learning rates and skips null gradients', () => {
    const a = Tensor.float32([2], [1, 1]);
    const b = Tensor.float32([2], [1, 1]);
    const opt = new Adam([
      { params: [a], lr: 0.1 },
      { params: [b], lr: 0.01 },
    ]);
    opt.setLr(0.2, 0);
    expect([opt.lr(0), opt.lr(1)]).toEqual([0.2, 0.01]);
    opt.step([Tensor.float32([2], [1, 1]), null]);
    expect(Array.from(a.data)).toEqual(Array.from(Float32Array.from([0.8, 0.8])));
    expect(Array.from(b.data)).toEqual([1, 1]);
    expect(opt.state().params.map((s) => s.step)).toEqual([1, 0]);
    opt.setLr(0.05);
    expect([opt.lr(0), opt.lr(1)]).toEqual([0.05, 0.05]);
  });

  it('state()/loadState() resumes the uninterrupted trajectory bit for bit', () => {
    // A noisy quadratic with two groups, weight decay and NVIDIA's schedule: every piece of state matters.
    const total = 60;
    const cut = 23;
    const lr = nvidiaProjectorLr({ numSteps: total });
    const init = new RandomState(5).randn(3 * 4 + 5);
    const makeParams = () => [
      Tensor.float32([3, 4], init.subarray(0, 12)),
      Tensor.float32([5], init.subarray(12)),
    ];
    const makeOpt = (ps: Tensor<'float32'>[]) =>
      new Adam([
        { params: [ps[0]], lr: 0.1, weightDecay: 0.01 },
        { params: [ps[1]], lr: 0.1, betas: [0.8, 0.99] },
      ]);
    const gradients = (ps: Tensor<'float32'>[], step: number) => {
      const rs = new RandomState(1000 + step); // noise depends only on the step, like a seeded data loader
      return ps.map((p) => Float32Array.from(p.data, (x, i) => 2 * (x - i / 7) + 0.1 * rs.standardNormal()));
    };
    const run = (opt: Adam, ps: Tensor<'float32'>[], from: number, to: number) => {
      for (let s = from; s < to; s++) {
        opt.setLr(lr(s), 0);
        opt.setLr(0.5 * lr(s), 1);
        opt.step(gradients(ps, s));
      }
    };

    const ref = makeParams();
    run(makeOpt(ref), ref, 0, total);

    const first = makeParams();
    const optA = makeOpt(first);
    run(optA, first, 0, cut);
    // structuredClone stands in for writing a checkpoint to disk and reading it back.
    const saved: AdamState = structuredClone(optA.state());
    const savedParams = structuredClone(first.map((p) => p.data));
    run(optA, first, cut, cut + 5); // mutating the live optimiser must not alter the saved state

    const resumed = savedParams.map((d, i) => new Tensor('float32', first[i].shape, d));
    const optB = makeOpt(resumed);
    optB.loadState(saved);
    run(optB, resumed, cut, total);
    resumed.forEach((p, i) => {
      expect(Buffer.from(p.data.buffer).equals(Buffer.from(ref[i].data.buffer))).toBe(true);
    });
  });

  it('rejects mismatched gradients, states and dtypes', () => {
    const p = Tensor.float32([4]);
    const opt = new Adam({ params: [p] });
    expect(() => opt.step([])).toThrow(ArgumentError);
    expect(() => opt.step([new Float32Array(3)])).toThrow(ShapeError);
    expect(() =>
      opt.loadState({
        groups: opt.state().groups,
        params: [{ step: 1, m: new Float32Array(2), v: new Float32Array(2) }],
      }),
    ).toThrow(ShapeError);
    expect(() => new Adam({ params: [Tensor.float64([2]) as never] })).toThrow(DTypeError);
    expect(() => new Adam([{ params: [p] }, { params: [p] }])).toThrow(ArgumentError);
    expect(() => opt.setLr(Number.NaN)).toThrow(ArgumentError);
  });
});
