import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Counts } from './campaign.js';
import type { Outcome, ReaderName } from './readers.js';
import type { Seed } from './seeds.js';

/**
 * The running totals of a long campaign across stops and `--from`/`--resume` continuations, kept in
 * `<out>/<reader>/ledger-seed<S>.json`: the inputs first..reached-1 have all run and `counts` are
 * theirs, so a continued run reports totals instead of leaving the earlier runs' counts to logs.
 * Inputs finishing out of order (--jobs) wait in `pending` until the inputs before them are done, so
 * a stop at any moment leaves a ledger that is exact for a contiguous range. It is rewritten after
 * every input (a few hundred bytes, write + rename).
 */

export interface LedgerRun {
  from: number;
  /** Inputs from..to-1 of this run are in the ledger. */
  to: number;
  counts: Counts;
  seconds: number;
  /** 1-minute load average when the run started and at its last write. */
  load: [number, number];
}

export interface LedgerState {
  reader: ReaderName;
  seed: number;
  /** sha256 over the seed files' bytes, in order: input i is the same input only for the same seeds. */
  seedsDigest: string;
  seeds: number;
  first: number;
  reached: number;
  counts: Counts;
  runs: LedgerRun[];
}

const zero = (): Counts => ({ ok: 0, typed: 0, untyped: 0, hang: 0, rss: 0 });
export const total = (c: Counts) => c.ok + c.typed + c.untyped + c.hang + c.rss;

export function seedsDigest(seeds: readonly Seed[]): string {
  const h = createHash('sha256');
  for (const s of seeds) h.update(createHash('sha256').update(s.bytes).digest());
  return h.digest('hex');
}

export function ledgerPath(out: string, reader: ReaderName, seed: number): string {
  return join(out, reader, `ledger-seed${seed}.json`);
}

/** The stored ledger when it belongs to this campaign (same reader, seed and seed files), else undefined. */
export function readLedger(path: string, reader: ReaderName, seed: number, digest: string): LedgerState | undefined {
  if (!existsSync(path)) return undefined;
  const s = JSON.parse(readFileSync(path, 'utf8')) as LedgerState;
  return s.reader === reader && s.seed === seed && s.seedsDigest === digest ? s : undefined;
}

export class Ledger {
  readonly state: LedgerState;
  private readonly run: LedgerRun;
  private readonly pending = new Map<number, Outcome>();
  private readonly t0 = Date.now();
  private readonly secondsBefore: number;

  /** Continues `prior` when it ends at `from`; otherwise starts a ledger at `from`. */
  constructor(
    private readonly path: string | undefined,
    base: Omit<LedgerState, 'first' | 'reached' | 'counts' | 'runs'>,
    from: number,
    prior?: LedgerState,
  ) {
    const continues = prior !== undefined && prior.reached === from;
    this.state = continues
      ? { ...prior, counts: { ...prior.counts }, runs: [...prior.runs] }
      : { ...base, first: from, reached: from, counts: zero(), runs: [] };
    this.secondsBefore = this.state.runs.reduce((a, r) => a + r.seconds, 0);
    this.run = { from, to: from, counts: zero(), seconds: 0, load: [loadavg()[0], loadavg()[0]] };
    this.state.runs.push(this.run);
  }

  /** Whether the counts reach back before this run (a continuation of an earlier ledger). */
  get continued(): boolean {
    return this.state.runs.length > 1;
  }

  /** Wall seconds of all runs in the ledger, this one included. */
  get seconds(): number {
    return this.secondsBefore + this.run.seconds;
  }

  record(i: number, outcome: Outcome): void {
    if (i < this.state.reached) return;
    this.pending.set(i, outcome);
    for (let o = this.pending.get(this.state.reached); o !== undefined; o = this.pending.get(this.state.reached)) {
      this.pending.delete(this.state.reached);
      this.state.counts[o]++;
      this.run.counts[o]++;
      this.run.to = ++this.state.reached;
    }
    this.run.seconds = Math.round((Date.now() - this.t0) / 1000);
    this.run.load[1] = loadavg()[0];
    this.save();
  }

  private save(): void {
    if (!this.path) return;
    mkdirSync(join(this.path, '..'), { recursive: true });
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(this.state, null, 1)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }

  /** One line: the inputs covered and their counts, over how many runs and how long. */
  describe(): string {
    const s = this.state;
    return (
      `inputs ${s.first}..${s.reached - 1} (${s.reached - s.first}) ${JSON.stringify(s.counts)}` +
      ` over ${s.runs.length} run(s), ${this.seconds} s`
    );
  }
}
