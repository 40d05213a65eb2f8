// Direction discovery jobs, edits in renders (sliders with a layer range) and the W-space PCA scatter.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobRecord } from '../../src/studio/server/jobQueue.js';
import { testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';
let studio: Studio;
let sefaFile: string;

async function pixels(png: Buffer): Promise<Buffer> {
  return (await sharp(png).raw().toBuffer({ resolveWithObject: true })).data;
}

const render = (extra: object) =>
  studio.app.inject({
    method: 'POST',
    url: '/api/render',
    payload: { model: SG2, seed: 5, psi: 0.7, scale: 1, ...extra },
  });

async function runJob(payload: object): Promise<JobRecord> {
  const res = await studio.app.inject({
    method: 'POST',
    url: '/api/jobs/directions',
    payload: { model: SG2, ...payload },
  });
  expect(res.statusCode).toBe(202);
  return studio.jobs.wait((res.json() as JobRecord).id);
}

beforeAll(async () => {
  studio = await testStudio({ concurrency: 2 });
});
afterAll(async () => {
  await studio?.app.close();
});

describe('studio directions', () => {
  it('discovers SeFa and GANSpace directions as jobs and lists them for the model', async () => {
    const [sefa, pca] = await Promise.all([
      runJob({ method: 'sefa', components: 4, num: 500 }),
      runJob({ method: 'ganspace', components: 3, num: 1000 }),
    ]);
    expect([sefa.state, sefa.error, pca.state, pca.error]).toEqual(['done', undefined, 'done', undefined]);
    expect(sefa.command).toBe(
      'npx latentlab directions sefa --model models/fmnist-stylegan2 --components 4 --sigma-samples 500 --out out/sefa.safetensors',
    );
    sefaFile = `jobs/${sefa.id}/directions.safetensors`;
    const list = (await studio.app.inject({ method: 'GET', url: `/api/directions?model=${SG2}` })).json() as {
      path: string;
      labels: string[];
      method: string;
      sigma: boolean;
    }[];
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: sefaFile,
          method: 'sefa',
          labels: ['sefa0', 'sefa1', 'sefa2', 'sefa3'],
          sigma: true,
        }),
        expect.objectContaining({
          path: `jobs/${pca.id}/directions.safetensors`,
          method: 'ganspace',
          labels: ['pc0', 'pc1', 'pc2'],
          sigma: true,
        }),
      ]),
    );
    // DCGAN has no W: refused before queueing
    const dcgan = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/directions',
      payload: { model: 'fmnist-dcgan', method: 'sefa' },
    });
    expect(dcgan.statusCode).toBe(400);
  });

  it('finds InterFaceGAN boundaries for the classifier’s classes', async () => {
    const rec = await runJob({ method: 'interfacegan', num: 1000 });
    expect([rec.state, rec.error]).toEqual(['done', undefined]);
    expect((rec.result as { labels: string[] }).labels).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
    expect(rec.command).toMatch(
      /^npx latentlab directions interfacegan --model models\/fmnist-stylegan2 --classifier \S*models\/fmnist-classifier --num 1000 --out/,
    );
  });

  it('edits a render along a direction: strength 0 is the same image, others move it, a layer range moves it less', async () => {
    const plain = await pixels((await render({})).rawPayload);
    const edit = (strength: number, layers?: [number, number]) =>
      render({ edits: [{ directions: sefaFile, component: 0, strength, ...(layers ? { layers } : {}) }] });
    const zero = await edit(0);
    expect(zero.statusCode).toBe(200);
    expect((await pixels(zero.rawPayload)).equals(plain)).toBe(true);
    const [all, coarse] = await Promise.all([edit(3), edit(3, [0, 2])]);
    const diff = (a: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - plain[i]), 0);
    const dAll = diff(await pixels(all.rawPayload));
    const dCoarse = diff(await pixels(coarse.rawPayload));
    expect(dAll).toBeGreaterThan(0);
    expect(dCoarse).toBeGreaterThan(0);
    expect(dCoarse).not.toBe(dAll);
    expect(coarse.headers['x-latentlab-command']).toMatch(
      /^npx latentlab render --model models\/fmnist-stylegan2 --seed 5 --trunc 0\.7 --edit \S+\/directions\.safetensors,0,3,0-1 --out out\/render\.png$/,
    );
    const bad = await edit(1, [3, 99] as [number, number]);
    expect(bad.statusCode).toBe(400);
    const missing = await render({
      edits: [{ directions: 'jobs/none/directions.safetensors', component: 0, strength: 1 }],
    });
    expect([missing.statusCode, missing.json().error]).toEqual([400, expect.stringMatching(/no file/)]);
  });

  it('places samples, the latent and its edit path in the W-space PCA plane', async () => {
    const res = await studio.app.inject({
      method: 'POST',
      url: '/api/pca',
      payload: {
        model: SG2,
        seed: 5,
        psi: 0.7,
        samples: 500,
        edits: [{ directions: sefaFile, component: 0, strength: 3 }],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      points: [number, number][];
      path: [number, number][];
      current: [number, number];
      explained: number[];
    };
    expect(body.points).toHaveLength(500);
    expect(body.path).toHaveLength(11);
    expect(body.current).toEqual(body.path[10]);
    expect(body.explained[0]).toBeGreaterThanOrEqual(body.explained[1]);
    // the samples are centred on their mean: their average on each axis is ~0 (3-decimal rounding, 500 points)
    for (const k of [0, 1])
      expect(Math.abs(body.points.reduce((s, p) => s + p[k], 0) / 500)).toBeLessThan(1e-3);
    // the path starts at the unedited latent and moves
    const plain = (
      await studio.app.inject({
        method: 'POST',
        url: '/api/pca',
        payload: { model: SG2, seed: 5, psi: 0.7, samples: 500 },
      })
    ).json() as { path: [number, number][] };
    expect(plain.path).toEqual([body.path[0]]);
    expect(body.path[10]).not.toEqual(body.path[0]);
  });
});
