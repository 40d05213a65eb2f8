import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, outputNames } from '../../index.js';
import type { ProjectShardOptions, ProjectShardResult } from '../../jobs/queue/index.js';

export interface QueuedProjection {
  url: string;
  model: string;
  classifier: string | null;
  options: ProjectShardOptions;
  sources: readonly string[];
  outdir: string;
  resume: boolean;
}

/**
 * `project --queue`: one shard per target on the Redis queue; workers project, this process writes every
 * result (the one writer). Shard ids come from the options and the bytes, so a rerun only queues what is
 * missing and reuses results still in Redis.
 */
export async function projectOnQueue(q: QueuedProjection, out: (line: string) => void): Promise<void> {
  const { bundleRef, projectShards, runShards, writeProjectResult } =
    await import('../../jobs/queue/index.js');
  const model = bundleRef(q.model);
  const classifier = q.classifier ? bundleRef(q.classifier) : null;
  const todo = q.sources.filter(
    (s) => !(q.resume && existsSync(join(q.outdir, outputNames(stem(s)).metrics))),
  );
  const shards = await projectShards(model, classifier, q.options, todo);
  const sourceOf = new Map(shards.map((s, i) => [s.id, todo[i]]));
  let finished = q.sources.length - todo.length;
  const failed: string[] = [];
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const tty = process.stderr.isTTY;
  let last = 0;
  const report = await runShards({
    url: q.url,
    shards,
    signal: controller.signal,
    onProgress: (s, p) => {
      const now = Date.now();
      if (now - last < (tty ? 200 : 30_000)) return;
      last = now;
      const line = `[${finished}/${q.sources.length}] ${s.label}  step ${p.step}/${p.total}  loss ${Number(p.loss).toPrecision(4)}`;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    onResult: async (s, raw) => {
      const r = raw as ProjectShardResult;
      finished++;
      if (r.status !== 'projected') {
        failed.push(`${r.name}: ${r.error}`);
        return;
      }
      await writeProjectResult(q.outdir, sourceOf.get(s.id)!, r);
      const m = JSON.parse(readFileSync(join(q.outdir, `${r.name}.metrics.json`), 'utf8')) as {
        metrics: { psnr: number; ssim: number; mse: number; featureDistance: number | null };
      };
      const fd =
        m.metrics.featureDistance === null
          ? ''
          : `  feature distance ${m.metrics.featureDistance.toFixed(3)}`;
      if (tty) process.stderr.write('\r\x1b[2K');
      out(
        `${r.name}: PSNR ${m.metrics.psnr.toFixed(2)} dB  SSIM ${m.metrics.ssim.toFixed(4)}  MSE ${m.metrics.mse.toExponential(3)}${fd}`,
      );
    },
  });
  for (const f of report.failed) failed.push(`${f.shard.label}: ${f.error}`);
  for (const f of failed) out(`FAILED: ${f}`);
  const projected = todo.length - failed.length;
  out(
    `projected ${projected} (${report.reused} from earlier submissions), skipped ${q.sources.length - todo.length} (already done), failed ${failed.length} -> ${q.outdir}`,
  );
  if (failed.length)
    throw new ArgumentError(`${failed.length} of ${q.sources.length} targets failed (first: ${failed[0]})`);
}

function stem(path: string): string {
  const base = path.split(/[\\/]/).pop()!;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
