// Studio API through fastify.inject on the shipped models: images equal the library's, bad requests get
// 4xx with a message, jobs run with bounded concurrency, stream progress, cancel, and persist.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodePng,
  loadModel,
  makeGrid,
  mapZ,
  sampleZ,
  synthesize,
  toImages,
  upscale,
} from '../../src/index.js';
import type { InjectOptions } from 'fastify';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobRecord } from '../../src/studio/server/jobQueue.js';
import { multipart, parseSse, pixels, SHIPPED_MODELS, tempWorkspace, testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';

let studio: Studio;
let workspace: string;
const studioOptions = () => ({ workspace, concurrency: 2, uploadLimit: 64 << 10, checkpointLimit: 4 << 20 });

beforeAll(async () => {
  workspace = await tempWorkspace();
  studio = await testStudio(studioOptions());
});
afterAll(async () => {
  await studio?.app.close();
});

describe('studio API: models and images', () => {
  it('lists the shipped generators with their facts', async () => {
    const res = await studio.app.inject({ method: 'GET', url: '/api/models' });
    expect(res.statusCode).toBe(200);
    const models = res.json() as { name: string; architecture: string; numWs: number | null; path: string }[];
    expect(models.map((m) => m.name)).toEqual([SG2, 'fmnist-dcgan']);
    expect(models[0]).toMatchObject({ architecture: 'stylegan2', numWs: 8, resolution: 32 });
    expect(models[1]).toMatchObject({ architecture: 'dcgan', numWs: null });
    // The model card, as `latentlab info` prints it (training facts, FCD recorded on these weights).
    const card = (models[1] as unknown as { card: string[] }).card;
    expect(card[0]).toBe('fmnist-dcgan: dcgan, 32×32×1, z 100');
    expect(card.some((l) => /^ {2}fcd \d+\.\d\d \(10000 images, classifier-fashion-mnist-32;/.test(l))).toBe(
      true,
    );
  });

  it('draws a seed grid equal to the library call, with the CLI command that makes it', async () => {
    const body = { model: SG2, seeds: [0, 1, 2, 5], psi: 0.7, columns: 2, scale: 2 };
    const res = await studio.app.inject({ method: 'POST', url: '/api/grid', payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-latentlab-command']).toBe(
      'npx latentlab generate --model models/fmnist-stylegan2 --seeds 0-2,5 --trunc 0.7 --grid --grid-columns 2 --upscale 2 --outdir out/grid',
    );
    const model = await loadModel(join(SHIPPED_MODELS, SG2));
    const img = await synthesize(model, await mapZ(model, sampleZ(model, body.seeds), { psi: 0.7 }));
    const expected = await pixels(
      await encodePng(
        makeGrid(
          toImages(img).map((im) => upscale(im, 2)),
          2,
          2,
        ),
      ),
    );
    const got = await pixels(res.rawPayload);
    expect([got.width, got.height]).toEqual([130, 130]); // generate --grid: tiles `upscale` pixels apart
    expect(got.data.equals(expected.data)).toBe(true);
    await model.release();
  });

  it('renders a seed differently when truncation moves', async () => {
    const render = (psi: number) =>
      studio.app.inject({
        method: 'POST',
        url: '/api/render',
        payload: { model: SG2, seed: 3, psi, scale: 1 },
      });
    const [a, b, c] = await Promise.all([render(1), render(0.3), render(1)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect((await pixels(a.rawPayload)).data.equals((await pixels(b.rawPayload)).data)).toBe(false);
    expect((await pixels(a.rawPayload)).data.equals((await pixels(c.rawPayload)).data)).toBe(true);
  });

  it('saves a latent that renders back to the same image, lists it, refuses to overwrite it', async () => {
    const save = { model: SG2, seed: 7, psi: 0.5, name: 'shoe-7', space: 'w+' };
    const res = await studio.app.inject({ method: 'POST', url: '/api/latents', payload: save });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ path: 'latents/shoe-7.latent.safetensors', space: 'w+' });
    const again = await studio.app.inject({ method: 'POST', url: '/api/latents', payload: save });
    expect(again.statusCode).toBe(409);
    const list = (await studio.app.inject({ method: 'GET', url: '/api/latents' })).json() as {
      path: string;
      rows: number;
      space: string;
    }[];
    expect(list).toEqual([
      expect.objectContaining({
        path: 'latents/shoe-7.latent.safetensors',
        rows: 1,
        space: 'w+',
        model: SG2,
      }),
    ]);
    const fromFile = await studio.app.inject({
      method: 'POST',
      url: '/api/render',
      payload: { model: SG2, latent: 'latents/shoe-7.latent.safetensors', scale: 1 },
    });
    const fromSeed = await studio.app.inject({
      method: 'POST',
      url: '/api/render',
      payload: { model: SG2, seed: 7, psi: 0.5, scale: 1 },
    });
    expect((await pixels(fromFile.rawPayload)).data.equals((await pixels(fromSeed.rawPayload)).data)).toBe(
      true,
    );
    const file = await studio.app.inject({ method: 'GET', url: '/api/files/latents/shoe-7.png' });
    expect([file.statusCode, file.headers['content-type']]).toEqual([200, 'image/png']);
  });
});

describe('studio API: bad requests get 4xx with a message', () => {
  it.each([
    [
      'malformed JSON',
      {
        method: 'POST',
        url: '/api/grid',
        payload: '{"model": "fmnist-',
        headers: { 'content-type': 'application/json' },
      },
      400,
      /not valid JSON/,
    ],
    [
      'unknown model',
      { method: 'POST', url: '/api/grid', payload: { model: 'no-such-model', seeds: [0] } },
      404,
      /unknown model 'no-such-model'/,
    ],
    ['unknown model info', { method: 'GET', url: '/api/models/nope' }, 404, /unknown model 'nope'/],
    [
      'too many seeds',
      {
        method: 'POST',
        url: '/api/grid',
        payload: { model: SG2, seeds: Array.from({ length: 65 }, (_, i) => i) },
      },
      400,
      /seeds/,
    ],
    [
      'wrong type',
      { method: 'POST', url: '/api/grid', payload: { model: SG2, seeds: [0], psi: 'high' } },
      400,
      /psi/,
    ],
    [
      'unknown field',
      { method: 'POST', url: '/api/grid', payload: { model: SG2, seeds: [0], rm: '-rf' } },
      400,
      /additional properties/,
    ],
    [
      'model name with a path',
      { method: 'POST', url: '/api/grid', payload: { model: '../models/fmnist-dcgan', seeds: [0] } },
      400,
      /model/,
    ],
    [
      'traversal in a file path',
      { method: 'GET', url: '/api/files/..%2F..%2F..%2Fetc%2Fpasswd' },
      400,
      /outside the workspace/,
    ],
    ['absolute file path', { method: 'GET', url: '/api/files/%2Fetc%2Fpasswd' }, 400, /relative/],
    ['the server’s own partial folder', { method: 'GET', url: '/api/files/.partial/x' }, 400, /hidden/],
    [
      'traversal in a latent path',
      {
        method: 'POST',
        url: '/api/render',
        payload: { model: SG2, latent: '../../../etc/passwd.latent.safetensors' },
      },
      400,
      /outside the workspace/,
    ],
    [
      'traversal in a latent name',
      { method: 'POST', url: '/api/latents', payload: { model: SG2, seed: 1, name: '../escape' } },
      400,
      /name/,
    ],
    [
      'a render with both seed and latent',
      {
        method: 'POST',
        url: '/api/render',
        payload: { model: SG2, seed: 1, latent: 'latents/x.latent.safetensors' },
      },
      400,
      /exactly one/,
    ],
    ['unknown job', { method: 'GET', url: '/api/jobs/abc-123456' }, 404, /no job/],
    ['unknown route', { method: 'GET', url: '/api/nothing' }, 404, /no route/],
  ] as const)('%s', async (_name, req, status, message) => {
    const res = await studio.app.inject(req as InjectOptions);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
  });

  it('takes an image upload, and refuses oversized, non-image and corrupt ones', async () => {
    const png = await sharp({
      create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 200, b: 30 } },
    })
      .png()
      .toBuffer();
    const ok = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'a.png', 'image/png', png),
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ width: 32, height: 32 });
    expect(existsSync(join(workspace, ok.json().path))).toBe(true);
    const big = new Uint8Array(65 << 10).fill(7); // the test server's limit is 64 KiB
    const tooBig = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'big.png', 'image/png', big),
    });
    expect(tooBig.statusCode).toBe(413);
    const exe = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'x.sh', 'application/x-sh', Buffer.from('#!/bin/sh')),
    });
    expect(exe.statusCode).toBe(415);
    const corrupt = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'c.png', 'image/png', Buffer.from('not a png at all')),
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error).toMatch(/cannot read image/);
    expect((await readdir(join(workspace, 'uploads'))).filter((n) => !n.startsWith('.'))).toHaveLength(1);
  });
});

