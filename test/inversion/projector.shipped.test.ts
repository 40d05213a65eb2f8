import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { grad } from '../../src/graph/autodiff.js';
import { input } from '../../src/graph/value.js';
import { reconstructionMetrics } from '../../src/inversion/metrics.js';
import { activeTerms, featureTaps, projectionLoss } from '../../src/inversion/losses.js';
import { featureExecutable, latentStats, type ProjectionSpec, projectionExecutable } from '../../src/inversion/program.js';
import { project } from '../../src/inversion/projector.js';
import { latentFromSeeds, renderLatent } from '../../src/latent/latent.js';
import type { Classifier } from '../../src/models/classifier/classifier.js';
import { readClassifierBundle } from '../../src/models/io/classifierBundle.js';
import type { GanModel } from '../../src/models/ganModel.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';
import { constant } from '../../src/graph/value.js';

afterAll(clearSessionCache);

let model: GanModel;
let classifier: Classifier;
const R = 32;

beforeAll(async () => {
  model = await loadModel('models/fmnist-stylegan2');
  classifier = await readClassifierBundle('models/fmnist-classifier');
});

/** Left half 1, right half 0. */
function halfMask(n: number): Tensor<'float32'> {
  const m = Tensor.float32([n, 1, R, R]);
  for (let i = 0; i < n; i++) for (let y = 0; y < R; y++) for (let x = 0; x < R / 2; x++) m.data[(i * R + y) * R + x] = 1;
  return m;
}

describe('masked projection ignores everything outside the mask', () => {
  const weights = { mse: 1, l1: 0.5, classifier: 0.1, discriminator: 0.01 };

  it('the gradient of every image loss w.r.t. the generated image is exactly zero where M = 0', async () => {
    const n = 2;
    const nets = { classifier };
    const terms = activeTerms(model, weights, nets);
    const image = input('image', [n, 1, R, R]);
    const target = input('target', [n, 1, R, R]);
    const mask = input('mask', [n, 1, R, R]);
    const targetFeatures = featureTaps(model, terms, nets, target);
    const zero = constant(Tensor.float32([1]));
    const loss = projectionLoss(model, terms, nets, { image, target, mask, targetFeatures, noise: [], latent: zero, latentMean: zero });
    const [g] = grad(loss.total, [image]);
    const exe = await compile({ inputs: [image, target, mask], outputs: [g], outputNames: ['g'] });
    const rng = new RandomState(1);
    const rand = () => Tensor.float32([n, 1, R, R], rng.standardNormalFloat32([n * R * R]).map((v) => Math.tanh(v)));
    const out = (await exe.run(rand(), rand(), halfMask(n)))[0].data as Float32Array;
    let inside = 0;
    for (let i = 0; i < n; i++)
      for (let y = 0; y < R; y++)
        for (let x = 0; x < R; x++) {
          const v = out[(i * R + y) * R + x];
          if (x >= R / 2) expect(v, `pixel ${i},${y},${x}`).toBe(0);
          else inside += Math.abs(v);
        }
    expect(inside).toBeGreaterThan(0);
    await exe.release();
  }, 60_000);

  it('changing the target outside the mask changes neither the loss nor the latent and noise gradients', async () => {
    const n = 2;
    const cfg = model.stylegan2();
    const stats = await latentStats(model, 500);
    const spec: ProjectionSpec = { space: 'w', batch: n, optimizeNoise: true, terms: activeTerms(model, { ...weights, noise: 1e5 }, { classifier }), nets: { classifier }, psi: 1, cutoff: null, latentMean: stats.wAvg };
    const exe = await projectionExecutable(model, spec);
    const fexe = (await featureExecutable(model, spec))!;
    const rng = new RandomState(2);
    const targetA = await renderLatent(model, await latentFromSeeds(model, [10, 11], { space: 'w' }));
    const targetB = targetA.clone();
    const mask = halfMask(n);
    for (let i = 0; i < targetB.size; i++) if (mask.data[i] === 0) targetB.data[i] = Math.tanh(rng.standardNormal() * 2);
    const base: Record<string, Tensor> = { mask, latent: Tensor.float32([n, cfg.wDim], rng.standardNormalFloat32([n * cfg.wDim])) };
    for (const l of cfg.layers.filter((l) => l.kind === 'conv')) base[`noise:${l.name}`] = Tensor.float32([n, 1, l.resolution, l.resolution], rng.standardNormalFloat32([n * l.resolution ** 2]));
    const runWith = async (target: Tensor) => exe.runNamed({ ...base, target, ...(await fexe.runNamed({ img: target, mask })) });
    const [a, b] = [await runWith(targetA), await runWith(targetB)];
    for (const k of exe.outputNames.filter((k) => k !== 'img')) expect(Array.from(b[k].data as Float32Array), k).toEqual(Array.from(a[k].data as Float32Array));
    // ...while the unmasked loss does see the change (the test could fail).
    const full = Tensor.float32([n, 1, R, R], new Float32Array(n * R * R).fill(1));
    const runFull = async (target: Tensor) => (await exe.runNamed({ ...base, mask: full, target, ...(await fexe.runNamed({ img: target, mask: full })) })).loss.item();
    expect(await runFull(targetB)).not.toBe(await runFull(targetA));
  }, 60_000);
});

describe('W+ projection recovers images the shipped StyleGAN2 generated from known latents', () => {
  it('reaches PSNR >= 30 dB', async () => {
    const latent = await latentFromSeeds(model, [1, 2], { space: 'w+' });
    const target = await renderLatent(model, latent); // const noise, as generated
    // Pixel MSE in W+ with the stored noise, L-BFGS from w_avg for 1000 iterations (NVIDIA's projector's step
    // count). Measured on the shipped 600 kimg model: 33.7 / 59.5 dB (seed 1 converges slowly: 26.8 dB after 200,
    // 30.1 after 400, 31.1 after 500); on the 440 kimg model 63.0 / 58.7 (51.2 / 47.0 after 200). Adam on NVIDIA's
    // schedule (lr 0.05, no w noise) stalled on the 440 kimg model's seed 1 in a local minimum (23.1 dB after 300
    // steps, 23.8 after 600); the 30 dB bar is NVIDIA's "projection recovers generated images".
    const r = await project(model, target, { space: 'w+', optimizer: 'lbfgs', optimizeNoise: false, numSteps: 1000, losses: { mse: 1 } });
    const m = await reconstructionMetrics(r.images, target, classifier);
    for (const x of m) expect(x.psnr, JSON.stringify(m)).toBeGreaterThanOrEqual(30);
    expect(r.latent.space).toBe('w+');
    // The returned latent renders to the returned images.
    const again = await renderLatent(model, r.latent);
    expect(Math.max(...again.data.map((v, i) => Math.abs(v - r.images.data[i])))).toBeLessThan(1e-5);
  }, 90_000);
});
