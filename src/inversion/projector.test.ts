import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toImages, writePng } from '../formats/image.js';
import { loadModel } from '../models/io/loadModel.js';
import { latentFromSeeds, renderLatent } from '../latent/latent.js';
import type { GanModel } from '../models/ganModel.js';
import { clearSessionCache } from '../runtime/compile.js';
import { projectFiles } from './files.js';
import { project } from './projector.js';

let dcgan: GanModel;
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-projector-'));

beforeAll(async () => {
  dcgan = await loadModel('models/fmnist-dcgan');
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await clearSessionCache();
});

describe('project (DCGAN, Z space)', () => {
  it('Adam and L-BFGS both lower the pixel loss; L-BFGS projects a batch one image at a time', async () => {
    const truth = await latentFromSeeds(dcgan, [4, 5]);
    const target = await renderLatent(dcgan, truth);
    const adam = await project(dcgan, target, { numSteps: 40, losses: { mse: 1 } });
    expect(adam.latent.space).toBe('z');
    expect(adam.history.length).toBe(40);
    for (const l of adam.loss) expect(l).toBeLessThan(0.6 * adam.history[0] / 2);
    const lb = await project(dcgan, target, { optimizer: 'lbfgs', numSteps: 15, losses: { mse: 1 } });
    expect(lb.latent.codes.shape).toEqual([2, dcgan.zDim]);
    // Each image starts from z = 0 (the prior mean) alone, so each final loss is below the batch-of-one start.
    for (const l of lb.loss) expect(l).toBeLessThan(0.6 * lb.history[0] / 2);
    expect(lb.latent.provenance).toMatchObject({ kind: 'projection', optimizer: 'lbfgs' });
  }, 60_000);

  it('starts from an initial latent (an encoder output): from the true z the loss is ~0 at once', async () => {
    const truth = await latentFromSeeds(dcgan, [9]);
    const target = await renderLatent(dcgan, truth);
    const r = await project(dcgan, target, { init: truth, numSteps: 2, initialNoiseFactor: 0, losses: { mse: 1 } });
    expect(r.history[0]).toBeLessThan(1e-10);
    expect(r.latent.provenance.init).toBe('seeds');
  });

  it('the L2 prior pulls the latent to its mean (z = 0 for a DCGAN)', async () => {
    const target = await renderLatent(dcgan, await latentFromSeeds(dcgan, [1]));
    const free = await project(dcgan, target, { numSteps: 30, losses: { mse: 1 } });
    const tied = await project(dcgan, target, { numSteps: 30, losses: { mse: 1, prior: 10 } });
    const norm = (t: Float32Array) => Math.hypot(...t);
    expect(norm(tied.latent.codes.data)).toBeLessThan(0.5 * norm(free.latent.codes.data));
    expect(tied.terms.prior).toBeDefined();
  }, 30_000);

  it('an interrupted projection leaves no files, and the rerun does the target', async () => {
    const dir = join(tmp, 'targets');
    await writePng(join(dir, 'x.png'), toImages(await renderLatent(dcgan, await latentFromSeeds(dcgan, [2])))[0]);
    const out = join(tmp, 'out');
    const interrupt = (p: { step: number }) => {
      if (p.step === 3) throw new Error('interrupted');
    };
    await expect(projectFiles(dcgan, [join(dir, 'x.png')], { outdir: out, numSteps: 5, losses: { mse: 1 }, onProgress: interrupt })).rejects.toThrow('interrupted');
    expect(readdirSync(out)).toEqual([]);
    const r = await projectFiles(dcgan, [join(dir, 'x.png')], { outdir: out, numSteps: 5, losses: { mse: 1 } });
    expect(r[0].status).toBe('projected');
    expect(readdirSync(out).sort()).toEqual(['x.latent.safetensors', 'x.metrics.json', 'x.png', 'x.target.png']);
  }, 30_000);
});