describe('studio API: jobs', () => {
  const submit = (seeds: number[], extra: object = {}) =>
    studio.app.inject({
      method: 'POST',
      url: '/api/jobs/render-seeds',
      payload: { model: SG2, seeds, psi: 0.7, ...extra },
    });

  it('runs 8 concurrent jobs at most 2 at a time, none lost, each with its files', async () => {
    // at every job event, count the records in state 'running' (independent of the queue's own counter)
    let peak = 0;
    const sample = () =>
      (peak = Math.max(peak, studio.jobs.list().filter((j) => j.state === 'running').length));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, k) => submit([k * 10, k * 10 + 1, k * 10 + 2])),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    const jobs = responses.map((r) => r.json() as JobRecord);
    sample();
    for (const j of jobs) if (studio.jobs.get(j.id).state === 'queued') studio.jobs.subscribe(j.id, sample);
    const done = await Promise.all(jobs.map((j) => studio.jobs.wait(j.id)));
    expect(done.map((j) => j.state)).toEqual(Array(8).fill('done'));
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
    const listed = (await studio.app.inject({ method: 'GET', url: '/api/jobs' })).json() as JobRecord[];
    for (const [k, j] of done.entries()) {
      expect(listed.some((l) => l.id === j.id && l.state === 'done')).toBe(true);
      const names = [
        'grid.png',
        'latentlab-run.json',
        ...[0, 1, 2].map((i) => `seed${String(k * 10 + i).padStart(4, '0')}.png`),
      ];
      expect(j.files).toEqual(names.map((n) => `jobs/${j.id}/${n}`).sort());
      for (const f of j.files!) expect(existsSync(join(workspace, f))).toBe(true);
    }
  });

  it('streams progress over SSE until the job ends, and its images match the seed grid', async () => {
    const job = (
      await submit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { noiseMode: 'random', noiseSeed: 3 })
    ).json() as JobRecord;
    expect(job.command).toBe(
      'npx latentlab generate --model models/fmnist-stylegan2 --seeds 0-12 --trunc 0.7 --noise-mode random --noise-seed 3 --grid --outdir out/seeds',
    );
    const res = await studio.app.inject({ method: 'GET', url: `/api/jobs/${job.id}/events` });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const events = parseSse(res.body);
    const progress = events
      .filter((e) => e.event === 'progress')
      .map((e) => (e.data as { step: number }).step);
    const last = events.at(-1)!;
    expect(last.event).toBe('state');
    expect((last.data as JobRecord).state).toBe('done');
    // batches of 8: progress 8 then 13 (the first may have passed before the stream opened)
    expect(progress.at(-1)).toBe(13);
    // the job fed random noise for all 13 rows at once, as `latentlab generate` does: image 9 must equal it
    const model = await loadModel(join(SHIPPED_MODELS, SG2));
    const seeds = Array.from({ length: 13 }, (_, i) => i);
    const img = await synthesize(model, await mapZ(model, sampleZ(model, seeds), { psi: 0.7 }), {
      noiseMode: 'random',
      noiseSeed: 3,
    });
    const expected = await pixels(await encodePng(toImages(img)[9]));
    const got = await pixels(await readFile(join(workspace, 'jobs', job.id, 'seed0009.png')));
    expect(got.data.equals(expected.data)).toBe(true);
    await model.release();
  });

  it('cancels a running job: no result files, the queue goes on', async () => {
    const long = (await submit(Array.from({ length: 2000 }, (_, i) => i))).json() as JobRecord;
    await new Promise<void>((resolve) =>
      studio.jobs.subscribe(long.id, (e) => e.type === 'progress' && resolve()),
    );
    const cancel = await studio.app.inject({ method: 'POST', url: `/api/jobs/${long.id}/cancel` });
    expect(cancel.statusCode).toBe(200);
    const rec = await studio.jobs.wait(long.id);
    expect(rec.state).toBe('cancelled');
    expect(await readdir(join(workspace, 'jobs', long.id))).toEqual(['job.json']);
    expect(await readdir(join(workspace, '.partial'))).toEqual([]);
    const next = (await submit([1])).json() as JobRecord;
    expect((await studio.jobs.wait(next.id)).state).toBe('done');
  });

  it('refuses bad job parameters with 400 before queueing', async () => {
    const res = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/render-seeds',
      payload: { model: SG2, seeds: [] },
    });
    expect(res.statusCode).toBe(400);
    const unknown = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/render-seeds',
      payload: { model: 'ghost', seeds: [1] },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('keeps finished jobs and saved latents across a restart on the same workspace', async () => {
    const before = (await studio.app.inject({ method: 'GET', url: '/api/jobs' })).json() as JobRecord[];
    const latents = (await studio.app.inject({ method: 'GET', url: '/api/latents' })).json() as unknown[];
    await studio.app.close();
    studio = await testStudio(studioOptions());
    const after = (await studio.app.inject({ method: 'GET', url: '/api/jobs' })).json() as JobRecord[];
    expect(after.map((j) => [j.id, j.state, j.files])).toEqual(before.map((j) => [j.id, j.state, j.files]));
    expect((await studio.app.inject({ method: 'GET', url: '/api/latents' })).json()).toEqual(latents);
  });
});
