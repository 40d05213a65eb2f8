/**
 * Benchmark harness: interleaved rounds across variants, best-of and median, a probe conv timed at the
 * start and end of every round to flag noisy windows, GFLOP/s and ratios to a ceiling measured in the
 * same run, a plain-text table, JSON.
 *
 * Why interleaved rounds: on the shared 2-vCPU VM, two-thread timings swing 2-20x for minutes at a time
 * (engine-spike.md, Pitfalls 1). Every variant runs once per round, in a rotating order, so a slow
 * window hits all of them; per-round ratios against the ceiling (measured in the same round) cancel
 * most of the drift, and the probe marks the rounds that are not to be trusted.
 */

import { readFileSync } from 'node:fs';

/** A pass/miss target on a figure. */
export interface Target {
  /** Minimum ratio to the ceiling's GFLOP/s (0.8 = 80 %). */
  minRatio: number;
  text: string;
}

/** One timed thing: a compiled program plus its feeds, wrapped as a thunk. */
export interface Timed {
  /** Unique key (`--only` matches it). */
  name: string;
  /** Table section. */
  group: string;
  label: string;
  /** FLOPs counted per call (2·MACs of the convolutions; see engine.ts). */
  flops: number;
  run: () => Promise<unknown>;
  target?: Target;
  note?: string;
}

export interface RoundOptions {
  /** Calm rounds wanted: rounds go on until this many were calm (or the time or round cap is hit). */
  rounds: number;
  /** Stop starting new rounds after this many seconds (at least `minRounds` run). */
  maxSeconds: number;
  minRounds: number;
  /** Hard cap on rounds, calm or not. */
  maxRounds: number;
  /** After a noisy round, wait up to this many seconds for other processes to go quiet. */
  quietWait: number;
  /**
   * Pause before each variant's calls, ms. With ORT's allow_spinning on, intra-op workers spin for
   * tens of ms after a run (each session has its own pool), so the session timed next would share the
   * 2 cores with the previous one's spinning workers: measured up to 2x slower. Not needed when off.
   */
  settleMs: number;
  /** Aim for about this much time per variant per round (calls are repeated up to it). */
  perVariantMs: number;
  maxCalls: number;
  /** A round is noisy when its probe runs below calmFactor × the best probe GFLOP/s. */
  calmFactor: number;
  /** Called after every round (progress line). */
  onRound?: (r: number, probeGflops: number, seconds: number, otherLoad: number) => void;
  /** A round is also noisy when other processes used more than this share of the CPUs during it. */
  maxOtherLoad: number;
}

export const DEFAULT_ROUNDS: RoundOptions = {
  rounds: 10,
  maxSeconds: 100,
  minRounds: 4,
  maxRounds: 40,
  quietWait: 4,
  settleMs: 120,
  perVariantMs: 60,
  maxCalls: 6,
  calmFactor: 0.85,
  maxOtherLoad: 0.2,
};

export interface Stats {
  name: string;
  group: string;
  label: string;
  flops: number;
  /** Per round: the fastest call of the round, ms (NaN when the variant did not run that round). */
  roundMs: number[];
  calls: number;
  bestMs: number;
  medianMs: number;
  /** Median over calm rounds only (all rounds when none is calm). */
  calmMedianMs: number;
  gflops: number;
  /** best GFLOP/s / ceiling's best GFLOP/s. */
  ratioBest?: number;
  /** Median over calm rounds of (GFLOP/s / ceiling GFLOP/s in the same round). */
  ratioPaired?: number;
  target?: Target;
  /** Pass when both ratios meet the target (the best ratio alone can be flattered by one lucky round). */
  pass?: boolean;
  note?: string;
}

export interface RoundReport {
  stats: Stats[];
  probe: { flops: number; roundGflops: number[]; bestGflops: number; calm: boolean[] };
  /** Per round: share of the CPUs used by other processes and hypervisor steal (Linux; NaN elsewhere). */
  otherLoad: number[];
  rounds: number;
  seconds: number;
}

