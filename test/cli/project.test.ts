import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latentFromSeeds, loadLatent, loadModel, readImage, renderLatent, toImages, writePng } from '../../src/index.js';
import { latentlab } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-project-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MODEL = 'models/fmnist-stylegan2';
// Short runs: the CLI's defaults are NVIDIA's (1000 steps, w_avg of 10k samples).
const QUICK = ['--steps', '8', '--w-avg-samples', '500', '--model', MODEL];

describe('latentlab project', () => {
  const targets = join(tmp, 'targets');

  beforeAll(async () => {
    mkdirSync(targets, { recursive: true });
    const model = await loadModel(MODEL);
    const img = toImages(await renderLatent(model, await latentFromSeeds(model, [3], { space: 'w' })))[0];
    await writePng(join(targets, 'a_grey32.png'), img); // grey, the model's size
    // RGB, 48x40 with alpha: converted to grey, scaled to cover 32x32 and centre-cropped.
    await sharp({ create: { width: 48, height: 40, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 1 } } }).png().toFile(join(targets, 'b_rgb48x40.png'));
  });

  it('projects a folder, writes every output per image, and resumes', async () => {
    const out = join(tmp, 'out');
    const r = latentlab('project', ...QUICK, '--target', targets, '--outdir', out, '--space', 'w+', '--video', '--video-every', '4');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/projected 2, skipped 0 \(already done with these options\), failed 0/);
    for (const name of ['a_grey32', 'b_rgb48x40']) {
      for (const f of [`${name}.latent.safetensors`, `${name}.png`, `${name}.target.png`, `${name}.metrics.json`, `${name}.gif`]) expect(existsSync(join(out, f)), f).toBe(true);
      expect(readFileSync(join(out, `${name}.gif`)).subarray(0, 6).toString()).toBe('GIF89a');
      const metrics = JSON.parse(readFileSync(join(out, `${name}.metrics.json`), 'utf8'));
      expect(Object.keys(metrics.metrics).sort()).toEqual(['featureDistance', 'mse', 'psnr', 'ssim']);
      expect(metrics.metrics.psnr).toBeGreaterThan(5);
      const target = await sharp(join(out, `${name}.target.png`)).metadata();
      expect([target.width, target.height]).toEqual([32, 32]);
    }
    // The latent file holds codes and noise maps and renders to the reconstruction PNG (8-bit rounding).
    const model = await loadModel(MODEL);
    const latent = await loadLatent(join(out, 'a_grey32.latent.safetensors'), model);
    expect(latent.space).toBe('w+');
    expect(Object.keys(latent.noise ?? {}).length).toBeGreaterThan(0);
    const again = toImages(await renderLatent(model, latent))[0];
    const png = await readImage(join(out, 'a_grey32.png'), { channels: 1 });
    expect(Math.max(...again.data.map((v, i) => Math.abs(v - png.data[i])))).toBeLessThanOrEqual(1);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);

    const rerun = latentlab('project', ...QUICK, '--target', targets, '--outdir', out, '--space', 'w+');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/projected 0, skipped 2/);
    // a resume with other options is refused, naming them (--force would redo the targets)
    const other = latentlab('project', ...QUICK, '--target', targets, '--outdir', out, '--space', 'w', '--seed', '9');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/made with other options \(--space, --seed\); pass --force/);
  }, 300_000); // four CLI processes; generous for a loaded 2-core machine

  it('refuses corrupt and over-limit images with a clear message and leaves nothing behind', async () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not an image'));
    await sharp({ create: { width: 400, height: 300, channels: 3, background: '#808080' } }).png().toFile(join(bad, 'huge.png'));
    const out = join(tmp, 'bad-out');
    const one = latentlab('project', ...QUICK, '--target', join(bad, 'corrupt.png'), '--outdir', out);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/corrupt\.png: not a readable image/);
    const both = latentlab('project', ...QUICK, '--target', bad, '--outdir', out, '--max-pixels', '100000');
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/huge: FAILED: .*400×300 = 120,000 pixels is above the limit of 100,000/);
    expect(both.stderr).toMatch(/2 of 2 targets failed/);
    expect(readdirSync(out)).toEqual([]);
  }, 180_000); // two CLI processes; generous for a loaded 2-core machine
});
