import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JobCancelled, JobTimedOut, WorkerCrashed, WorkerOutOfMemory } from './errors.js';
import type { JobProgress } from './protocol.js';
import { LocalWorkerPool, WorkerJobError } from './workerPool.js';

const RUNNER = fileURLToPath(new URL('../../test/jobs/fixtureRunner.ts', import.meta.url));
const pool = new LocalWorkerPool({
  module: RUNNER,
  init: { greeting: 'hi' },
  size: 2,
  memoryMb: 300,
  cancelGraceMs: 500,
});
afterAll(() => pool.close());

describe('LocalWorkerPool', () => {
  it('runs a job in another process with its init and params, streaming progress', async () => {
    const r = (await pool.run({ kind: 'echo', params: { a: [1, 'x'] }, dir: '/tmp/out' })) as Record<
      string,
      unknown
    >;
    expect(r).toMatchObject({ greeting: 'hi', params: { a: [1, 'x'] }, dir: '/tmp/out' });
    expect(r.pid).not.toBe(process.pid);
    const seen: JobProgress[] = [];
    expect(
      await pool.run({ kind: 'steps', params: { n: 5 }, dir: '' }, { report: (p) => seen.push(p) }),
    ).toEqual({ steps: 5 });
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);

  it("reports a job's own error by message and class name", async () => {
    await expect(pool.run({ kind: 'nope', params: {}, dir: '' })).rejects.toSatisfy(
      (e) => e instanceof WorkerJobError && e.message === 'no kind nope' && e.name === 'Error',
    );
  });

  it('cancels by message, and kills a job that ignores it after the grace period', async () => {
    const polite = new AbortController();
    const run = pool.run({ kind: 'steps', params: { n: 1000 }, dir: '' }, { signal: polite.signal });
    setTimeout(() => polite.abort(), 300);
    await expect(run).rejects.toThrow(JobCancelled);
    const rude = new AbortController();
    const spin = pool.run({ kind: 'spin', params: {}, dir: '' }, { signal: rude.signal });
    setTimeout(() => rude.abort(), 300);
    await expect(spin).rejects.toThrow(/did not stop within 500 ms and was killed/);
  }, 60_000);

  it('kills a worker past its RSS cap ("out of memory"), one past its time limit, and replaces crashed ones', async () => {
    await expect(pool.run({ kind: 'hog', params: {}, dir: '' })).rejects.toSatisfy(
      (e) =>
        e instanceof WorkerOutOfMemory &&
        /^out of memory: .* past its 300 MiB cap/.test((e as Error).message),
    );
    await expect(pool.run({ kind: 'spin', params: {}, dir: '', timeLimitMs: 500 })).rejects.toThrow(
      JobTimedOut,
    );
    await expect(pool.run({ kind: 'exit', params: {}, dir: '' })).rejects.toSatisfy(
      (e) => e instanceof WorkerCrashed && /crashed \(exit code 3\)/.test((e as Error).message),
    );
    expect(await pool.run({ kind: 'steps', params: { n: 2 }, dir: '' })).toEqual({ steps: 2 });
    expect(pool.processes.length).toBeLessThanOrEqual(2);
  }, 90_000);
});
