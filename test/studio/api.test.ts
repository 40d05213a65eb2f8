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
import { FIXTURES, haveFixtures } from '../fixtures.js';
import { parseSse, SHIPPED_MODELS, tempWorkspace, testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';

function multipart(
  field: string,
  filename: string,
  type: string,
  bytes: Uint8Array,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----latentlabTestBoundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="${filename}"\r\ncontent-type: ${type}\r\n\r\n`;
  const payload = Buffer.concat([
    Buffer.from(head),
    Buffer.from(bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function pixels(png: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

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
  });

  it('draws a seed grid equal to the library call, with the CLI command that makes it', async () => {
    const body = { model: SG2, seeds: [0, 1, 2, 5], psi: 0.7, columns: 2, scale: 2 };
    const res = await studio.app.inject({ method: 'POST', url: '/api/grid', payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-latentlab-command']).toBe(
      'npx latentlab generate --model models/fmnist-stylegan2 --seeds 0-2,5 --trunc 0.7 --grid --upscale 2 --outdir out/grid',
    );
    const model = await loadModel(join(SHIPPED_MODELS, SG2));
    const img = await synthesize(model, await mapZ(model, sampleZ(model, body.seeds), { psi: 0.7 }));
    const expected = await pixels(
      await encodePng(
        makeGrid(
          toImages(img).map((im) => upscale(im, 2)),
          2,
        ),
      ),
    );
    const got = await pixels(res.rawPayload);
    expect([got.width, got.height]).toEqual([128, 128]);
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
      const names = ['grid.png', ...[0, 1, 2].map((i) => `seed${String(k * 10 + i).padStart(4, '0')}.png`)];
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

describe('studio API: model import', () => {
  const upload = (name: string, bytes: Uint8Array) =>
    studio.app.inject({
      method: 'POST',
      url: '/api/uploads/checkpoint',
      ...multipart('file', name, 'application/octet-stream', bytes),
    });

  it.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))(
    'imports an uploaded NVIDIA .pkl as a bundle the picker then offers',
    async () => {
      const pkl = await readFile(join(FIXTURES, 'A_nvidia_sg2ada_uncond32', 'network-snapshot-000000.pkl'));
      const up = await upload('network-snapshot-000000.pkl', pkl);
      expect(up.statusCode).toBe(201);
      const { path } = up.json() as { path: string };
      expect(path).toMatch(/^uploads\/network-snapshot-000000-[0-9a-f]{8}\.pkl$/);
      const res = await studio.app.inject({
        method: 'POST',
        url: '/api/jobs/import-model',
        payload: { file: path, name: 'fixture-a' },
      });
      expect(res.statusCode).toBe(202);
      expect((res.json() as JobRecord).command).toMatch(
        /^npx latentlab import \S+\.pkl --out \S+\/models\/fixture-a --name fixture-a$/,
      );
      const rec = await studio.jobs.wait((res.json() as JobRecord).id);
      expect([rec.state, rec.error]).toEqual(['done', undefined]);
      const models = (await studio.app.inject({ method: 'GET', url: '/api/models' })).json() as {
        name: string;
      }[];
      expect(models.map((m) => m.name)).toContain('fixture-a');
      const grid = await studio.app.inject({
        method: 'POST',
        url: '/api/grid',
        payload: { model: 'fixture-a', seeds: [0, 1], scale: 1 },
      });
      expect(grid.statusCode).toBe(200);
      const again = await studio.app.inject({
        method: 'POST',
        url: '/api/jobs/import-model',
        payload: { file: path, name: 'fixture-a' },
      });
      expect([again.statusCode, again.json().error]).toEqual([
        400,
        "import: a model named 'fixture-a' exists already",
      ]);
    },
  );

  it('fails (without crashing the server) on a pickle that asks for os.system', async () => {
    const evil = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1');
    const up = await upload('evil.pkl', evil);
    const res = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/import-model',
      payload: { file: (up.json() as { path: string }).path, name: 'evil' },
    });
    const rec = await studio.jobs.wait((res.json() as JobRecord).id);
    expect(rec.state).toBe('failed');
    expect(rec.error).toMatch(/os\.system/);
    expect((await studio.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('refuses non-checkpoints, oversized checkpoints and files outside the workspace', async () => {
    expect((await upload('notes.txt', Buffer.from('hello'))).statusCode).toBe(415);
    const big = await upload('big.pkl', new Uint8Array((4 << 20) + 1)); // the test server's limit is 4 MiB
    expect([big.statusCode, big.json().error]).toEqual([413, expect.stringMatching(/larger than/)]);
    expect(
      (await readdir(join(workspace, 'uploads'))).filter((n) => n.startsWith('big') || n.endsWith('.tmp')),
    ).toEqual([]);
    const outside = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/import-model',
      payload: { file: '../../../etc/passwd', name: 'x' },
    });
    expect([outside.statusCode, outside.json().error]).toEqual([
      400,
      expect.stringMatching(/outside the workspace/),
    ]);
  });
});

describe('studio API: cross-site protection', () => {
  it('refuses a foreign Host (DNS rebinding) and cross-origin browser requests', async () => {
    const rebound = await studio.app.inject({
      method: 'GET',
      url: '/api/models',
      headers: { host: 'evil.example:7860' },
    });
    expect([rebound.statusCode, rebound.json().error]).toEqual([
      403,
      expect.stringMatching(/host 'evil.example:7860'/),
    ]);
    const crossSite = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/render-seeds',
      headers: { origin: 'https://evil.example' },
      payload: { model: SG2, seeds: [1] },
    });
    expect([crossSite.statusCode, crossSite.json().error]).toEqual([
      403,
      expect.stringMatching(/cross-origin/),
    ]);
    const sameSite = await studio.app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { host: '127.0.0.1:7860', origin: 'http://127.0.0.1:7860' },
    });
    expect(sameSite.statusCode).toBe(200);
  });
});

describe('studio API: exploration', () => {
  it('resamples noise in a layer range: the image changes, deterministically per seed, and names the noise command', async () => {
    const render = (extra: object) =>
      studio.app.inject({
        method: 'POST',
        url: '/api/render',
        payload: { model: SG2, seed: 4, scale: 1, ...extra },
      });
    const [plain, a, b, c] = await Promise.all([
      render({}),
      render({ resampleNoise: { layers: 'fine', seed: 1 } }),
      render({ resampleNoise: { layers: 'fine', seed: 1 } }),
      render({ resampleNoise: { layers: 'fine', seed: 2 } }),
    ]);
    expect([plain, a, b, c].map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    const px = await Promise.all([plain, a, b, c].map((r) => pixels(r.rawPayload)));
    expect(px[1].data.equals(px[2].data)).toBe(true);
    expect(px[1].data.equals(px[0].data)).toBe(false);
    expect(px[1].data.equals(px[3].data)).toBe(false);
    expect(a.headers['x-latentlab-command']).toBe(
      'npx latentlab noise --model models/fmnist-stylegan2 --seeds 4 --layers fine --count 1 --seed 1 --outdir out/noise',
    );
    const bad = await render({ resampleNoise: { layers: '0-99', seed: 1 } });
    expect([bad.statusCode, bad.json().error]).toEqual([400, expect.stringMatching(/out of range/)]);
  });

  it('draws the style-mixing matrix with its seeds as labels', async () => {
    const res = await studio.app.inject({
      method: 'POST',
      url: '/api/mix',
      payload: { model: SG2, rows: [1, 2], cols: [3, 4, 5], layers: 'coarse', scale: 1 },
    });
    expect(res.statusCode).toBe(200);
    const { width, height } = await pixels(res.rawPayload);
    // 4 columns x 3 rows of 32 px cells with 2 px gaps, plus a label band above and beside
    expect(width).toBeGreaterThan(4 * 32 + 3 * 2);
    expect(height).toBeGreaterThan(3 * 32 + 2 * 2);
    expect(res.headers['x-latentlab-command']).toBe(
      'npx latentlab mix --model models/fmnist-stylegan2 --rows 1-2 --cols 3-5 --layers coarse --upscale 1 --outdir out/mix',
    );
    const dcgan = await studio.app.inject({
      method: 'POST',
      url: '/api/mix',
      payload: { model: 'fmnist-dcgan', rows: [1], cols: [2] },
    });
    expect([dcgan.statusCode, dcgan.json().error]).toEqual([400, expect.stringMatching(/needs a StyleGAN2/)]);
  });

  it('interpolates between a seed and a saved latent, and exports the path as a GIF job', async () => {
    const keys = [{ seed: 1 }, { latent: 'latents/shoe-7.latent.safetensors' }, { seed: 9 }];
    const strip = await studio.app.inject({
      method: 'POST',
      url: '/api/interpolate',
      payload: { model: SG2, keys, steps: 4, scale: 1 },
    });
    expect(strip.statusCode).toBe(200);
    expect(strip.headers['x-latentlab-frames']).toBe('9'); // 2 segments x 4 frames + the last keyframe
    expect(strip.headers['x-latentlab-command']).toMatch(
      /^npx latentlab interpolate --model models\/fmnist-stylegan2 --keys 1,\S+\/latents\/shoe-7\.latent\.safetensors,9 --steps 4 --upscale 1 --outdir out\/interpolate$/,
    );
    const job = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/interpolate-gif',
      payload: { model: SG2, keys, steps: 4, scale: 2, fps: 10 },
    });
    expect(job.statusCode).toBe(202);
    const rec = await studio.jobs.wait((job.json() as JobRecord).id);
    expect([rec.state, rec.error]).toEqual(['done', undefined]);
    const gif = await readFile(join(workspace, 'jobs', rec.id, 'interpolation.gif'));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const meta = await sharp(gif, { animated: true }).metadata();
    expect([meta.pages, meta.width, meta.pageHeight]).toEqual([9, 64, 64]);
    const missing = await studio.app.inject({
      method: 'POST',
      url: '/api/interpolate',
      payload: { model: SG2, keys: [{ seed: 1 }, { latent: 'latents/nope.latent.safetensors' }] },
    });
    expect(missing.statusCode).toBe(400);
  });
});
