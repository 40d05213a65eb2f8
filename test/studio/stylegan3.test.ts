import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, makeGrid, toImages } from '../../src/formats/image.js';
import { mapZ, sampleZ, synthesize } from '../../src/models/generate.js';
import { writeBundle } from '../../src/models/io/bundle.js';
import { inputTransform } from '../../src/models/stylegan3/synthesis.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import type { Studio } from '../../src/studio/server/app.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';
import { tempWorkspace, testStudio } from './helpers.js';

// The studio on a StyleGAN3 bundle (imported fixture F_nvidia_sg3_t32): listed with its facts, the seed
// grid equals the library's images, a render follows truncation.
const F = fixtureCase('F_nvidia_sg3_t32');
const pixels = async (png: Buffer | Uint8Array) => sharp(png).raw().toBuffer();

describe.skipIf(!haveFixtures('F_nvidia_sg3_t32'))('studio API on a StyleGAN3 bundle', () => {
  let studio: Studio;
  let dir: string;
  beforeAll(async () => {
    dir = join(await tempWorkspace(), 'sg3-t32');
    await writeBundle(dir, await loadModel(F.path('network-snapshot-000000.pkl')));
    studio = await testStudio({ modelDirs: [dir] });
  }, 120_000);
  afterAll(async () => {
    await studio?.app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists it, draws a seed grid equal to the library call and renders seeds', async () => {
    const models = (await studio.app.inject({ method: 'GET', url: '/api/models' })).json() as { name: string; architecture: string; numWs: number }[];
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ architecture: 'stylegan3', numWs: 16, resolution: 32 });
    const name = models[0].name;
    const res = await studio.app.inject({ method: 'POST', url: '/api/grid', payload: { model: name, seeds: [0, 1], psi: 0.7, columns: 2, scale: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    const model = await loadModel(dir);
    // As `generate` (and gen_images.py): the identity input transform, not the stored one.
    const img = await synthesize(model, await mapZ(model, sampleZ(model, [0, 1]), { psi: 0.7 }), { transform: inputTransform([0, 0], 0) });
    const expected = await pixels(await encodePng(makeGrid(toImages(img), 2, 1)));
    expect((await pixels(res.rawPayload)).equals(expected)).toBe(true);
    const render = (psi: number) => studio.app.inject({ method: 'POST', url: '/api/render', payload: { model: name, seed: 3, psi, scale: 1 } });
    const [a, b] = [await render(1), await render(0.3)];
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect((await pixels(a.rawPayload)).equals(await pixels(b.rawPayload))).toBe(false);
    await model.release();
  }, 120_000);
});
