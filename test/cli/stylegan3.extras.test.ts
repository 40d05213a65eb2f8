import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLatent } from '../../src/latent/file.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';
import { latentlab } from './run.js';

// StyleGAN3 beyond generate: equivariance sweeps and encoders, on the imported fixture F_nvidia_sg3_t32
// (32x32 RGB, tiny), so every step runs in seconds to a few minutes on 2 loaded cores.
const T = fixtureCase('F_nvidia_sg3_t32');
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-sg3x-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveFixtures('F_nvidia_sg3_t32'))('StyleGAN3: sweeps and encoders from the CLI', () => {
  const bundle = join(tmp, 't32');

  it('interpolate --rotate-sweep / --translate-sweep write the sweep sheet and a GIF', () => {
    expect(latentlab('import', T.path('network-snapshot-000000.pkl'), '--out', bundle).code).toBe(0);
    const out = join(tmp, 'sweep');
    const r = latentlab('interpolate', '--model', bundle, '--seeds', '7', '--rotate-sweep', '0:360', '--translate-sweep', '0,0:0.5,0', '--steps', '6', '--loop', '--outdir', out, '--gif', join(out, 'sweep.gif'));
    expect(r.code, r.stderr).toBe(0);
    // rotation and translation together: not a pure whole turn, so --loop goes there and back (7 + 5 frames)
    expect(r.stdout).toMatch(/12 frames of one latent under a moving input transform/);
    expect(existsSync(join(out, 'sweep.png'))).toBe(true);
    expect(readFileSync(join(out, 'sweep.gif')).subarray(0, 6).toString()).toBe('GIF89a');
    const bad = latentlab('interpolate', '--model', bundle, '--seeds', '7', '--rotate-sweep', '0-360', '--outdir', out);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--rotate-sweep must be "a0:a1"/);
    const sg2 = latentlab('interpolate', '--model', 'models/fmnist-stylegan2', '--seeds', '7', '--rotate-sweep', '0:90', '--outdir', out);
    expect(sg2.code).not.toBe(0);
    expect(sg2.stderr).toMatch(/transform sweeps need a StyleGAN3/);
  }, 180_000);

  it('train encoder on the StyleGAN3 bundle (no classifier: RGB), then encode with projector steps', async () => {
    const data = join(tmp, 'data');
    expect(latentlab('generate', '--model', bundle, '--seeds', '0-7', '--outdir', data).code).toBe(0);
    const run = join(tmp, 'run');
    const tr = latentlab('train', 'encoder', '--model', bundle, '--data', data, '--classifier', 'none', '--outdir', run, '--generated', '2', '--real', '2', '--cmax', '16', '--hidden', '32', '--eval-images', '4', '--kimg', '0.004', '--quiet');
    expect(tr.code, tr.stderr).toBe(0);
    expect(tr.stdout).toMatch(/training an encoder for t32 \(16×64 W\+\)/);
    expect(tr.stdout).toMatch(/test reconstruction \(4 images\): PSNR [\d.]+ dB/);
    const out = join(tmp, 'enc');
    const enc = latentlab('encode', join(data, 'seed0003.png'), '--encoder', join(run, 'bundle'), '--model', bundle, '--classifier', 'none', '--steps', '2', '--outdir', out);
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toMatch(/encoded 1 image\(s\) \(\+2 projector steps; encoder alone [\d.]+ dB\)/);
    const latent = await loadLatent(join(out, 'seed0003.latent.safetensors'), await loadModel(bundle));
    expect(latent.space).toBe('w+');
    expect(latent.codes.shape).toEqual([1, 16, 64]);
    expect(latent.noise).toBeUndefined();
  }, 900_000);
});
