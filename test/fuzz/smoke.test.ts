import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../tools/fuzz/campaign.js';
import { FuzzPool } from '../../tools/fuzz/pool.js';
import { READER_NAMES } from '../../tools/fuzz/readers.js';
import { seedsFor } from '../../tools/fuzz/seeds.js';

/**
 * CI smoke of `npm run fuzz`: 100 mutated inputs per reader (1000 in all), built-in seeds only, each
 * in the fuzzer's child process with its 5 s CPU / 1 GiB limits. Every input must parse or fail with
 * a typed error naming the file. Measured CPU (user + system, vitest start-up included): 11.9 s at 50
 * per reader, 30.3 s at 100, so the 300 would be ~80 s, over the ~60 s this suite can spend
 * on it. The long runs are `npm run fuzz -- --n 10000`.
 */
const PER_READER = 100;
const pool = new FuzzPool();
afterAll(() => pool.close());

describe('fuzz smoke', () => {
  for (const reader of READER_NAMES) {
    it(`${reader}: ${PER_READER} mutated inputs, no untyped errors, hangs or blow-ups`, async () => {
      const seeds = await seedsFor(reader, { fixtures: false });
      const { counts, findings } = await runCampaign(pool, reader, seeds, { n: PER_READER, seed: 16 });
      expect(findings.map((f) => `${f.outcome}: ${f.message} (${f.steps.join('+')})`)).toEqual([]);
      expect(counts.ok + counts.typed).toBe(PER_READER);
    }, 600_000); // generous: a loaded 2-core machine is many times slower than CI
  }
});
