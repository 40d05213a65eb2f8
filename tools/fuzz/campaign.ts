import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputRng, mutate } from './mutate.js';
import { FuzzPool, type Verdict } from './pool.js';
import type { Outcome, ReaderName } from './readers.js';
import type { Seed } from './seeds.js';

/** One reader's campaign: n mutated inputs, counted by outcome, failures minimised and saved. */

export type Counts = Record<Outcome, number>;

export interface Finding {
  reader: ReaderName;
  outcome: Outcome;
  message: string;
  seed: string;
  steps: string[];
  /** Saved reproducer (minimised) when an output folder was given. */
  file?: string;
  bytes: number;
}

export interface CampaignOptions {
  n: number;
  seed?: number;
  /** First input index (default 0): inputs from..n-1 run, so a stopped campaign can continue. */
  from?: number;
  /** Folder for minimal reproducers (none: nothing is saved). */
  out?: string;
  /** Minimisation attempts per finding (default 40). */
  minimize?: number;
  /** Stop before this time (ms since the epoch); the counts say how many inputs ran. */
  deadline?: number;
  /** Called after every input: how many of this run are done before it, its verdict, its input index. */
  onInput?: (done: number, v: Verdict, index: number) => void;
}

const BAD: Outcome[] = ['untyped', 'hang', 'rss'];

/** Shrinks `bytes` while the reader keeps giving the same bad outcome: chunk deletion, then truncation. */
async function minimize(
  pool: FuzzPool,
  reader: ReaderName,
  bytes: Uint8Array,
  outcome: Outcome,
  attempts: number,
): Promise<Uint8Array> {
  let best = bytes;
  let chunk = Math.max(1, best.length >> 1);
  for (let k = 0; k < attempts && chunk >= 1 && best.length > 1; k++) {
    let improved = false;
    for (let at = 0; at < best.length && k < attempts; at += chunk, k++) {
      const cand = new Uint8Array(best.length - Math.min(chunk, best.length - at));
      cand.set(best.subarray(0, at));
      cand.set(best.subarray(at + chunk), at);
      const v = await pool.run(reader, cand, `repro.${reader}`);
      if (v.outcome === outcome) {
        best = cand;
        improved = true;
        break;
      }
    }
    if (!improved) chunk >>= 1;
  }
  return best;
}

/**
 * Runs inputs from..n-1 of a campaign. Input i mutates seed i mod seeds.length with its own random
 * source (seed, i), so the inputs do not depend on how they are split: with several pools (one
 * worker process each) the inputs are shared out and the counts are those of a single pool.
 */
export async function runCampaign(
  pools: FuzzPool | readonly FuzzPool[],
  reader: ReaderName,
  seeds: readonly Seed[],
  opts: CampaignOptions,
): Promise<{ counts: Counts; findings: Finding[] }> {
  const counts: Counts = { ok: 0, typed: 0, untyped: 0, hang: 0, rss: 0 };
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let next = opts.from ?? 0;
  let done = 0;
  const lane = async (pool: FuzzPool) => {
    while (next < opts.n && !(opts.deadline && Date.now() > opts.deadline)) {
      const i = next++;
      const seed = seeds[i % seeds.length];
      const { bytes, steps } = mutate(inputRng(opts.seed ?? 1, i), seed.bytes, reader);
      const v = await pool.run(reader, bytes, `fuzz-${reader}-${i}.bin`);
      counts[v.outcome]++;
      opts.onInput?.(done++, v, i);
      if (!BAD.includes(v.outcome)) continue;
      const finding: Finding = { reader, outcome: v.outcome, message: v.message, seed: seed.name, steps, bytes: bytes.length };
      // One reproducer per distinct (outcome, message shape), so a bug found 500 times is saved once.
      const key = `${v.outcome}:${v.message.replace(/\d+/g, '#').slice(0, 120)}`;
      if (opts.out && !seen.has(key)) {
        seen.add(key);
        const small = await minimize(pool, reader, bytes, v.outcome, opts.minimize ?? 40);
        const dir = join(opts.out, reader);
        mkdirSync(dir, { recursive: true });
        const name = `${v.outcome}-${createHash('sha256').update(small).digest('hex').slice(0, 12)}.bin`;
        writeFileSync(join(dir, name), small);
        writeFileSync(join(dir, `${name}.txt`), `${v.message}\ninput: ${i}\nseed: ${seed.name}\nmutations: ${steps.join(', ')}\n`);
        finding.file = join(dir, name);
        finding.bytes = small.length;
      }
      findings.push(finding);
    }
  };
  await Promise.all((pools instanceof FuzzPool ? [pools] : pools).map(lane));
  return { counts, findings };
}
