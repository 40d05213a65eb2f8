// Studio API, continued: model import (upload + job through the safe unpickler), cross-site protection,
// exploration (noise resampling, style mixing, interpolation strips and GIF jobs).
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import type { JobRecord } from '../../src/studio/server/jobQueue.js';
import { FIXTURES, haveFixtures } from '../fixtures.js';
import { multipart, pixels, tempWorkspace, testStudio } from './helpers.js';

const SG2 = 'fmnist-stylegan2';
/** ffmpeg is a Debian package CI installs (.ci/apt-packages); without it the MP4 half of a test is skipped. */
const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
if (!HAVE_FFMPEG && process.env.CI) throw new Error('ffmpeg missing on CI');

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
        /^npx latentlab import --out \S+\/models\/fixture-a --name fixture-a \S+\.pkl$/,
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
  beforeAll(async () => {
    const saved = await studio.app.inject({
      method: 'POST',
      url: '/api/latents',
      payload: { model: SG2, seed: 7, psi: 0.5, name: 'shoe-7', space: 'w+' },
    });
    expect(saved.statusCode).toBe(201);
  });

  it('resamples noise in a layer range: the image changes, deterministically per seed, and names the render command', async () => {
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
      'npx latentlab render --model models/fmnist-stylegan2 --seed 4 --resample-noise fine:1 --out out/render.png',
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
      'npx latentlab mix --model models/fmnist-stylegan2 --rows 1-2 --cols 3-5 --upscale 1 --outdir out/mix',
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
      /^npx latentlab interpolate --model models\/fmnist-stylegan2 --keys 1,\S+\/latents\/shoe-7\.latent\.safetensors,9 --steps 4 --columns 16 --upscale 1 --outdir out\/interpolate$/,
    );
    const job = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/interpolate-gif',
      payload: { model: SG2, keys, steps: 4, scale: 2, fps: 10, video: HAVE_FFMPEG ? 'mp4' : 'none' },
    });
    expect(job.statusCode).toBe(202);
    const rec = await studio.jobs.wait((job.json() as JobRecord).id);
    expect([rec.state, rec.error]).toEqual(['done', undefined]);
    const gif = await readFile(join(workspace, 'jobs', rec.id, 'interpolation.gif'));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const meta = await sharp(gif, { animated: true }).metadata();
    expect([meta.pages, meta.width, meta.pageHeight]).toEqual([9, 64, 64]);
    if (HAVE_FFMPEG) {
      // an MP4 beside it: an ISO-BMFF file ('ftyp' box first)
      const mp4 = await readFile(join(workspace, 'jobs', rec.id, 'interpolation.mp4'));
      expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
      expect(rec.command).toContain('--video out/interpolate/interpolation.mp4');
    }
    const missing = await studio.app.inject({
      method: 'POST',
      url: '/api/interpolate',
      payload: { model: SG2, keys: [{ seed: 1 }, { latent: 'latents/nope.latent.safetensors' }] },
    });
    expect(missing.statusCode).toBe(400);
  });
});
