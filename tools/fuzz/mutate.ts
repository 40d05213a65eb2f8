/**
 * Mutations for the fuzzer, each aimed at a class of reader bugs: bit flips, truncation at
 * structural boundaries, length/size fields inflated, pickle memo/DUP sharing, deep nesting and
 * zip directories that lie about sizes and offsets. Deterministic for a given random source.
 */

export type Rng = () => number;

/** mulberry32: a small seeded PRNG, so a run is reproducible from its seed. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random source of input `i` of a campaign: each input can be rebuilt alone (--from, parallel workers). */
export function inputRng(seed: number, i: number): Rng {
  return rng(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rng, n: number) => Math.floor(r() * n);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Offsets where structures begin: zip signatures, pickle PROTO/STOP/MARK, JSON/npy brackets, headers. */
export function regions(b: Uint8Array): number[] {
  let cached = regionCache.get(b);
  if (!cached) regionCache.set(b, (cached = findRegions(b)));
  return cached;
}

/** Seeds are mutated thousands of times; their regions are found once (a 3 MB scan per input otherwise). */
const regionCache = new WeakMap<Uint8Array, number[]>();

function findRegions(b: Uint8Array): number[] {
  const out = new Set<number>([0, 1, 2, 4, 8, 10, 16, b.length - 1, b.length >> 1]);
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && (b[i + 2] === 1 || b[i + 2] === 3 || b[i + 2] === 5 || b[i + 2] === 6))
      out.add(i);
    if (b[i] === 0x80 && b[i + 1] <= 5) out.add(i);
    if ((b[i] === 0x2e || b[i] === 0x28 || b[i] === 0x7b || b[i] === 0x5b) && out.size < 4096) out.add(i);
  }
  return [...out].filter((x) => x >= 0 && x <= b.length);
}

function bitFlips(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  const n = 1 + int(r, 8);
  for (let k = 0; k < n && out.length; k++) out[int(r, out.length)] ^= 1 << int(r, 8);
  return out;
}

function truncate(r: Rng, b: Uint8Array): Uint8Array {
  const at = r() < 0.6 ? pick(r, regions(b)) : int(r, b.length + 1);
  return b.slice(0, Math.max(0, at + (r() < 0.5 ? 0 : int(r, 8) - 4)));
}

/** Overwrites a 2/4/8-byte little- or big-endian field with a huge or off-by-some value. */
function inflateLength(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length < 8) return bitFlips(r, b);
  const width = pick(r, [2, 4, 4, 8]);
  const at = r() < 0.5 ? pick(r, regions(b)) + int(r, 48) : int(r, out.length);
  const p = Math.min(Math.max(0, at), out.length - width);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = r() < 0.8;
  const huge = pick(r, [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffff0, 1 << 20]);
  if (width === 2) view.setUint16(p, pick(r, [0xffff, 0x8000, view.getUint16(p, le) + 1]), le);
  else if (width === 4) view.setUint32(p, r() < 0.7 ? huge : (view.getUint32(p, le) * 2) >>> 0, le);
  else view.setBigUint64(p, pick(r, [0xffffffffffffffffn, 1n << 40n, 1n << 32n, BigInt(huge)]), le);
  return out;
}

/** Inserts pickle opcodes that share values: DUP, BINGET of early memo slots, MEMOIZE, repeated REDUCE. */
function memoSharing(r: Rng, b: Uint8Array): Uint8Array {
  const at = int(r, b.length + 1);
  const snippets = [
    [0x32], // DUP
    [0x32, 0x32, 0x32],
    [0x68, int(r, 4)], // BINGET
    [0x94], // MEMOIZE
    [0x71, int(r, 4), 0x68, int(r, 4), 0x68, int(r, 4)],
    // a list holding itself twice, nested: ] q0 ( h0 h0 e q0
    [0x5d, 0x71, 0, 0x28, 0x68, 0, 0x68, 0, 0x65, 0x71, 0, 0x28, 0x68, 0, 0x68, 0, 0x65],
  ];
  const snippet = Uint8Array.from(pick(r, snippets));
  const reps = 1 + int(r, 40);
  const parts: Uint8Array[] = [b.slice(0, at)];
  for (let i = 0; i < reps; i++) parts.push(snippet);
  parts.push(b.slice(at));
  return concat(...parts);
}

