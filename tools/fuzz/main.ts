import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { FuzzPool } from './pool.js';
import { READER_NAMES, type ReaderName } from './readers.js';
import { runCampaign, type Counts } from './campaign.js';
import { seedsFor } from './seeds.js';
import { Ledger, ledgerPath, readLedger, seedsDigest } from './ledger.js';

/**
 * npm run fuzz -- [--reader pickle|torch|nvidia|zip|npz|npy|safetensors|idx|image|latent|all] [--n N]
 *                 [--seed S] [--from K | --resume] [--jobs J] [--out DIR] [--no-fixtures] [--max-seed-bytes B] [--max-seconds S]
 *                 [--timeout-ms 5000] [--rss-mb 1024]
 *
 * --max-seconds stops each reader's campaign after S seconds; the table gives the inputs actually run.
 * Input i depends only on (--seed, i): --from K continues a stopped campaign at input K (the table
 * then counts inputs K..N-1), and --jobs J shares the inputs among J worker processes.
 * A ledger per reader (DIR/<reader>/ledger-seed<S>.json, see ledger.ts) keeps the totals across runs:
 * --resume continues at the ledger's end, and --from K at the ledger's end does the same; progress
 * lines and the last line per reader give the ledger's totals. A run from 0 starts a new ledger; a run
 * from elsewhere that does not continue an existing ledger leaves it alone.
 * The 5 s hang limit is CPU time of the child (a loaded machine does not fake hangs).
 * Mutates seed files (built here, plus ../shared/fixtures and models/) and runs each input in a child
 * process with a 5 s / 1 GiB limit, classifying it ok / typed error / untyped error / hang / RSS
 * blow-up. Minimal reproducers of the bad classes go to DIR/<reader>/ (default fuzz-out/).
 * Exit status 1 when any input was untyped, hung or blew up.
 */

function flag(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(
      'npm run fuzz -- --reader <name|all> --n N [--seed S] [--from K | --resume] [--jobs J] [--out DIR] [--no-fixtures] [--max-seed-bytes B] [--max-seconds S] [--timeout-ms MS] [--rss-mb MB]\n' +
        `readers: ${READER_NAMES.join(', ')}\n`,
    );
    return 0;
  }
  const which = flag(argv, 'reader', 'all');
  const readers = which === 'all' ? READER_NAMES : (which.split(',') as ReaderName[]);
  for (const r of readers) if (!READER_NAMES.includes(r)) throw new Error(`unknown reader '${r}' (${READER_NAMES.join(', ')})`);
  const n = Number(flag(argv, 'n', '300'));
  const seed = Number(flag(argv, 'seed', '1'));
  const out = flag(argv, 'out', 'fuzz-out');
  const fixtures = !argv.includes('--no-fixtures');
  const maxSeedBytes = Number(flag(argv, 'max-seed-bytes', String(4 << 20)));
  const maxSeconds = Number(flag(argv, 'max-seconds', '0'));
  const fromFlag = Number(flag(argv, 'from', '0'));
  const resume = argv.includes('--resume');
  const jobs = Math.max(1, Number(flag(argv, 'jobs', '1')));
  const pools = Array.from(
    { length: jobs },
    () =>
      new FuzzPool({
        timeoutMs: Number(flag(argv, 'timeout-ms', '5000')),
        rssBytes: Number(flag(argv, 'rss-mb', '1024')) * 2 ** 20,
      }),
  );
  const rows: [string, Counts, number, number, number][] = [];
  const ledgers: [string, Ledger][] = [];
  let bad = 0;
  const stop = () => {
    for (const p of pools) p.close();
    process.exit(130); // the ledgers are already on disk (written after every input)
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (const reader of readers) {
      const seeds = await seedsFor(reader, { fixtures, maxBytes: maxSeedBytes });
      const digest = seedsDigest(seeds);
      const path = ledgerPath(out, reader, seed);
      const prior = readLedger(path, reader, seed, digest);
      if (resume && !prior) throw new Error(`--resume: no ledger of this campaign at ${path} (same --seed, --out and seed files)`);
      const from = resume ? prior!.reached : fromFlag;
      const continues = prior?.reached === from;
      const ledger = new Ledger(
        from === 0 || continues || !existsSync(path) ? path : undefined,
        { reader, seed, seedsDigest: digest, seeds: seeds.length },
        from,
        prior,
      );
      if (!continues && from > 0 && existsSync(path))
        process.stderr.write(`${reader}: inputs from ${from} do not continue the ledger ${path}; it is left as it is\n`);
      const t0 = Date.now();
      let slowest = 0;
      const live: Counts = { ok: 0, typed: 0, untyped: 0, hang: 0, rss: 0 };
      const starts0 = pools.reduce((a, p) => a + p.starts, 0);
      const { counts, findings } = await runCampaign(pools, reader, seeds, {
        n,
        seed,
        from,
        out,
        deadline: maxSeconds > 0 ? Date.now() + maxSeconds * 1000 : undefined,
        onInput: (done, v, index) => {
          slowest = Math.max(slowest, v.ms);
          live[v.outcome]++;
          ledger.record(index, v.outcome);
          if ((done + 1) % 500 === 0)
            process.stderr.write(
              `${reader}: ${done + 1} inputs from ${from} ${JSON.stringify(live)} (${Math.round((Date.now() - t0) / 1000)} s, ` +
                `load ${loadavg()[0].toFixed(1)}); ledger: ${ledger.describe()}\n`,
            );
        },
      });
      for (const f of findings.filter((x) => x.file))
        process.stderr.write(`${reader}: ${f.outcome}: ${f.message.slice(0, 200)} -> ${f.file}\n`);
      bad += counts.untyped + counts.hang + counts.rss;
      const starts = pools.reduce((a, p) => a + p.starts, 0) - starts0;
      rows.push([`${reader} (${seeds.length} seeds)`, counts, Date.now() - t0, slowest, starts]);
      ledgers.push([reader, ledger]);
      process.stdout.write(`${reader}: ${JSON.stringify(counts)} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    for (const p of pools) p.close();
  }
  const head = '| reader | inputs | ok | typed error | untyped | hang > 5 s CPU | RSS > 1 GB | time | slowest input | worker starts |';
  const lines = [head, '|---|---|---|---|---|---|---|---|---|---|'];
  for (const [name, c, ms, slow, starts] of rows) {
    const total = c.ok + c.typed + c.untyped + c.hang + c.rss;
    lines.push(
      `| ${name} | ${total} | ${c.ok} | ${c.typed} | ${c.untyped} | ${c.hang} | ${c.rss} | ${(ms / 1000).toFixed(0)} s | ${slow} ms | ${starts} |`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  for (const [reader, ledger] of ledgers)
    process.stdout.write(`${reader} ${ledger.continued ? 'totals with the earlier runs' : 'ledger'}: ${ledger.describe()}\n`);
  return bad ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
