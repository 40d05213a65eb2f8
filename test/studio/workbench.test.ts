// The studio's workbench endpoints (issue 17): capabilities (ffmpeg probed once; an export it cannot make is
// refused), job deletion and ZIP download, latent rename/delete with readable name errors, the prepared
// projection target, per-direction strips, crossing saved latents, and a warning for missing model folders.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobRecord } from '../../src/studio/server/jobQueue.js';
import { multipart, pixels, SHIPPED_BUNDLES, tempWorkspace, testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';
let studio: Studio;

beforeAll(async () => {
  studio = await testStudio({
    workspace: await tempWorkspace(),
    ffmpeg: false,
    modelDirs: [...SHIPPED_BUNDLES, '/nonexistent/latentlab-models'],
  });
});
afterAll(async () => {
  await studio?.app.close();
});

const post = (url: string, payload: object) => studio.app.inject({ method: 'POST', url, payload });

describe('studio workbench API', () => {
  it('lists only the shipped models and reports capabilities and missing model folders', async () => {
    const models = (await studio.app.inject({ method: 'GET', url: '/api/models' })).json() as {
      name: string;
    }[];
    expect(models.map((m) => m.name)).toEqual([SG2, 'fmnist-dcgan']);
    const caps = (await studio.app.inject({ method: 'GET', url: '/api/capabilities' })).json();
    expect(caps).toEqual({
      ffmpeg: false,
      videoFormats: ['gif'],
      missingModelDirs: ['/nonexistent/latentlab-models'],
    });
  });

  it('refuses an MP4 export without ffmpeg before queueing; a GIF export runs, downloads as ZIP, deletes', async () => {
    const body = { model: SG2, keys: [{ seed: 1 }, { seed: 2 }], steps: 2, scale: 1, fps: 4 };
    const mp4 = await post('/api/jobs/interpolate-gif', { ...body, video: 'mp4' });
    expect(mp4.statusCode).toBe(400);
    expect(mp4.json().error).toMatch(/MP4 export needs ffmpeg/);
    const res = await post('/api/jobs/interpolate-gif', body);
    expect(res.statusCode).toBe(202);
    const job = await studio.jobs.wait((res.json() as JobRecord).id);
    expect(job.state).toBe('done');
    const zip = await studio.app.inject({ method: 'GET', url: `/api/jobs/${job.id}/zip` });
    expect(zip.statusCode).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.rawPayload.subarray(0, 2).toString()).toBe('PK');
    expect(zip.rawPayload.includes(Buffer.from(`${job.id}/interpolation.gif`))).toBe(true);
    const del = await studio.app.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` });
    expect(del.statusCode).toBe(200);
    // a live job is not deleted: it is cancelled first
    const big = (
      await post('/api/jobs/render-seeds', { model: SG2, seeds: Array.from({ length: 2048 }, (_, i) => i) })
    ).json() as JobRecord;
    const live = await studio.app.inject({ method: 'DELETE', url: `/api/jobs/${big.id}` });
    expect([live.statusCode, live.json().error]).toEqual([
      400,
      expect.stringMatching(/cancel it before deleting/),
    ]);
    studio.jobs.cancel(big.id);
    expect((await studio.jobs.wait(big.id)).state).toBe('cancelled');
    const cleared = await studio.app.inject({ method: 'DELETE', url: '/api/jobs' });
    expect(cleared.json().removed).toEqual([big.id]);
    expect(existsSync(join(studio.workspace.root, 'jobs', job.id))).toBe(false);
    expect((await studio.app.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).statusCode).toBe(404);
  });

  it('saves, renames and deletes a latent; a name with spaces gets a readable message', async () => {
    const bad = await post('/api/latents', { model: SG2, seed: 3, name: 'my boot' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe(
      "latent name 'my boot': use letters, digits, '-', '_' and '.' only (no spaces), at most 100 characters, starting with a letter or digit",
    );
    expect((await post('/api/latents', { model: SG2, seed: 3, name: 'a' })).statusCode).toBe(201);
    const ren = await post('/api/latents/rename', { path: 'latents/a.latent.safetensors', name: 'boot-3' });
    expect(ren.json()).toEqual({ path: 'latents/boot-3.latent.safetensors', image: 'latents/boot-3.png' });
    expect(existsSync(join(studio.workspace.root, 'latents', 'boot-3.png'))).toBe(true);
    const del = await studio.app.inject({
      method: 'DELETE',
      url: '/api/latents?path=latents/boot-3.latent.safetensors',
    });
    expect(del.statusCode).toBe(200);
    expect(existsSync(join(studio.workspace.root, 'latents', 'boot-3.latent.safetensors'))).toBe(false);
  });

  it('previews a colour upload as the grey 32-px target the projection sees', async () => {
    const sharp = (await import('sharp')).default;
    const colour = await sharp({
      create: { width: 50, height: 40, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .png()
      .toBuffer();
    const up = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'red.png', 'image/png', colour),
    });
    const res = await post('/api/targets/preview', { model: SG2, image: up.json().path, scale: 2 });
    expect(res.statusCode).toBe(200);
    const px = await pixels(res.rawPayload);
    expect([px.width, px.height]).toEqual([64, 64]);
    const meta = await sharp(res.rawPayload).metadata();
    expect(meta.channels === 1 || px.data[0] === px.data[1]).toBe(true);
  });

  it('draws a -2..+2 sigma strip for one direction; the middle tile is the unedited latent', async () => {
    const dirs = await post('/api/pca', { model: SG2, seed: 5, psi: 0.7, samples: 200 });
    const path = dirs.json().directions as string;
    expect(path).toBe(`directions/pca-w-${SG2}-200.safetensors`);
    const strip = await post('/api/directions/strip', {
      model: SG2,
      seed: 5,
      psi: 0.7,
      scale: 1,
      directions: path,
      component: 0,
      strengths: [-2, -1, 0, 1, 2],
    });
    expect(strip.statusCode).toBe(200);
    const px = await pixels(strip.rawPayload);
    expect([px.width, px.height]).toEqual([160, 32]);
    const plain = await pixels(
      (await post('/api/render', { model: SG2, seed: 5, psi: 0.7, scale: 1 })).rawPayload,
    );
    const c = px.data.length / (160 * 32);
    const tile = (k: number) => {
      const out: number[] = [];
      for (let y = 0; y < 32; y++)
        out.push(...px.data.subarray((y * 160 + k * 32) * c, (y * 160 + k * 32 + 32) * c));
      return Buffer.from(out);
    };
    expect(tile(2).equals(plain.data)).toBe(true);
    expect(tile(0).equals(plain.data)).toBe(false);
    const listed = (await studio.app.inject({ method: 'GET', url: `/api/directions?model=${SG2}` })).json();
    expect(listed.find((d: { path: string }) => d.path === path).shares).toHaveLength(2);
  });

  it('crosses saved latents in the style-mixing matrix, with the CLI command naming them', async () => {
    await post('/api/latents', { model: SG2, seed: 7, name: 'seven' });
    const res = await post('/api/mix', {
      model: SG2,
      rowLatents: ['latents/seven.latent.safetensors'],
      cols: [1, 2],
      layers: 'coarse',
      scale: 1,
    });
    expect(res.statusCode).toBe(200);
    // the CLI's --rows has default seeds: an empty list keeps the rows to the latents
    expect(res.headers['x-latentlab-command']).toMatch(
      /--rows '' --row-latents \S+\/latents\/seven\.latent\.safetensors --cols 1-2 --upscale 1 /,
    );
    const none = await post('/api/mix', { model: SG2, cols: [1], layers: 'coarse' });
    expect(none.statusCode).toBe(400);
  });
});
