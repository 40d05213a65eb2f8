import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_ROOT } from '../../src/data/fashionMnist.js';
import { loadLatent } from '../../src/latent/file.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { latentlab } from './run.js';

const haveData = existsSync(join(FASHION_MNIST_ROOT, 'train-images-idx3-ubyte.gz'));
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-cli-encoder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveData)('latentlab train encoder / encode', () => {
  it('trains a small encoder, resumes it, and encodes PNGs into latent files, reconstructions and metrics', async () => {
    const run = join(tmp, 'run');
    const common = ['train', 'encoder', '--outdir', run, '--subset', '16', '--generated', '2', '--real', '2', '--cmax', '16', '--hidden', '32', '--eval-images', '4', '--quiet'];
    const first = latentlab(...common, '--kimg', '0.016');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/test reconstruction \(4 images\): PSNR [\d.]+ dB/);
    expect(first.stdout).toMatch(/try: latentlab encode IMAGE\|DIR --encoder/);
    const again = latentlab(...common, '--kimg', '0.016');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a training run .*--resume/);
    const resumed = latentlab(...common, '--kimg', '0.024', '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/done: 0\.024 kimg, 6 steps/);
    expect(latentlab('train', 'encoder', '--outdir', join(tmp, 'x'), '--kimg', '1', '--gamma', '1').stderr).toMatch(/train encoder: unknown flag --gamma/);

    const inputs = join(tmp, 'in');
    expect(latentlab('generate', '--model', 'models/fmnist-stylegan2', '--seeds', '3-4', '--outdir', inputs).code).toBe(0);
    const out = join(tmp, 'out');
    const enc = latentlab('encode', inputs, '--encoder', join(run, 'bundle'), '--outdir', out);
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    expect(enc.stdout).toMatch(/encoded 2 image\(s\) .*mean PSNR [\d.]+ dB, SSIM/);
    expect(readdirSync(out).sort()).toEqual(['compare.png', 'metrics.json', 'seed0003.latent.safetensors', 'seed0003.png', 'seed0004.latent.safetensors', 'seed0004.png']);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.images).toHaveLength(2);
    for (const m of metrics.images) for (const k of ['mse', 'psnr', 'ssim', 'featureDistance']) expect(Number.isFinite(m[k]), k).toBe(true);
    const model = await loadModel('models/fmnist-stylegan2');
    const latent = await loadLatent(join(out, 'seed0003.latent.safetensors'), model);
    expect(latent.space).toBe('w+');
    expect(latent.codes.shape).toEqual([1, 8, 128]);
    expect(latent.provenance).toMatchObject({ kind: 'encoder', sources: ['seed0003', 'seed0004'] });

    // Hybrid: the shipped encoder + 3 projector steps.
    const hybrid = latentlab('encode', join(inputs, 'seed0003.png'), '--outdir', join(tmp, 'hybrid'), '--steps', '3');
    expect(hybrid.code).toBe(0);
    expect(hybrid.stdout).toMatch(/encoded 1 image\(s\) \(\+3 projector steps; encoder alone [\d.]+ dB\)/);
    const hm = JSON.parse(readFileSync(join(tmp, 'hybrid', 'metrics.json'), 'utf8'));
    expect(hm.method).toMatch(/hybrid/);
    expect(hm.images[0].encoderOnly.psnr).toBeGreaterThan(15);
    const refined = await loadLatent(join(tmp, 'hybrid', 'seed0003.latent.safetensors'), model);
    expect(refined.provenance).toMatchObject({ kind: 'projection', init: 'encoder' });
    expect(Object.keys(refined.noise ?? {})).toHaveLength(7);

    // A corrupt input is refused by name and nothing is written.
    writeFileSync(join(inputs, 'broken.png'), 'not a png');
    const bad = latentlab('encode', inputs, '--encoder', join(run, 'bundle'), '--outdir', join(tmp, 'bad'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.png: cannot read image/);
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
  }, 300_000);
});
