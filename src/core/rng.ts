import { ArgumentError } from './errors.js';
import { formatShape, type Shape, sizeOf } from './shape.js';

/**
 * numpy.random.RandomState: MT19937 with numpy's legacy seeding, doubles, polar Box–Muller normals and
 * masked-rejection integers, draw for draw. Published latents (NVIDIA's generate.py:
 * `np.random.RandomState(seed).randn(1, z_dim)`) only reproduce if every draw matches numpy's order.
 * Everything is bit-exact except that normals rarely differ from numpy's in the last bits, because
 * numpy takes log from the C library (see logCorrectlyRounded). Goldens: tools/golden/rng_golden.py.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

/** JSON-serialisable RNG state (numpy's `get_state()` tuple, minus the 'MT19937' tag), for checkpoints. */
export interface RandomStateSnapshot {
  /** The 624 uint32 words of the Mersenne Twister. */
  key: number[];
  /** Index of the next word to temper, 0..624 (624 means "regenerate first"). */
  pos: number;
  /** Whether `gauss` holds the second normal of the last polar pair. */
  hasGauss: boolean;
  gauss: number;
}

export class RandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /**
   * An integer seed goes through `init_genrand` and an array through `init_by_array`, as numpy does;
   * so `[5]` and `5` give different streams, like `RandomState([5])` and `RandomState(5)`.
   */
  constructor(seed: number | readonly number[]) {
    if (typeof seed === 'number') {
      this.initGenrand(checkWord(seed, 'RandomState: seed'));
    } else {
      if (seed.length === 0) throw new ArgumentError('RandomState: seed array must be non-empty');
      this.initByArray(seed.map((s, i) => checkWord(s, `RandomState: seed[${i}]`)));
    }
  }

  private initGenrand(seed: number): void {
    const mt = this.key;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      // imul keeps the 32-bit wraparound that a plain float multiply would lose past 2**53.
      mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    this.pos = N;
  }

  private initByArray(initKey: readonly number[]): void {
    const mt = this.key;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, initKey.length); k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + initKey[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= initKey.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // guarantees a non-zero state
    this.pos = N;
  }

  private regenerate(): void {
    const mt = this.key;
    let i = 0;
    for (; i < N - 1; i++) {
      const y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** One tempered 32-bit word (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.pos === N) this.regenerate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits (`random_sample`). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `rand(*shape)`: uniform [0, 1) in row-major order. */
  rand(...shape: number[]): Float64Array {
    const out = new Float64Array(checkedSize(shape, 'rand'));
    for (let i = 0; i < out.length; i++) out[i] = this.randomSample();
    return out;
  }

  /**
   * One standard normal (`legacy_gauss`). The polar method makes two per accepted pair; the second
   * is cached and returned next, and only normals consume it, so interleaving stays numpy-exact.
   */
  standardNormal(): number {
    if (this.hasGauss) {
      const g = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * logCorrectlyRounded(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `randn(*shape)`: standard normals in row-major order. */
  randn(...shape: number[]): Float64Array {
    const out = new Float64Array(checkedSize(shape, 'randn'));
    for (let i = 0; i < out.length; i++) out[i] = this.standardNormal();
    return out;
  }

  /** `randn(*shape).astype(float32)`: how generate.py builds z before `torch.from_numpy`. */
  standardNormalFloat32(shape: Shape): Float32Array {
    return Float32Array.from(this.randn(...shape));
  }

  /**
   * `randint(low, high, size)` for the default int64 dtype; `randint(n)` draws from [0, n).
   * Bounds must be safe integers at most 2**53 apart (numpy allows all of int64; a JS number cannot).
   */
  randint(low: number, high?: number): number;
  randint(low: number, high: number | undefined, size: number | Shape): number[];
  randint(low: number, high?: number, size?: number | Shape): number | number[] {
    if (high === undefined) {
      high = low;
      low = 0;
    }
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new ArgumentError(`randint: bounds must be safe integers, got low=${low}, high=${high}`);
    }
    if (low >= high) throw new ArgumentError(`randint: low >= high (${low} >= ${high})`);
    const rng = BigInt(high) - 1n - BigInt(low);
    if (rng >= 2n ** 53n) throw new ArgumentError(`randint: range [${low}, ${high}) is wider than 2**53`);
    const draw = this.boundedDrawer(rng);
    if (size === undefined) return low + draw();
    const n = checkedSize(typeof size === 'number' ? [size] : size, 'randint');
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = low + draw();
    return out;
  }

  /**
   * `random_bounded_uint64_fill` with `use_masked`: draw, mask to the smallest all-ones cover of the
   * range, reject overshoots. Ranges that fit 32 bits use single 32-bit words; a range of exactly
   * 2**32 takes words unmasked; wider ones use (hi << 32 | lo) 64-bit words.
   */
  private boundedDrawer(rng: bigint): () => number {
    if (rng === 0n) return () => 0;
    if (rng <= BigInt(UINT32_MAX)) {
      const r = Number(rng);
      if (r === UINT32_MAX) return () => this.nextUint32();
      const mask = maskOf(r);
      return () => this.masked32(r, mask);
    }
    // rng < 2**53 here, so the masked hi fits 21 bits and hi * 2**32 + lo is exact.
    const r = Number(rng);
    const maskHi = maskOf(Number(rng >> 32n));
    return () => {
      let v: number;
      do {
        const hi = (this.nextUint32() & maskHi) >>> 0;
        v = hi * 2 ** 32 + this.nextUint32();
      } while (v > r);
      return v;
    };
  }

  private masked32(r: number, mask: number): number {
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > r);
    return v;
  }

  /** `random_interval(max)`: uniform in [0, max] by masked rejection; the draw shuffle uses. */
  private interval(max: number): number {
    if (max === 0) return 0;
    return max <= UINT32_MAX ? this.masked32(max, maskOf(max)) : this.boundedDrawer(BigInt(max))();
  }

  /** In-place `shuffle` of the first axis: Fisher–Yates from the end, as numpy's legacy shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** `permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new ArgumentError(`permutation: n must be a count, got ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  getState(): RandomStateSnapshot {
    return { key: Array.from(this.key), pos: this.pos, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  /** Restores a snapshot from `getState()` (or numpy's `get_state()` fields) exactly. */
  setState(state: RandomStateSnapshot): void {
    if (!Array.isArray(state.key) || state.key.length !== N) {
      throw new ArgumentError(`RandomState.setState: key must have ${N} words, got ${state.key?.length}`);
    }
    const key = state.key.map((w, i) => checkWord(w, `RandomState.setState: key[${i}]`));
    if (!Number.isInteger(state.pos) || state.pos < 0 || state.pos > N) {
      throw new ArgumentError(`RandomState.setState: pos must be in 0..${N}, got ${state.pos}`);
    }
    if (typeof state.hasGauss !== 'boolean' || typeof state.gauss !== 'number') {
      throw new ArgumentError('RandomState.setState: hasGauss must be a boolean and gauss a number');
    }
    this.key.set(key);
    this.pos = state.pos;
    this.hasGauss = state.hasGauss;
    this.gauss = state.gauss;
  }
}

function checkWord(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new ArgumentError(`${what} must be an integer in 0..2**32-1, got ${value}`);
  }
  return value;
}

function checkedSize(shape: Shape, what: string): number {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(`${what}: shape ${formatShape(shape)} must hold non-negative integers`);
  }
  return sizeOf(shape);
}