/** Deep nesting at a random place: pickle MARKs, EMPTY_LIST/APPEND chains, JSON or npy-header brackets. */
function deepNesting(r: Rng, b: Uint8Array): Uint8Array {
  const depth = pick(r, [100, 1000, 5000, 100_000]);
  const at = int(r, b.length + 1);
  const kind = int(r, 4);
  let inner: Uint8Array;
  if (kind === 0) inner = new Uint8Array(depth).fill(0x28); // MARK
  else if (kind === 1) {
    inner = new Uint8Array(depth * 2); // ] ] ] ... then a a a
    inner.fill(0x5d, 0, depth);
    inner.fill(0x61, depth);
  } else if (kind === 2) {
    inner = new Uint8Array(depth * 2); // [[[ ... ]]]
    inner.fill(0x5b, 0, depth);
    inner.fill(0x5d, depth);
  } else inner = new Uint8Array(depth).fill(0x28).map((x, i) => (i % 2 ? 0x5d : x)); // ( ] ( ] ...
  return concat(b.slice(0, at), inner, b.slice(at));
}

/** Zip central/local records that lie: sizes, compressed sizes, offsets, counts, methods. */
function zipLies(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const sites: [number, number[]][] = [];
  for (let i = 0; i + 46 < out.length; i++) {
    if (out[i] !== 0x50 || out[i + 1] !== 0x4b) continue;
    if (out[i + 2] === 1 && out[i + 3] === 2) sites.push([i, [10, 20, 24, 28, 30, 42]]); // central
    if (out[i + 2] === 3 && out[i + 3] === 4) sites.push([i, [8, 18, 22, 26, 28]]); // local
    if (out[i + 2] === 5 && out[i + 3] === 6) sites.push([i, [10, 12, 16]]); // EOCD
  }
  if (!sites.length) return inflateLength(r, b);
  const n = 1 + int(r, 3);
  for (let k = 0; k < n; k++) {
    const [base, fields] = pick(r, sites);
    const f = base + pick(r, fields);
    if (f + 4 > out.length) continue;
    const v = view.getUint32(f, true);
    view.setUint32(f, pick(r, [0xffffffff, v * 2, v + 1, Math.max(0, v - 1), 0, v * 1000, 3 * 2 ** 30]) >>> 0, true);
  }
  return out;
}

export const MUTATIONS = {
  bitflip: bitFlips,
  truncate,
  length: inflateLength,
  memo: memoSharing,
  nesting: deepNesting,
  ziplie: zipLies,
} as const;
export type MutationName = keyof typeof MUTATIONS;

/** One mutated input: 1–3 stacked mutations, weighted toward those that fit the reader. */
export function mutate(r: Rng, seed: Uint8Array, reader: string): { bytes: Uint8Array; steps: MutationName[] } {
  const pool: MutationName[] = ['bitflip', 'bitflip', 'truncate', 'truncate', 'length', 'length', 'nesting'];
  if (['pickle', 'torch', 'nvidia'].includes(reader)) pool.push('memo', 'memo', 'memo', 'nesting');
  if (['zip', 'npz', 'torch', 'nvidia'].includes(reader)) pool.push('ziplie', 'ziplie', 'ziplie');
  const steps: MutationName[] = [];
  let bytes = seed;
  const n = 1 + (r() < 0.3 ? int(r, 3) : 0);
  for (let i = 0; i < n; i++) {
    const m = pick(r, pool);
    steps.push(m);
    bytes = MUTATIONS[m](r, bytes);
  }
  return { bytes, steps };
}
