// studio --queue: jobs run on `latentlab worker`s through Redis, progress and cancel included; a job whose
// worker dies on every attempt ends failed with BullMQ's reason after --attempts runs.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobProgress, JobRecord } from '../../src/studio/server/jobQueue.js';
import { testStudio } from '../studio/helpers.js';
import { CliProcesses } from './cliProcesses.js';
import { haveRedis, startRedis, type TestRedis } from './redis.js';

let redis: TestRedis;
let studio: Studio;
const processes = new CliProcesses();

function startWorker(attempts: number): { child: ChildProcess; log: () => string } {
  const run = processes.start(['worker', '--queue', redis.url, '--lock-seconds', '2', '--attempts', String(attempts)]);
  return { child: run.child, log: run.output };
}

async function until(what: string, fn: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!haveRedis) return;
  redis = await startRedis();
  studio = await testStudio({ queue: redis.url });
});
afterAll(async () => {
  processes.killAll();
  await studio?.app.close();
  await redis?.stop();
});

const submit = async (payload: object) => {
  const res = await studio.app.inject({ method: 'POST', url: '/api/jobs/render-seeds', payload });
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as JobRecord;
};

describe.skipIf(!haveRedis)('studio --queue', () => {
  it('runs jobs on queue workers with progress, cancels them, and fails a job that kills its workers after N attempts', async () => {
    expect(studio.workers).toBeNull();
    const first = startWorker(2);
    const job = await submit({ model: 'fmnist-stylegan2', seeds: Array.from({ length: 24 }, (_, i) => i) });
    const progress: JobProgress[] = [];
    studio.jobs.subscribe(job.id, (e) => e.type === 'progress' && progress.push(e.progress));
    const rec = await studio.jobs.wait(job.id);
    expect([rec.state, rec.error]).toEqual(['done', undefined]);
    expect(rec.files).toContain(`jobs/${job.id}/seed0023.png`);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ step: 24, total: 24 });

    // cancel: the worker stops the task between batches
    const long = await submit({
      model: 'fmnist-stylegan2',
      seeds: Array.from({ length: 2048 }, (_, i) => i),
      scale: 4,
    });
    await until('the long job to report progress', () => (studio.jobs.get(long.id).progress?.step ?? 0) >= 8);
    studio.jobs.cancel(long.id);
    expect((await studio.jobs.wait(long.id)).state).toBe('cancelled');

    // a task whose worker dies on each of its 2 attempts fails with the reason
    const doomed = await submit({
      model: 'fmnist-stylegan2',
      seeds: Array.from({ length: 2048 }, (_, i) => i),
      scale: 4,
    });
    let worker = first;
    for (let kill = 0; kill < 2; kill++) {
      const seen = worker.log().split(`studio-${doomed.id}: started`).length - 1;
      await until(
        `attempt ${kill + 1} to start`,
        () => worker.log().split(`studio-${doomed.id}: started`).length - 1 > seen,
      );
      worker.child.kill('SIGKILL');
      worker = startWorker(2);
    }
    const failed = await studio.jobs.wait(doomed.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/stalled more than allowable limit/);
    // and the pool still works
    const after = await submit({ model: 'fmnist-stylegan2', seeds: [1] });
    expect((await studio.jobs.wait(after.id)).state).toBe('done');
  }, 300_000);
});
