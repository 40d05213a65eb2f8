import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../index.js';
import { type JobKind, JobQueue, type JobRecord, QueueFull } from './jobQueue.js';
import { Workspace } from './workspace.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job that writes one file per step, `steps` steps `ms` apart; 'fail' throws at step 2. */
const stepJob: JobKind = {
  prepare: (p) => {
    if (typeof p.steps !== 'number') throw new ArgumentError('steps: expected a number');
    return { command: `steps ${p.steps}` };
  },
  async run(p, ctx) {
    for (let i = 0; i < (p.steps as number); i++) {
      ctx.checkCancelled();
      if (p.fail && i === 2) throw new Error('boom at step 2');
      await writeFile(join(ctx.dir, `step${i}.txt`), String(i));
      await tick(p.ms as number);
      ctx.report({ step: i + 1, total: p.steps as number });
    }
    return { steps: p.steps };
  },
};

async function queue(concurrency: number, maxQueued?: number): Promise<{ q: JobQueue; ws: Workspace }> {
  const ws = new Workspace(await mkdtemp(join(tmpdir(), 'll-jobs-')));
  await ws.init();
  const q = new JobQueue(ws, { steps: stepJob }, { concurrency, maxQueued });
  await q.recover();
  return { q, ws };
}

describe('JobQueue', () => {
  it('runs 8 jobs at most 3 at a time and loses none', async () => {
    const { q, ws } = await queue(3);
    // at every event, count records in state 'running' (not the queue's own counter)
    let peak = 0;
    const sample = () => (peak = Math.max(peak, q.list().filter((j) => j.state === 'running').length));
    const jobs = await Promise.all(Array.from({ length: 8 }, () => q.submit('steps', { steps: 3, ms: 15 })));
    sample();
    for (const j of jobs) if (q.get(j.id).state === 'queued') q.subscribe(j.id, sample);
    const done = await Promise.all(jobs.map((j) => q.wait(j.id)));
    expect(done.map((j) => j.state)).toEqual(Array(8).fill('done'));
    expect(peak).toBe(3);
    for (const j of done) {
      expect(j.files).toEqual(['step0.txt', 'step1.txt', 'step2.txt'].map((f) => `jobs/${j.id}/${f}`));
      expect(JSON.parse(await readFile(join(ws.dir('jobs'), j.id, 'job.json'), 'utf8')).state).toBe('done');
    }
    expect(await readdir(ws.dir('.partial'))).toEqual([]);
  });

  it('cancels queued and running jobs, keeping none of their files', async () => {
    const { q, ws } = await queue(1);
    const a = await q.submit('steps', { steps: 50, ms: 10 });
    const b = await q.submit('steps', { steps: 1, ms: 1 });
    await new Promise<void>((r) =>
      q.subscribe(a.id, (e) => e.type === 'progress' && e.progress.step === 2 && r()),
    );
    q.cancel(b.id);
    q.cancel(a.id);
    const [ra, rb] = await Promise.all([q.wait(a.id), q.wait(b.id)]);
    expect([ra.state, rb.state]).toEqual(['cancelled', 'cancelled']);
    expect(await readdir(join(ws.dir('jobs'), a.id))).toEqual(['job.json']);
    expect(await readdir(ws.dir('.partial'))).toEqual([]);
  });

  it('records a failed job and keeps running the next', async () => {
    const { q } = await queue(1);
    const bad = await q.submit('steps', { steps: 5, ms: 1, fail: true });
    const good = await q.submit('steps', { steps: 2, ms: 1 });
    expect((await q.wait(bad.id)).error).toBe('boom at step 2');
    expect((await q.wait(bad.id)).files).toEqual([]);
    expect((await q.wait(good.id)).state).toBe('done');
  });

  it('refuses bad parameters before queueing and bounds the waiting list', async () => {
    const { q } = await queue(1, 2);
    await expect(q.submit('steps', { steps: 'x' })).rejects.toThrow(ArgumentError);
    await expect(q.submit('nope', {})).rejects.toThrow(/unknown job kind 'nope'/);
    await q.submit('steps', { steps: 20, ms: 5 }); // running
    await q.submit('steps', { steps: 1, ms: 1 });
    await q.submit('steps', { steps: 1, ms: 1 });
    await expect(q.submit('steps', { steps: 1, ms: 1 })).rejects.toThrow(QueueFull);
    await q.close();
  });

  it('after a crash, reloads finished jobs and marks leftovers interrupted without their files', async () => {
    const { q, ws } = await queue(1);
    const done = await q.wait((await q.submit('steps', { steps: 2, ms: 1 })).id);
    // what kill -9 mid-job leaves: a partial folder with a request and some output
    const rec: JobRecord = {
      id: 'zzzz-abcdef',
      kind: 'steps',
      params: { steps: 9 },
      state: 'running',
      createdAt: new Date().toISOString(),
    };
    await mkdir(join(ws.dir('.partial'), rec.id, 'out'), { recursive: true });
    await writeFile(join(ws.dir('.partial'), rec.id, 'request.json'), JSON.stringify(rec));
    await writeFile(join(ws.dir('.partial'), rec.id, 'out', 'step0.txt'), '0');
    const again = new JobQueue(ws, { steps: stepJob });
    await again.recover();
    expect(again.get(done.id)).toEqual(done);
    const lost = again.get(rec.id);
    expect(lost.state).toBe('interrupted');
    expect(lost.files).toEqual([]);
    expect(await readdir(join(ws.dir('jobs'), rec.id))).toEqual(['job.json']);
    expect(existsSync(join(ws.dir('.partial'), rec.id))).toBe(false);
  });
});