export const now = (): number => performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function min(xs: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of xs) if (Number.isFinite(x) && x < m) m = x;
  return Number.isFinite(m) ? m : Number.NaN;
}

/** A CPU-time sample: machine-wide jiffies from /proc/stat and this process's own CPU time. */
interface CpuSample {
  busy: number;
  total: number;
  ownUs: number;
}

const JIFFY_US = 10_000; // USER_HZ = 100 on Linux

function cpuSample(): CpuSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // user nice system idle iowait irq softirq steal
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const u = process.cpuUsage();
    return { busy: total - v[3] - v[4], total, ownUs: u.user + u.system };
  } catch {
    return null;
  }
}

/**
 * Share of the machine's CPU capacity used by anything but this process (other processes, the
 * hypervisor's steal) between two samples: 0.5 on a 2-core machine = one core busy elsewhere.
 */
export function otherLoad(a: CpuSample | null, b: CpuSample | null): number {
  if (!a || !b || b.total === a.total) return Number.NaN;
  const other = (b.busy - a.busy) * JIFFY_US - (b.ownUs - a.ownUs);
  return Math.max(0, other / ((b.total - a.total) * JIFFY_US));
}

/**
 * Waits until other processes leave the CPUs alone (other load below `threshold` over a 1 s window),
 * at most `maxSeconds`. Returns the last window's load (NaN when it cannot be measured).
 */
export async function waitQuiet(maxSeconds: number, threshold = 0.1): Promise<number> {
  const end = now() + maxSeconds * 1000;
  for (;;) {
    const a = cpuSample();
    await sleep(1000);
    const load = otherLoad(a, cpuSample());
    if (!(load >= threshold) || now() >= end) return load;
  }
}

async function fastest(fn: () => Promise<unknown>, calls: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    await fn();
    const dt = now() - t0;
    if (dt < best) best = dt;
  }
  return best;
}

/**
 * Times `items` in interleaved rounds with `probe` timed at the start and end of each round. The
 * variant named `ceilingName` (one of `items`) is the denominator of the ratios.
 */
