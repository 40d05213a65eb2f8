import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { sefa } from '../../src/directions/sefa.js';
import { writeBundle } from '../../src/models/io/bundle.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { exportOnnx } from '../../src/models/io/onnxExport.js';
import { project } from '../../src/inversion/projector.js';
import { latentFromCodes, renderLatent } from '../../src/latent/latent.js';
import { parseLayerRange } from '../../src/latent/layerRanges.js';
import { mixStyles } from '../../src/latent/mix.js';
import type { GanModel } from '../../src/models/ganModel.js';
import { discriminate, mapZ, synthesize } from '../../src/models/generate.js';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { fixtureCase, haveFixtures, maxAbsDiff } from '../fixtures.js';

// The W-space verbs on an imported StyleGAN3 (fixture F_nvidia_sg3_t32): the library entry points
// that every CLI verb and studio route goes through. Reference outputs and tolerances as in
// stylegan3.nvidia.test.ts (suggested_atol 1e-4).
const F = fixtureCase('F_nvidia_sg3_t32');
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-sg3-verbs-'));
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await clearSessionCache();
});

describe.skipIf(!haveFixtures('F_nvidia_sg3_t32'))('StyleGAN3 through the W-space verbs', () => {
  let model: GanModel;
  let z: Tensor;
  beforeAll(async () => {
    model = await loadModel(F.path('network-snapshot-000000.pkl'));
    z = await F.load('z.npy');
  });

  it('imports as a stylegan3 with W space and no noise; a bundle round trip keeps every bit', async () => {
    expect(model.architecture).toBe('stylegan3');
    expect(model.hasWSpace).toBe(true);
    expect(model.styleSpace()).toMatchObject({ numWs: 16, wDim: 64, zDim: 64, hasNoise: false });
    const dir = join(tmp, 'bundle');
    await writeBundle(dir, model);
    const again = await loadModel(dir);
    expect(again.manifest.generator).toEqual(model.manifest.generator);
    const ws = await mapZ(model, z, { psi: 0.7 });
    expect(maxAbsDiff(await synthesize(again, await mapZ(again, z, { psi: 0.7 })), await synthesize(model, ws))).toBe(0);
    expect(maxAbsDiff(await synthesize(model, ws), await F.load('img_psi0.7_const.npy'))).toBeLessThanOrEqual(F.atol('img_psi0.7_const.npy'));
    expect(maxAbsDiff(await discriminate(model, await F.load('img_const.npy')), await F.load('D_logits_img_const.npy'))).toBeLessThanOrEqual(F.atol('D_logits_img_const.npy'));
  }, 120_000);

  it('style mixing (crossover row on) and layer ranges from the cutoffs', async () => {
    const crossover = F.manifest.config.crossover as number;
    const rows = Array.from({ length: 16 - crossover }, (_, i) => crossover + i);
    const mixed = await mixStyles(model, latentFromCodes(model, 'z', z), latentFromCodes(model, 'z', await F.load('z2.npy')), rows);
    expect(maxAbsDiff(mixed.codes, await F.load('ws_mix.npy'))).toBeLessThanOrEqual(F.atol('ws_mix.npy'));
    expect(maxAbsDiff(await renderLatent(model, mixed), await F.load('img_mix_const.npy'))).toBeLessThanOrEqual(F.atol('img_mix_const.npy'));
    // 2x cutoff: input and L0-L4 (cutoff 2..4) are coarse, L5-L11 middle, L12-L14 (cutoff 16) fine.
    expect(parseLayerRange(model, 'coarse')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(parseLayerRange(model, 'fine')).toEqual([13, 14, 15]);
  }, 120_000);

  it('SeFa factorises the SynthesisLayers affines (not the input layer), unit-norm and ordered', () => {
    const r = sefa(model, { include: 'conv+torgb' });
    expect(r.layerNames).toHaveLength(15);
    expect(r.layerNames[0]).toBe('L0_36_48');
    expect(r.layerNames.at(-1)).toBe('L14_32_3');
    expect(r.layerNames).not.toContain('input');
    expect(r.set.vectors.shape).toEqual([64, 64]);
    for (let i = 1; i < r.eigenvalues.length; i++) expect(r.eigenvalues[i]).toBeLessThanOrEqual(r.eigenvalues[i - 1]);
    const v = r.set.vectors.toFloat32().data.subarray(0, 64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('W projection of a generated image lowers the loss (gradients through the Fourier input and filtered lrelu)', async () => {
    const target = await synthesize(model, await mapZ(model, new Tensor('float32', [1, 64], z.toFloat32().data.slice(0, 64))));
    const r = await project(model, target, { space: 'w', numSteps: 8, wAvgSamples: 256, initialNoiseFactor: 0, initialLearningRate: 0.05 });
    expect(r.latent.space).toBe('w');
    expect(r.latent.noise).toBeUndefined();
    expect(r.history.at(-1)!).toBeLessThan(r.history[0]);
  }, 240_000);

  it('ONNX export: synthesis takes ws and the input transform; onnxruntime reproduces the fixture', async () => {
    const dir = join(tmp, 'onnx');
    const { graphs, noiseConst } = await exportOnnx(model, dir, 1);
    expect(noiseConst).toBeNull(); // StyleGAN3 has no noise inputs
    expect(graphs.map((g) => g.file)).toEqual(['mapping.onnx', 'synthesis.onnx', 'discriminator.onnx']);
    const session = await ort.InferenceSession.create(join(dir, 'synthesis.onnx'));
    expect(session.inputNames).toEqual(['ws', 'transform']);
    const ws = (await F.load('ws_psi1.npy')).toFloat32();
    const one = ws.data.slice(0, 16 * 64);
    const stored = model.g.get('synthesis.input.transform')!.toFloat32().data;
    const out = await session.run({ ws: new ort.Tensor('float32', one, [1, 16, 64]), transform: new ort.Tensor('float32', Float32Array.from(stored), [3, 3]) });
    const ref = (await F.load('img_const.npy')).toFloat32();
    const got = new Tensor('float32', [1, 3, 32, 32], out.img.data as Float32Array);
    expect(maxAbsDiff(got, new Tensor('float32', [1, 3, 32, 32], ref.data.slice(0, 3 * 32 * 32)))).toBeLessThanOrEqual(F.atol('img_const.npy'));
    await session.release();
  }, 120_000);
});
