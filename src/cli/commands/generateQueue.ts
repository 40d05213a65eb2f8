import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError } from '../../index.js';
import type { GenerateShardOptions } from '../../jobs/queue/index.js';

export interface QueuedGenerate {
  url: string;
  model: string;
  seeds: readonly number[];
  outdir: string;
  shardSize: number;
  options: GenerateShardOptions;
}

/** `generate --queue`: seeds in shards; shards whose PNGs all exist are skipped, the rest queued. */
export async function generateOnQueue(q: QueuedGenerate, out: (line: string) => void): Promise<void> {
  const { bundleRef, generateShards, runShards, seedFile, writeShardFiles } =
    await import('../../jobs/queue/index.js');
  const all = generateShards(bundleRef(q.model), q.options, q.seeds, q.shardSize);
  const shards = all.filter(
    (s) => !(s.data as { seeds: number[] }).seeds.every((seed) => existsSync(join(q.outdir, seedFile(seed)))),
  );
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let done = 0;
  const report = await runShards({
    url: q.url,
    shards,
    signal: controller.signal,
    onResult: async (s, r) => {
      await writeShardFiles(q.outdir, (r as { files: { name: string; base64: string }[] }).files);
      done++;
      process.stderr.write(`[${done}/${shards.length}] ${s.label}\n`);
    },
  });
  for (const f of report.failed) out(`FAILED: ${f.shard.label}: ${f.error}`);
  out(
    `wrote ${shards.length - report.failed.length} of ${all.length} shards (${report.reused} from earlier submissions, ${all.length - shards.length} already done) to ${q.outdir}`,
  );
  if (report.failed.length)
    throw new ArgumentError(`${report.failed.length} shards failed (first: ${report.failed[0].error})`);
}
