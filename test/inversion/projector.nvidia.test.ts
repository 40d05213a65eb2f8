import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { broadcastW } from '../../src/latent/latent.js';
import { activeTerms, type VggNet } from '../../src/inversion/losses.js';
import { featureExecutable, latentStats, noiseLayers, type ProjectionSpec, projectionExecutable } from '../../src/inversion/program.js';
import { project } from '../../src/inversion/projector.js';
import { loadVggNet } from '../../src/inversion/vggNet.js';
import type { GanModel } from '../../src/models/ganModel.js';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';

const A = fixtureCase('A_nvidia_sg2ada_uncond32');
const E = fixtureCase('E_vgg16_features_fp16');
const have = haveFixtures('A_nvidia_sg2ada_uncond32') && haveFixtures('E_vgg16_features_fp16');

afterAll(clearSessionCache);

function firstImage(t: Tensor): Tensor<'float32'> {
  const size = t.size / t.shape[0];
  return Tensor.float32([1, ...t.shape.slice(1)], t.toFloat32().data.subarray(0, size));
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe.skipIf(!have)('projector on fixture A (NVIDIA weights) with NVIDIA defaults', () => {
  let model: GanModel;
  let vgg: VggNet;
  let target: Tensor<'float32'>;

  beforeAll(async () => {
    model = await loadModel(A.path('network-snapshot-000000.pkl'));
    vgg = await loadVggNet(E.path('vgg16_features_fp16.pth'));
    target = firstImage(await A.load('img_const.npy'));
  });

  it('the gradients of one Adam step (W+ latent and noise maps) equal central differences', async () => {
    const cfg = model.stylegan2();
    const stats = await latentStats(model, 1000);
    const terms = activeTerms(model, { vgg: 1, noise: 1e5 }, { vgg });
    const spec: ProjectionSpec = {
      space: 'w+', batch: 1, optimizeNoise: true, terms, nets: { vgg }, psi: 1, cutoff: null,
      latentMean: broadcastW(stats.wAvg.reshape([1, cfg.wDim]), cfg.numWs).reshape([cfg.numWs, cfg.wDim]),
    };
    const exe = await projectionExecutable(model, spec);
    const mask = Tensor.float32([1, 1, 32, 32], new Float32Array(1024).fill(1));
    const feeds: Record<string, Tensor> = { target, mask, ...(await (await featureExecutable(model, spec))!.runNamed({ img: target, mask })) };
    const rng = new RandomState(5);
    feeds.latent = broadcastW(stats.wAvg.reshape([1, cfg.wDim]), cfg.numWs);
    const layers = noiseLayers(model);
    for (const l of layers) feeds[`noise:${l.name}`] = Tensor.float32([1, 1, l.resolution, l.resolution], rng.standardNormalFloat32([l.resolution * l.resolution]));
    const base = await exe.runNamed(feeds);
    const loss = async (name: string, dir: Float32Array, eps: number) => {
      const shifted = feeds[name].toFloat32().clone();
      for (let i = 0; i < dir.length; i++) shifted.data[i] += eps * dir[i];
      const out = await exe.runNamed({ ...feeds, [name]: shifted });
      // The weighted terms summed in double: the float32 total (~1e4 from the noise term) would round
      // away the latent's effect on the perceptual term.
      return Object.entries(terms).reduce((s, [k, w]) => s + w * out[`term:${k}`].item(), 0);
    };
    // One random unit direction per optimised tensor: the latent, and the noise maps at 4x4 and 32x32.
    const checks = ['latent', `noise:${layers[0].name}`, `noise:${layers.at(-1)!.name}`];
    for (const name of checks) {
      const dir = rng.standardNormalFloat32([feeds[name].size]);
      const norm = Math.sqrt(dot(dir, dir));
      for (let i = 0; i < dir.length; i++) dir[i] /= norm;
      const analytic = dot(base[`grad:${name}`].data as Float32Array, dir);
      // float32 terms: a step well above their rounding and small enough for the O(eps²) curvature
      // error (and for ReLU kinks to be rare); 2% covers both at eps = 1e-2.
      const eps = 1e-2;
      const numeric = ((await loss(name, dir, eps)) - (await loss(name, dir, -eps))) / (2 * eps);
      if (process.env.LATENTLAB_GRADCHECK_TABLE) console.log(`${name}: analytic ${analytic}, numeric ${numeric}, rel ${Math.abs(numeric - analytic) / Math.abs(analytic)}`);
      expect(Math.abs(numeric - analytic), `${name}: analytic ${analytic}, numeric ${numeric}`).toBeLessThanOrEqual(0.02 * Math.abs(analytic) + 1e-3);
      expect(Math.abs(analytic)).toBeGreaterThan(0);
    }
  }, 60_000);

  it('runs the whole projector with NVIDIA defaults (W, noise maps, VGG16 perceptual + 1e5 noise regulariser) and lowers the loss', async () => {
    // NVIDIA's defaults except the step count (the schedules scale with it): 1000 steps would take a minute here.
    const r = await project(model, target, { numSteps: 60, losses: { vgg: 1, noise: 1e5 }, nets: { vgg } });
    expect(r.latent.space).toBe('w');
    expect(Object.keys(r.latent.noise!).length).toBe(noiseLayers(model).length);
    expect(r.history.length).toBe(60);
    // history[0] is the loss at w_avg with fresh noise maps (lr 0 at step 0); the end must be far lower.
    expect(r.loss[0]).toBeLessThan(0.5 * r.history[0]);
    expect(r.terms.vgg![0]).toBeLessThan(r.history[0]);
  }, 90_000);
});