export async function measureRounds(
  items: readonly Timed[],
  probe: Timed,
  ceilingName: string | undefined,
  opts: RoundOptions,
): Promise<RoundReport> {
  // Warm-up: two calls each (first-run allocations, arena growth), and a call-count estimate.
  const calls = new Map<string, number>();
  for (const it of items) {
    await it.run();
    await sleep(opts.settleMs);
    const t = await fastest(it.run, 1);
    calls.set(
      it.name,
      Math.max(1, Math.min(opts.maxCalls, Math.round(opts.perVariantMs / Math.max(t, 0.01)))),
    );
  }
  await fastest(probe.run, 2);

  const roundMs = new Map<string, number[]>(items.map((it) => [it.name, []]));
  const probeMs: number[] = [];
  const others: number[] = [];
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  let r = 0;
  let calmSoFar = 0;
  let bestProbeMs = Number.POSITIVE_INFINITY;
  let lastNoisy = false;
  for (; r < opts.maxRounds; r++) {
    if (calmSoFar >= opts.rounds) break;
    if (r >= opts.minRounds && elapsed() > opts.maxSeconds) break;
    if (lastNoisy && opts.quietWait > 0) {
      await waitQuiet(
        Math.min(opts.quietWait, Math.max(0, opts.maxSeconds - elapsed())),
        opts.maxOtherLoad / 2,
      );
    }
    const cpu0 = cpuSample();
    await sleep(opts.settleMs);
    const pStart = await fastest(probe.run, 3);
    const n = items.length;
    for (let k = 0; k < n; k++) {
      const it = items[(k + r) % n]; // rotate the order: no variant always runs right after the probe
      await sleep(opts.settleMs);
      roundMs.get(it.name)!.push(await fastest(it.run, calls.get(it.name)!));
    }
    await sleep(opts.settleMs);
    const pEnd = await fastest(probe.run, 3);
    // The slower of the two probes marks the round: a slowdown anywhere in it shows at one end or the other.
    const pMs = Math.max(pStart, pEnd);
    probeMs.push(pMs);
    others.push(otherLoad(cpu0, cpuSample()));
    // Provisional calm test against the best probe so far (the final one, below, uses the best overall).
    bestProbeMs = Math.min(bestProbeMs, pMs);
    lastNoisy = pMs > bestProbeMs / opts.calmFactor || others[others.length - 1] > opts.maxOtherLoad;
    if (!lastNoisy) calmSoFar++;
    opts.onRound?.(
      r,
      probe.flops / Math.max(pStart, pEnd) / 1e6,
      (now() - t0) / 1000,
      others[others.length - 1],
    );
  }
  const seconds = (now() - t0) / 1000;

  const probeGflops = probeMs.map((ms) => probe.flops / ms / 1e6);
  const bestProbe = Math.max(...probeGflops);
  const calm = probeGflops.map(
    (g, i) => g >= opts.calmFactor * bestProbe && !(others[i] > opts.maxOtherLoad),
  );
  const anyCalm = calm.some(Boolean);
  const pick = (xs: number[]) => xs.filter((_, i) => !anyCalm || calm[i]);

  const ceil = ceilingName ? roundMs.get(ceilingName) : undefined;
  const ceilItem = items.find((it) => it.name === ceilingName);
  const stats = items.map((it): Stats => {
    const ms = roundMs.get(it.name)!;
    const bestMs = min(ms);
    const s: Stats = {
      name: it.name,
      group: it.group,
      label: it.label,
      flops: it.flops,
      roundMs: ms,
      calls: calls.get(it.name)!,
      bestMs,
      medianMs: median(ms),
      calmMedianMs: median(pick(ms)),
      gflops: it.flops / bestMs / 1e6,
      target: it.target,
      note: it.note,
    };
    if (ceil && ceilItem && it.flops > 0) {
      s.ratioBest = s.gflops / (ceilItem.flops / min(ceil) / 1e6);
      const paired = ms.map((m, i) => it.flops / m / (ceilItem.flops / ceil[i]));
      s.ratioPaired = median(pick(paired));
      if (it.target) s.pass = s.ratioBest >= it.target.minRatio && s.ratioPaired >= it.target.minRatio;
    }
    return s;
  });
  return {
    stats,
    probe: { flops: probe.flops, roundGflops: probeGflops, bestGflops: bestProbe, calm },
    otherLoad: others,
    rounds: r,
    seconds,
  };
}

// ---- build / session / first-call timing ----------------------------------------------------

export interface BuildTiming {
  name: string;
  group: string;
  label: string;
  nodes: number;
  modelBytes: number;
  /** trace + autodiff (the user's function, grad included), ms */
  traceMs: number;
  /** lower (CSE, initializers) + serialise, ms */
  lowerMs: number;
  /** compile(noCache) minus its own lower+serialise: ORT session creation (optimiser, prepacking), ms */
  sessionMs: number;
  /** the first run() on a fresh session, ms */
  firstRunMs: number;
  /** trace + compile + first run, ms (what a user waits for); the other columns come from this repetition */
  firstCallMs: number;
  /** the slowest repetition in a warm process (all but the process's very first one) */
  firstCallWorstMs: number;
  /** every repetition of the first call */
  firstCallAll: number[];
  /** the first program timed in this process: its first repetition paid the process's one-time costs */
  cold?: boolean;
  /** one-time process costs (ORT environment, V8 warm-up): first program's cold rep minus its median rep */
  processInitMs: number;
  /** slowest repetition plus processInitMs (for the first program: its cold rep): a fresh process's first call */
  coldEstimateMs: number;
  pass?: boolean;
}

/** First-call target. */
export const FIRST_CALL_TARGET_MS = 1000;

// ---- formatting -------------------------------------------------------------------------------

