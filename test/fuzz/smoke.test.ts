import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../tools/fuzz/campaign.js';
import { FuzzPool } from '../../tools/fuzz/pool.js';
import { READER_NAMES } from '../../tools/fuzz/readers.js';
import { seedsFor } from '../../tools/fuzz/seeds.js';

/**
 * CI smoke of `npm run fuzz`: 50 mutated inputs per reader (500 in all; the issue suggests 300 per
 * reader, 50 keeps this well under a minute on a loaded 2-core machine), built-in seeds only, each in
 * the fuzzer's child process with its 5 s CPU / 1 GiB limits. Every input must parse or fail with
 * a typed error naming the file.
 */
const PER_READER = 50;
const pool = new FuzzPool();
afterAll(() => pool.close());

describe('fuzz smoke', () => {
  for (const reader of READER_NAMES) {
    it(`${reader}: ${PER_READER} mutated inputs, no untyped errors, hangs or blow-ups`, async () => {
      const seeds = await seedsFor(reader, { fixtures: false });
      const { counts, findings } = await runCampaign(pool, reader, seeds, { n: PER_READER, seed: 16 });
      expect(findings.map((f) => `${f.outcome}: ${f.message} (${f.steps.join('+')})`)).toEqual([]);
      expect(counts.ok + counts.typed).toBe(PER_READER);
    }, 120_000);
  }
});