/*
 * numpy's polar method calls the C library's log. V8's Math.log (fdlibm) misses glibc's result in the
 * last bit for ~3% of inputs; glibc's table-driven log is within 0.52 ulp, so a correctly rounded log
 * matches it far more often. Measured against numpy 2.4.6 on glibc 2.36 x86-64 over 6M normals:
 * ~3 in 10^4 still differ (by <= 2 ulp), so ~9% of randn(512) vectors have one such entry; after the
 * float32 cast all agreed. Exact parity would mean porting glibc's log with its tables.
 * A value below is a pair [hi, lo] meaning hi + lo, |lo| <= ulp(hi) / 2.
 */
type DD = readonly [number, number];

const SPLIT = 134217729; // 2**27 + 1, Veltkamp's splitter
const LN2: DD = [Math.LN2, 2.3190468138462996e-17];
// 1 / (2n + 1): log(m) = 2 atanh(s) = 2s Σ s^2n / (2n + 1); |s| <= 0.1716 needs 22 terms for 2**-110.
const ATANH: DD[] = Array.from({ length: 22 }, (_, n) => {
  const d = 2 * n + 1;
  const hi = 1 / d;
  const [p, e] = twoProd(hi, d);
  return [hi, (1 - p - e) / d];
});

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function fastTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [u, g] = fastTwoSum(s, e + t);
  return fastTwoSum(u, g + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return fastTwoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

/** ln(x) for finite x > 0 (numpy only asks for r2 in [2**-104, 1)), rounded to nearest. */
function logCorrectlyRounded(x: number): number {
  const k = Math.round(Math.log2(x));
  const m = x * 2 ** -k; // exact, and m is in about [0.707, 1.414]
  const num = m - 1; // exact by Sterbenz
  const den = twoSum(m, 1);
  const q1 = num / den[0];
  const [p, e] = twoProd(q1, den[0]);
  const s = fastTwoSum(q1, (num - p - e - q1 * den[1]) / den[0]);
  const t = ddMul(s, s);
  let poly = ATANH[ATANH.length - 1];
  for (let n = ATANH.length - 2; n >= 0; n--) poly = ddAdd(ddMul(poly, t), ATANH[n]);
  const logm = ddMul(s, poly);
  return ddAdd(ddMul(LN2, [k, 0]), [2 * logm[0], 2 * logm[1]])[0];
}

/** Smallest 2**k - 1 >= x, for 0 < x < 2**32. */
function maskOf(x: number): number {
  return x >= 0x80000000 ? UINT32_MAX : 2 ** (32 - Math.clz32(x)) - 1;
}
