import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { compile } from '../runtime/compile.js';
import { distinctTensor, gradcheck, randomTensor } from './gradcheck.js';
import { conv2d } from './ops/conv.js';
import { mul, neg, relu, tanh } from './ops/elementwise.js';
import { opDef } from './registry.js';
import { constant } from './value.js';

/** The checker must fail when it should: a check that cannot fail proves nothing. */
describe('gradcheck itself', () => {
  afterEach(() => vi.restoreAllMocks());

  it('passes a correct rule and reports per input', async () => {
    const rep = await gradcheck(
      ({ a, b }) => mul(tanh(a), b),
      { a: randomTensor([2, 3], 1), b: randomTensor([3], 2) },
      { compile, name: 'ok' },
    );
    expect(rep).toMatchObject({ name: 'ok', dtype: 'float64', eps: 1e-5, ok: true, kinkCrossed: false });
    expect(rep.entries.map((e) => e.input)).toEqual(['a', 'b']);
    expect(rep.fd).toBeCloseTo(rep.vjp, 8);
  });

  it('catches a wrong rule and names the input it is wrong for', async () => {
    // d tanh = (1 - tanh²) da, here wrongly (1 - tanh) da.
    vi.spyOn(opDef('Tanh'), 'vjp').mockImplementation(({ g, out }) => [mul(g, neg(out))]);
    const rep = await gradcheck(
      ({ a, b }) => mul(tanh(a), b),
      { a: randomTensor([2, 3], 1), b: randomTensor([3], 2) },
      { compile },
    );
    expect(rep.ok).toBe(false);
    const [a, b] = rep.entries;
    expect(a.relError).toBeGreaterThan(0.1);
    expect(b.relError).toBeLessThan(1e-7);
  });

  it('catches a rule that is wrong in a single element, or off by 1e-4 everywhere', async () => {
    const real = opDef('Relu').vjp;
    const a = randomTensor([4, 4], 3, { margin: 0.1 });
    const oneWrong = constant(Tensor.float64([4, 4], [0, ...new Array(15).fill(1)]));
    vi.spyOn(opDef('Relu'), 'vjp').mockImplementation((args) => [mul(real(args)[0]!, oneWrong)]);
    expect((await gradcheck(({ a }) => relu(a), { a }, { compile })).ok).toBe(false);
    vi.spyOn(opDef('Relu'), 'vjp').mockImplementation((args) => [mul(real(args)[0]!, 1 + 1e-4)]);
    const rep = await gradcheck(({ a }) => relu(a), { a }, { compile });
    expect(rep.ok).toBe(false);
    expect(rep.relError).toBeGreaterThan(5e-5);
  });

  it('notices a kink inside ε (guard flips) and retries with a smaller ε', async () => {
    const a = distinctTensor([8], 4, { min: -1, max: 1 });
    a.data[0] = 2e-7; // t[0] ≈ -0.10 with seed 0: ε·t straddles 0 at ε = 1e-5 and 1e-5/4, not at 1e-5/16
    const rep = await gradcheck(({ a }) => ({ out: relu(a), guards: [a] }), { a }, { compile });
    expect(rep.ok).toBe(true);
    expect(rep.eps).toBe(1e-5 / 16);
    const stuck = await gradcheck(
      ({ a }) => ({ out: relu(a), guards: [a] }),
      { a },
      { compile, attempts: 1 },
    );
    expect(stuck).toMatchObject({ ok: false, kinkCrossed: true });
  });

  it('falls back to float32 where ORT has no double kernel, and says which op', async () => {
    const rep = await gradcheck(
      ({ x, w }) => conv2d(x, w),
      { x: randomTensor([1, 2, 4, 4], 5), w: randomTensor([3, 2, 3, 3], 6) },
      { compile, linear: true },
    );
    expect(rep).toMatchObject({ dtype: 'float32', fallback: 'Conv', ok: true });
  });

  it('rejects a reference that computes something else', async () => {
    const check = gradcheck(
      ({ a }) => tanh(a),
      { a: randomTensor([3], 7) },
      { compile, reference: ({ a }) => neg(a) },
    );
    await expect(check).rejects.toBeInstanceOf(ArgumentError);
  });

  it('randomTensor keeps its margin and distinctTensor has no ties', () => {
    const t = randomTensor([1000], 8, { margin: 0.25 });
    expect(Math.min(...Array.from(t.data as Float64Array, Math.abs))).toBeGreaterThanOrEqual(0.25);
    const d = distinctTensor([50], 9);
    expect(new Set(d.data as Float64Array).size).toBe(50);
  });
});
