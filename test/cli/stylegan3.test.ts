import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/index.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';
import { latentlab } from './run.js';

const T = fixtureCase('F_nvidia_sg3_t32');
const R = fixtureCase('F_nvidia_sg3_r32');
const REF = fileURLToPath(new URL('./sg3_gen_images/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-sg3-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every pixel of our PNG equals NVIDIA gen_images.py's (uint8, so exact). */
async function expectSamePixels(ours: string, theirs: string): Promise<void> {
  const [a, b] = await Promise.all([readImage(ours), readImage(theirs)]);
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let differing = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differing++;
  expect(differing, `${ours}: ${differing} bytes differ from gen_images.py's`).toBe(0);
}

describe.skipIf(!haveFixtures('F_nvidia_sg3_t32') || !haveFixtures('F_nvidia_sg3_r32'))('StyleGAN3 from the CLI', () => {
  const bundle = join(tmp, 't32');

  it('imports a stylegan3-t snapshot (G_ema and D) into a stylegan3 bundle; info shows the layer table', () => {
    const r = latentlab('import', T.path('network-snapshot-000000.pkl'), '--out', bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stylegan3 32x32x3, z 64, w 64, 16 ws, with D/);
    const manifest = JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ architecture: 'stylegan3', dims: { numWs: 16, w: 64 }, generator: { convKernel: 3, channelBase: 1024, channelMax: 48 } });
    expect(manifest.layers[0]).toEqual({ name: 'synthesis.input', kind: 'input', resolution: 4, wsIndex: 0 });
    const info = latentlab('info', bundle);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/StyleGAN3-T \(3x3 convs\), 15 synthesis layers, no noise inputs/);
    expect(info.stdout).toMatch(/L5_52_48\s+6\s+48>48\s+36>52\s+16>64>32/);
    expect(info.stdout).toMatch(/L14_32_3\s+15\s+32>3/);
  });

  it('generate --trunc --translate --rotate writes the PNGs gen_images.py writes (T)', async () => {
    const out = join(tmp, 'gen-t');
    const r = latentlab('generate', '--model', bundle, '--seeds', '0-3', '--trunc', '0.7', '--translate', '0.1,0.2', '--rotate', '15', '--outdir', out);
    expect(r.code, r.stderr).toBe(0);
    for (const s of [0, 1, 2, 3]) await expectSamePixels(join(out, `seed000${s}.png`), join(REF, 't32', `seed000${s}.png`));
  }, 120_000);

  it('generate from the pickle itself, default transform (identity, as gen_images.py sets it) (R)', async () => {
    const out = join(tmp, 'gen-r');
    const r = latentlab('generate', '--model', R.path('network-snapshot-000000.pkl'), '--seeds', '5,6', '--outdir', out);
    expect(r.code, r.stderr).toBe(0);
    for (const s of [5, 6]) await expectSamePixels(join(out, `seed000${s}.png`), join(REF, 'r32', `seed000${s}.png`));
  }, 120_000);

  it('refuses --translate on a model without an input transform, and bad values', () => {
    const bad = latentlab('generate', '--model', bundle, '--seeds', '0', '--translate', '0.1', '--outdir', join(tmp, 'bad'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--translate must be "x,y"/);
  });
});
