import { describe, expect, it } from 'vitest';
import { ArgumentError } from './errors.js';
import golden from './rng.golden.json' with { type: 'json' };
import { RandomState, type RandomStateSnapshot } from './rng.js';

// Every float is compared with Object.is: these are numpy's exact float64 draws (tools/golden/rng_golden.py).
function expectSameFloats(got: ArrayLike<number>, want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`element ${i}: got ${got[i]}, numpy ${want[i]}`);
  }
}

function seqSum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

describe('RandomState matches numpy.random.RandomState', () => {
  for (const c of golden.cases) {
    it(`seed ${JSON.stringify(c.seed)}: the golden draw sequence`, () => {
      const rs = new RandomState(c.seed);
      expectSameFloats(rs.randn(21), c.randn);
      expectSameFloats(rs.rand(20), c.rand);
      expectSameFloats(rs.randn(3), c.randn_after);
      expect(rs.randint(0, 10, 20)).toEqual(c.randint10);
      expect(rs.randint(0, 2 ** 40, [5])).toEqual(c.randint_big.map(Number));
      expect(rs.randint(-5, 3, 10)).toEqual(c.randint_neg);
      expect(rs.randint(1000)).toBe(c.randint_scalar);
      expect(rs.randint(0, 2 ** 32, 3)).toEqual(c.randint_u32);
      expect(rs.permutation(10)).toEqual(c.permutation);
      expect(rs.permutation(70000).slice(0, 10)).toEqual(c.permutation_big);
      expect(rs.randint(-(2 ** 52), 2 ** 52, 5)).toEqual(c.randint_wide.map(Number));
    });
  }

  it('randn(1, 512) for seed 85: the z of generate.py --seeds=85', () => {
    const g = golden.z85;
    const z = new RandomState(85).randn(...g.shape);
    expectSameFloats(
      g.index.map((i) => z[i]),
      g.values,
    );
    expect(Object.is(seqSum(z), g.sum)).toBe(true);
    const z32 = new RandomState(85).standardNormalFloat32(g.shape);
    expect(z32).toBeInstanceOf(Float32Array);
    expectSameFloats(
      g.index.map((i) => z32[i]),
      g.float32,
    );
    expect(Object.is(seqSum(z32), g.float32_sum)).toBe(true);
  });

  it('getState reproduces numpy get_state() mid-stream, cached gauss included', () => {
    const g = golden.state;
    const rs = new RandomState(g.seed);
    rs.randn(3);
    const st = rs.getState();
    expect(st.key.slice(0, 5)).toEqual(g.key_head);
    expect(st.key.reduce((a, b) => a + b, 0)).toBe(Number(g.key_sum));
    expect(st.pos).toBe(g.pos);
    expect(st.hasGauss).toBe(g.hasGauss);
    expect(Object.is(st.gauss, g.gauss)).toBe(true);
    expectSameFloats(rs.randn(4), g.next_randn);
  });
});

describe('RandomState state snapshots', () => {
  it('resume exactly through JSON, including a pending gauss and a mid-block position', () => {
    const a = new RandomState(123);
    a.randn(5); // odd: leaves a cached gauss
    a.rand(3);
    const saved = JSON.stringify(a.getState());
    const expected = [...a.randn(7), ...a.rand(4), ...a.randint(0, 100, 6), ...a.permutation(8)];

    const b = new RandomState(0);
    b.setState(JSON.parse(saved) as RandomStateSnapshot);
    const got = [...b.randn(7), ...b.rand(4), ...b.randint(0, 100, 6), ...b.permutation(8)];
    expectSameFloats(got, expected);
  });

  it('snapshots are copies, not views of the live state', () => {
    const rs = new RandomState(1);
    const st = rs.getState();
    rs.rand(1000);
    expect(st.pos).toBe(624);
    expect(rs.getState().key).not.toEqual(st.key);
  });

  it('setState rejects malformed snapshots', () => {
    const rs = new RandomState(1);
    const good = rs.getState();
    expect(() => rs.setState({ ...good, key: good.key.slice(1) })).toThrow(ArgumentError);
    expect(() => rs.setState({ ...good, key: [-1, ...good.key.slice(1)] })).toThrow(ArgumentError);
    expect(() => rs.setState({ ...good, pos: 625 })).toThrow(ArgumentError);
    expect(() => rs.setState({ ...good, hasGauss: 1 as unknown as boolean })).toThrow(ArgumentError);
  });
});

describe('RandomState arguments', () => {
  it('accepts numpy legacy seeds and rejects the rest', () => {
    expect(() => new RandomState(0)).not.toThrow();
    expect(() => new RandomState(2 ** 32 - 1)).not.toThrow();
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RandomState(bad)).toThrow(ArgumentError);
    }
    expect(() => new RandomState([])).toThrow(ArgumentError);
    expect(() => new RandomState([1, -2])).toThrow(ArgumentError);
  });

  it('an array seed is not the same stream as the equal scalar (list vs int, as in numpy)', () => {
    expect(new RandomState([5]).rand(2)).not.toEqual(new RandomState(5).rand(2));
  });

  it('randint validates its bounds like numpy, within the safe-integer range', () => {
    const rs = new RandomState(0);
    expect(() => rs.randint(5, 5)).toThrow(ArgumentError);
    expect(() => rs.randint(0)).toThrow(ArgumentError);
    expect(() => rs.randint(0.5, 3)).toThrow(ArgumentError);
    expect(() => rs.randint(-(2 ** 52) - 1, 2 ** 52)).toThrow(ArgumentError); // range 2**53 + 1
    expect(() => rs.randint(2 ** 53)).toThrow(ArgumentError);
    expect(rs.randint(7, 8, 4)).toEqual([7, 7, 7, 7]);
    const wide = rs.randint(-(2 ** 52), 2 ** 52, 1000);
    expect(wide.every((v) => Number.isSafeInteger(v) && v >= -(2 ** 52) && v < 2 ** 52)).toBe(true);
  });

  it('shapes: empty means one element, bad dimensions throw', () => {
    const rs = new RandomState(0);
    expect(rs.rand().length).toBe(1);
    expect(rs.randn(2, 0, 3).length).toBe(0);
    expect(() => rs.randn(-1)).toThrow(ArgumentError);
    expect(() => rs.rand(1.5)).toThrow(ArgumentError);
    expect(() => rs.permutation(-1)).toThrow(ArgumentError);
  });

  it('shuffle permutes in place with the same draws as permutation', () => {
    const xs = Float64Array.from({ length: 50 }, (_, i) => i);
    new RandomState(9).shuffle(xs);
    expect(Array.from(xs)).toEqual(new RandomState(9).permutation(50));
  });
});