function pad(s: string, n: number, right = false): string {
  if (s.length >= n) return s;
  return right ? s + ' '.repeat(n - s.length) : ' '.repeat(n - s.length) + s;
}

/** A plain-text table; the first column is left-aligned, the others right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => pad(c ?? '', w[i], i === 0)).join('  ');
  const out = [line(head), w.map((n) => '-'.repeat(n)).join('  ')];
  for (const r of rows) out.push(r.length === 1 ? r[0] : line(r));
  return out.join('\n');
}

export const f1 = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(1);
export const f2 = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(2);
export const pct = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : `${Math.round(x * 100)}%`;

export function formatRounds(rep: RoundReport): string {
  const rows: string[][] = [];
  let group = '';
  for (const s of rep.stats) {
    if (s.group !== group) {
      group = s.group;
      rows.push([`[${group}]`]);
    }
    const status = s.pass === undefined ? '' : s.pass ? 'pass' : 'MISS';
    rows.push([
      `  ${s.label}`,
      f2(s.bestMs),
      f2(s.medianMs),
      f2(s.calmMedianMs),
      (s.flops / 1e9).toFixed(2),
      s.flops ? f1(s.gflops) : '-',
      pct(s.ratioBest),
      pct(s.ratioPaired),
      s.target ? s.target.text : '',
      status,
    ]);
  }
  const head = [
    'case',
    'best ms',
    'med ms',
    'calm med',
    'GFLOP',
    'GFLOP/s',
    '%ceil',
    '%ceil pair',
    'target',
    '',
  ];
  const calmCount = rep.probe.calm.filter(Boolean).length;
  const probeLine =
    `probe conv: best ${f1(rep.probe.bestGflops)} GFLOP/s; per round ` +
    rep.probe.roundGflops.map((g, i) => `${g.toFixed(0)}${rep.probe.calm[i] ? '' : '*'}`).join(' ') +
    ` (* = noisy round: probe below ${pct(DEFAULT_ROUNDS.calmFactor)} of best, or other load high; ${calmCount}/${rep.rounds} calm)`;
  const other = rep.otherLoad.some(Number.isFinite)
    ? `\nCPU used by other processes per round: ${rep.otherLoad.map((x) => pct(x)).join(' ')} (noisy above ${pct(DEFAULT_ROUNDS.maxOtherLoad)})`
    : '';
  const warn =
    calmCount === 0
      ? '\nWARNING: no calm round. Figures are contended; ratios are biased towards short calls (they dodge ' +
        'preemption more often than the long ceiling call). Re-run when the machine is idle, or with --threads 1.'
      : '';
  return `${table(head, rows)}\n${probeLine}${other}\n${rep.rounds} rounds in ${rep.seconds.toFixed(1)} s${warn}`;
}

export function formatBuild(rows: readonly BuildTiming[]): string {
  const head = [
    'program',
    'nodes',
    'KiB',
    'trace+ad',
    'lower+ser',
    'session',
    '1st run',
    '1st call',
    'warm worst',
    'cold est',
    'target',
    '',
  ];
  const body = rows.map((b) => [
    `${b.name}${b.cold ? ' (first: cold)' : ''}`,
    String(b.nodes),
    (b.modelBytes / 1024).toFixed(0),
    f1(b.traceMs),
    f1(b.lowerMs),
    f1(b.sessionMs),
    f1(b.firstRunMs),
    f1(b.firstCallMs),
    f1(b.firstCallWorstMs),
    f1(b.coldEstimateMs),
    `< ${FIRST_CALL_TARGET_MS / 1000} s`,
    b.pass ? 'pass' : 'MISS',
  ]);
  const init = rows[0]?.processInitMs;
  const foot =
    init === undefined
      ? ''
      : `\none-time process cost (ORT environment + V8 warm-up, from the first program's cold repetition): ${f1(init)} ms; ` +
        'cold est = worst + that (the first program: its cold repetition). Pass/miss on the warm worst ' +
        "(issue 22: a model's first call in a warm process, every repetition).";
  return table(head, body) + foot;
}
