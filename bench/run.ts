/**
 * npm run bench -- [--only <names>] [--threads N] [--rounds N] [--seconds S] [--json out.json]
 *                  [--first-call-reps N] [--profile] [--variants]
 *
 *   --only      comma-separated case names or prefixes (e.g. `stackA,modconv.bwdx,ceiling`); `*` globs.
 *               The ceiling and the probe are always measured (ratios need them).
 *   --threads   intra-op threads (also exported as LATENTLAB_THREADS); default 2.
 *   --rounds    interleaved timing rounds (default 12; stops early past --seconds, after 4).
 *   --profile   also profile every selected program with ORT's profiler (per-op time, bench-local session).
 *   --variants  also time alternative backward recipes (bench/variants.ts) on the same shapes.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { compile } from '../src/runtime/compile.js';
import { ceilingCase, engineCases, type ProgramCase, probeCase } from './engine.js';
import { measureFirstCalls } from './firstcall.js';
import {
  DEFAULT_ROUNDS,
  FIRST_CALL_TARGET_MS,
  formatBuild,
  formatRounds,
  measureRounds,
  type RoundReport,
  type Timed,
} from './harness.js';
import { formatProfile, profileProgram } from './profile.js';
import { variantCases } from './variants.js';

interface Args {
  only?: string[];
  threads: number;
  rounds: number;
  seconds: number;
  json?: string;
  firstCallReps: number;
  profile: boolean;
  variants: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    threads: 2,
    rounds: DEFAULT_ROUNDS.rounds,
    seconds: DEFAULT_ROUNDS.maxSeconds,
    firstCallReps: 3,
    profile: false,
    variants: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const int = (x: string) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${k}: expected a non-negative integer, got '${x}'`);
      return n;
    };
    if (k === '--only')
      a.only = v()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (k === '--threads') a.threads = Math.max(1, int(v()));
    else if (k === '--rounds') a.rounds = Math.max(1, int(v()));
    else if (k === '--seconds') a.seconds = Number(v());
    else if (k === '--json') a.json = v();
    else if (k === '--first-call-reps') a.firstCallReps = int(v());
    else if (k === '--profile') a.profile = true;
    else if (k === '--variants') a.variants = true;
    else if (k === '--help' || k === '-h') {
      console.log(
        'npm run bench -- [--only a,b] [--threads 2] [--rounds 12] [--seconds 100] [--json out.json] [--first-call-reps 3] [--profile] [--variants]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument '${k}' (try --help)`);
  }
  return a;
}

function matches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p.includes('*'))
      return new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);
    return name === p || name.startsWith(`${p}.`);
  });
}

async function toTimed(c: ProgramCase, threads: number): Promise<Timed> {
  const exe = await compile(c.build(), { threads });
  const feeds = c.feeds();
  return {
    name: c.name,
    group: c.group,
    label: c.label,
    flops: c.flops,
    target: c.target,
    note: c.note,
    run: () => exe.runNamed(feeds),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.env.LATENTLAB_THREADS = String(args.threads);
  const started = performance.now();

  let cases = engineCases();
  if (args.variants) cases.push(...variantCases());
  if (args.only) {
    const only = args.only;
    cases = cases.filter((c) => c.name === 'ceiling' || matches(c.name, only));
  }
  if (!cases.some((c) => c.name === 'ceiling')) cases.unshift(ceilingCase());
  const probe = probeCase();

  console.log(
    `latentlab bench: ${cases.length} cases, threads ${args.threads}, ${cpus()[0]?.model ?? '?'} x${availableParallelism()}, ` +
      `node ${process.version}`,
  );
  console.log('FLOPs = 2*MACs of the convolutions; fwd+bwd(x) = 2x fwd conv FLOPs, +weight grad = 3x.\n');

  // (d) first: the first repetition of the first program pays ORT's one-time initialisation.
  const firstCalls =
    args.firstCallReps > 0
      ? await measureFirstCalls(cases, { threads: args.threads, reps: args.firstCallReps })
      : [];
  if (firstCalls.length) {
    console.log(
      `(d) build, session and first-call latency, ms (best of ${args.firstCallReps}; worst = slowest rep)`,
    );
    console.log(formatBuild(firstCalls));
    console.log('');
  }

  const timed: Timed[] = [];
  for (const c of cases) timed.push(await toTimed(c, args.threads));
  const probeTimed = await toTimed(probe, args.threads);
  const report: RoundReport = await measureRounds(timed, probeTimed, 'ceiling', {
    ...DEFAULT_ROUNDS,
    rounds: args.rounds,
    maxSeconds: args.seconds,
    onRound: (r, g, s) =>
      process.stderr.write(`  round ${r + 1}: probe ${g.toFixed(0)} GFLOP/s, ${s.toFixed(0)} s\n`),
  });

  const profiles: { name: string; text: string; rows: unknown }[] = [];
  if (args.profile) {
    for (const c of cases) {
      const prof = await profileProgram(c, args.threads);
      profiles.push({ name: c.name, text: formatProfile(c.name, prof), rows: prof });
    }
  }

  console.log(
    `\nthroughput, threads ${args.threads} (ms per call; GFLOP/s and %ceil from the best round; %ceil pair = median over calm rounds of the same-round ratio)`,
  );
  console.log(formatRounds(report));
  for (const s of report.stats) if (s.note) console.log(`  note: ${s.name}: ${s.note}`);
  for (const p of profiles) console.log(`\n${p.text}`);

  const misses = [
    ...report.stats.filter((s) => s.pass === false).map((s) => s.name),
    ...firstCalls.filter((b) => !b.pass).map((b) => `${b.name} first call`),
  ];
  console.log(
    `\ntargets: fwd >= 80% of ceiling, fwd+bwd(x) >= 40%, first call < ${FIRST_CALL_TARGET_MS / 1000} s -> ` +
      (misses.length ? `MISS: ${misses.join(', ')}` : 'all pass'),
  );
  const total = (performance.now() - started) / 1000;
  console.log(`total ${total.toFixed(0)} s`);

  if (args.json) {
    const out = {
      date: new Date().toISOString(),
      threads: args.threads,
      cpu: cpus()[0]?.model,
      node: process.version,
      flops: '2*MACs of convolutions; fwd+bwd(x) = 2x, +weights = 3x forward conv FLOPs',
      rounds: report.rounds,
      seconds: report.seconds,
      probe: report.probe,
      throughput: report.stats,
      firstCall: firstCalls,
      profiles: profiles.map((p) => ({ name: p.name, ops: p.rows })),
      totalSeconds: total,
    };
    writeFileSync(args.json, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`wrote ${args.json}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
