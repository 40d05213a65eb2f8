// kill -9 the studio server mid-job, start it again on the same workspace: every saved result is intact,
// the killed job left no partial files and is reported as interrupted.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/studio/server/jobQueue.js';
import { ROOT, SHIPPED_BUNDLES, tempWorkspace } from './helpers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `latentlab studio` on a free port; resolves with its URL once it prints it. */
function startStudio(workspace: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/latentlab.js'),
      'studio',
      '--port',
      '0',
      '--workspace',
      workspace,
      '--models',
      SHIPPED_BUNDLES.join(','), // only the shipped bundles, whatever a user added under models/
      '--no-build',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, LATENTLAB_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /latentlab studio: (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`studio exited (${code}) before listening:\n${out}`)));
  });
}

async function api<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(
    url,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort())
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  return out;
}

describe('studio server killed mid-job', () => {
  it('keeps every saved result; the killed and queued jobs become interrupted, with no partial files', async () => {
    const workspace = await tempWorkspace();
    const first = await startStudio(workspace);
    const model = 'fmnist-stylegan2';
    const done = await api<JobRecord>(`${first.url}/api/jobs/render-seeds`, {
      model,
      seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      psi: 0.7,
    });
    await until('the first job', async () =>
      (await api<JobRecord>(`${first.url}/api/jobs/${done.id}`)).state === 'done' ? true : undefined,
    );
    await api(`${first.url}/api/latents`, { model, seed: 5, psi: 0.6, name: 'keeper' });
    const savedJob = await hashes(join(workspace, 'jobs', done.id));
    const savedLatents = await hashes(join(workspace, 'latents'));

    const long = await api<JobRecord>(`${first.url}/api/jobs/render-seeds`, {
      model,
      seeds: Array.from({ length: 2048 }, (_, i) => i),
      scale: 4,
    });
    const queued = await api<JobRecord>(`${first.url}/api/jobs/render-seeds`, { model, seeds: [1] });
    await until('the long job to be part-way', async () => {
      const p = (await api<JobRecord>(`${first.url}/api/jobs/${long.id}`)).progress;
      return p && p.step >= 24 ? true : undefined;
    });
    const partialOut = join(workspace, '.partial', long.id, 'out');
    expect((await readdir(partialOut)).length).toBeGreaterThan(0); // it had written part of its results
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startStudio(workspace);
    const jobs = await api<JobRecord[]>(`${second.url}/api/jobs`);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(done.id)).toMatchObject({
      state: 'done',
      files: Object.keys(savedJob)
        .filter((f) => f !== 'job.json')
        .map((f) => `jobs/${done.id}/${f}`),
    });
    expect(await hashes(join(workspace, 'jobs', done.id))).toEqual(savedJob);
    expect(await hashes(join(workspace, 'latents'))).toEqual(savedLatents);
    for (const id of [long.id, queued.id]) {
      expect(byId.get(id)).toMatchObject({ state: 'interrupted', files: [] });
      expect(await readdir(join(workspace, 'jobs', id))).toEqual(['job.json']);
    }
    expect(existsSync(join(workspace, '.partial', long.id))).toBe(false);
    // the restarted server still works on the saved latent
    const res = await fetch(`${second.url}/api/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, latent: 'latents/keeper.latent.safetensors', scale: 1 }),
    });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
    second.child.kill('SIGTERM');
    expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
  }, 300_000); // two server starts and a job worker process each (process start + imports)
});
