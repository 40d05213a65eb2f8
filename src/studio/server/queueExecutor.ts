import type { JobExecutor } from './jobQueue.js';
import type { JobWorkerInit } from './jobWorker.js';

/**
 * `studio --queue redis://...`: each job becomes one 'studio-job' task for `latentlab worker`s, which must see
 * the workspace folder at the same path (a shared folder); progress and cancel travel through BullMQ.
 */
export async function queueExecutor(url: string, init: JobWorkerInit): Promise<JobExecutor> {
  const { runShards, queueConnection } = await import('../../jobs/queue/index.js');
  queueConnection(url); // a bad URL fails at start-up, not at the first job
  return async (rec, ctx) => {
    let result: unknown;
    const report = await runShards({
      url,
      shards: [
        {
          id: `studio-${rec.id}`,
          task: 'studio-job',
          data: { kind: rec.kind, params: rec.params, dir: ctx.dir, init },
          label: rec.kind,
        },
      ],
      signal: ctx.signal,
      onProgress: (_s, p) => ctx.report(p),
      onResult: async (_s, r) => {
        result = r;
      },
    });
    if (report.failed.length) throw new Error(report.failed[0].error);
    return result;
  };
}
