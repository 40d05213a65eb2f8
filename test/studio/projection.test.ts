// Projection jobs in the studio: 8 at once with bounded concurrency, live loss and frames, the projected
// latent renders close to the target, masked projection, cancellation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLatent, loadModel, writeEncoderBundle } from '../../src/index.js';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobProgress, JobRecord } from '../../src/studio/server/jobQueue.js';
import { randomSmallEncoder } from '../inversion/smallEncoder.js';
import { SHIPPED_BUNDLES, SHIPPED_MODELS, tempWorkspace, testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';
let studio: Studio;
let workspace: string;
let target: string;

function multipart(filename: string, bytes: Uint8Array) {
  const boundary = '----latentlabProjection';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: image/png\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function upload(png: Uint8Array, name = 'target.png'): Promise<string> {
  const res = await studio.app.inject({ method: 'POST', url: '/api/uploads', ...multipart(name, png) });
  expect(res.statusCode).toBe(201);
  return (res.json() as { path: string }).path;
}

async function grey(png: Uint8Array): Promise<Float64Array> {
  const { data } = await sharp(png)
    .greyscale()
    .resize(32, 32, { kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Float64Array.from(data, (v) => v / 127.5 - 1);
}

const mse = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

const project = (extra: object) =>
  studio.app.inject({
    method: 'POST',
    url: '/api/jobs/project',
    payload: { model: SG2, image: target, ...extra },
  });

beforeAll(async () => {
  workspace = await tempWorkspace();
  // an encoder bundle for the shipped StyleGAN2 (random weights: enough to prove the hybrid's plumbing)
  const encoders = await tempWorkspace();
  const model = await loadModel(join(SHIPPED_MODELS, SG2));
  await writeEncoderBundle(join(encoders, 'test-encoder'), randomSmallEncoder(model, 'test-encoder'));
  await model.release();
  studio = await testStudio({ workspace, concurrency: 2, modelDirs: [...SHIPPED_BUNDLES, encoders] });
  // the target: an image the generator made (seed 12, psi 0.7), so a good projection exists
  const img = await studio.app.inject({
    method: 'POST',
    url: '/api/render',
    payload: { model: SG2, seed: 12, psi: 0.7, scale: 1 },
  });
  target = await upload(img.rawPayload);
});
afterAll(async () => {
  await studio?.app.close();
});

describe('studio projection jobs', () => {
  it('projects an upload with live loss and frames; the latent renders closer to the target than the start', async () => {
    const res = await project({ space: 'w+', steps: 60 });
    expect(res.statusCode).toBe(202);
    const rec0 = res.json() as JobRecord;
    expect(rec0.command).toMatch(
      /^npx latentlab project --model models\/fmnist-stylegan2 --target \S+uploads\/[0-9a-f]{16}\.png --outdir out\/project --space w\+ --steps 60 --noise --classifier models\/fmnist-classifier$/,
    );
    const progress: JobProgress[] = [];
    if (studio.jobs.get(rec0.id).state !== 'done')
      studio.jobs.subscribe(rec0.id, (e) => e.type === 'progress' && progress.push(e.progress));
    const rec = await studio.jobs.wait(rec0.id);
    expect([rec.state, rec.error]).toEqual(['done', undefined]);
    // `latentlab project`'s own outputs (NAME.*, its metrics with the options hash) and the studio's views
    const stem = target.slice(target.lastIndexOf('/') + 1, -'.png'.length);
    const cli = ['latent.safetensors', 'metrics.json', 'png', 'target.png'].map((e) => `${stem}.${e}`);
    expect(rec.files).toEqual(
      [...cli, 'comparison.png', 'loss.json', 'projected.latent.safetensors', 'projected.png', 'target.png']
        .map((f) => `jobs/${rec.id}/${f}`)
        .sort(),
    );
    // every step reported in order, with a loss; frames every ceil(60 / 50) = 2 steps, as PNG data URLs
    expect(progress.map((p) => p.step)).toEqual(
      Array.from({ length: progress.length }, (_, i) => 60 - progress.length + i + 1),
    );
    expect(progress.at(-1)!.step).toBe(60);
    const frames = progress.filter((p) => typeof p.frame === 'string');
    expect(frames.length).toBeGreaterThanOrEqual(25);
    expect(frames[0].frame).toMatch(/^data:image\/png;base64,/);
    const history = (
      JSON.parse(await readFile(join(workspace, 'jobs', rec.id, 'loss.json'), 'utf8')) as {
        history: number[];
      }
    ).history;
    expect(history).toHaveLength(60);
    expect(history.at(-1)!).toBeLessThan(history[0] * 0.5);
    // the projected latent (a workspace file the latent view opens) renders near the target
    const latentPath = `jobs/${rec.id}/projected.latent.safetensors`;
    const rendered = await studio.app.inject({
      method: 'POST',
      url: '/api/render',
      payload: { model: SG2, latent: latentPath, scale: 1 },
    });
    expect(rendered.statusCode).toBe(200);
    const targetPx = await grey(await readFile(join(workspace, target)));
    const firstFrame = await grey(Buffer.from((frames[0].frame as string).split(',')[1], 'base64'));
    const after = mse(await grey(rendered.rawPayload), targetPx);
    expect(after).toBeLessThan(mse(firstFrame, targetPx) * 0.5);
  });

  it('runs 8 concurrent projection jobs at most 2 at a time, none lost', async () => {
    let peak = 0;
    const sample = () =>
      (peak = Math.max(peak, studio.jobs.list().filter((j) => j.state === 'running').length));
    const responses = await Promise.all(Array.from({ length: 8 }, (_, k) => project({ steps: 8, seed: k })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    const jobs = responses.map((r) => r.json() as JobRecord);
    sample();
    for (const j of jobs) if (studio.jobs.get(j.id).state === 'queued') studio.jobs.subscribe(j.id, sample);
    const done = await Promise.all(jobs.map((j) => studio.jobs.wait(j.id)));
    expect(done.map((j) => j.state)).toEqual(Array(8).fill('done'));
    expect(peak).toBe(2);
    const listed = (await studio.app.inject({ method: 'GET', url: '/api/jobs' })).json() as JobRecord[];
    for (const j of done) {
      expect(listed.find((l) => l.id === j.id)?.state).toBe('done');
      expect(j.files).toContain(`jobs/${j.id}/projected.latent.safetensors`);
    }
    // different seeds start from different noise, so the 8 results are 8 distinct latents
    const bytes = await Promise.all(
      done.map((j) => readFile(join(workspace, 'jobs', j.id, 'projected.latent.safetensors'))),
    );
    expect(new Set(bytes.map((b) => b.toString('base64'))).size).toBe(8);
  });

  it('projects a sketch under a mask with the L2 prior, and cancels a long projection cleanly', async () => {
    const greyPng = (f: (x: number) => number) =>
      sharp(Buffer.from(Array.from({ length: 32 * 32 }, (_, i) => f(i % 32))), {
        raw: { width: 32, height: 32, channels: 1 },
      })
        .png()
        .toBuffer();
    const mask = await greyPng((x) => (x < 16 ? 255 : 0)); // the left half counts
    const maskPath = await upload(mask, 'mask.png');
    const masked = (await project({ mask: maskPath, prior: 0.01, steps: 10 })).json() as JobRecord;
    expect(masked.command).toContain(`--prior 0.01 --mask`);
    expect((await studio.jobs.wait(masked.id)).state).toBe('done');
    const empty = await upload(await greyPng(() => 0), 'empty.png');
    const bad = await studio.jobs.wait(((await project({ mask: empty, steps: 5 })).json() as JobRecord).id);
    expect([bad.state, bad.error]).toEqual(['failed', expect.stringMatching(/mask is empty/)]);

    const long = (await project({ steps: 5000 })).json() as JobRecord;
    await new Promise<void>((resolve) =>
      studio.jobs.subscribe(long.id, (e) => e.type === 'progress' && e.progress.step >= 3 && resolve()),
    );
    await studio.app.inject({ method: 'POST', url: `/api/jobs/${long.id}/cancel` });
    const rec = await studio.jobs.wait(long.id);
    expect([rec.state, rec.files]).toEqual(['cancelled', []]);
  });

  it('starts from the encoder’s guess (hybrid inversion) or from a saved latent', async () => {
    const models = (await studio.app.inject({ method: 'GET', url: '/api/models' })).json() as {
      name: string;
      encoder: string | null;
    }[];
    expect(models.find((m) => m.name === SG2)!.encoder).toMatch(/(test|fmnist)-encoder$/); // the shipped encoder is found first
    expect(models.find((m) => m.name === 'fmnist-dcgan')!.encoder).toBeNull();
    const inW = await project({ init: 'encoder', steps: 5 });
    expect([inW.statusCode, inW.json().error]).toEqual([400, expect.stringMatching(/latents are W\+/)]);
    const hybrid = (await project({ init: 'encoder', space: 'w+', steps: 5 })).json() as JobRecord;
    expect(hybrid.command).toMatch(
      /^npx latentlab encode --outdir out\/encode( --encoder \S+(test|fmnist)-encoder)?( --classifier \S+)? \S+\.png && npx latentlab project .* --init out\/encode\/[0-9a-f]{16}\.latent\.safetensors$/,
    );
    const done = await studio.jobs.wait(hybrid.id);
    expect([done.state, done.error]).toEqual(['done', undefined]);
    const latent = decodeLatent(
      await readFile(join(workspace, 'jobs', done.id, 'projected.latent.safetensors')),
    );
    expect(latent.provenance).toMatchObject({ kind: 'projection', init: 'encoder' });
    const again = (
      await project({
        init: 'latent',
        initLatent: `jobs/${done.id}/projected.latent.safetensors`,
        space: 'w+',
        steps: 5,
      })
    ).json() as JobRecord;
    expect(again.command).toContain(`--init `);
    const rec = await studio.jobs.wait(again.id);
    expect(rec.state).toBe('done');
    expect(
      decodeLatent(await readFile(join(workspace, 'jobs', rec.id, 'projected.latent.safetensors')))
        .provenance,
    ).toMatchObject({ init: 'projection' });
    const dcgan = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/project',
      payload: { model: 'fmnist-dcgan', image: target, space: 'z', init: 'encoder' },
    });
    expect([dcgan.statusCode, dcgan.json().error]).toEqual([400, expect.stringMatching(/no encoder bundle/)]);
  });

  it('refuses projections of missing files, DCGAN in W, and paths outside the workspace', async () => {
    const missing = await project({ image: 'uploads/none.png' });
    expect([missing.statusCode, missing.json().error]).toEqual([400, expect.stringMatching(/no file/)]);
    const dcgan = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/project',
      payload: { model: 'fmnist-dcgan', image: target, space: 'w' },
    });
    expect([dcgan.statusCode, dcgan.json().error]).toEqual([400, expect.stringMatching(/only space is z/)]);
    const outside = await project({ image: '../../etc/hostname' });
    expect([outside.statusCode, outside.json().error]).toEqual([
      400,
      expect.stringMatching(/outside the workspace/),
    ]);
  });
});
