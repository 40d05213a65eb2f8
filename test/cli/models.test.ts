import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, makeNoise, mapZ, readImage, sampleZ, synthesize, Tensor } from '../../src/index.js';
import { fixtureCase, haveFixtures, maxAbsDiff } from '../fixtures.js';
import { latentlab } from './run.js';

const A = fixtureCase('A_nvidia_sg2ada_uncond32');
const D = fixtureCase('D_dcgan_64');
const C = fixtureCase('C_rosinality_sg2_32');
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))('import / generate / export on real checkpoints', () => {
  const bundle = join(tmp, 'A');

  it('imports an NVIDIA pickle into a bundle that reproduces the pickle bit for bit', async () => {
    const r = latentlab('import', A.path('network-snapshot-000000.pkl'), '--out', bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stylegan2 32x32x3, z 64, w 64, 8 ws, with D/);
    const manifest = JSON.parse(readFileSync(join(bundle, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'latentlab-bundle', architecture: 'stylegan2', dims: { numWs: 8 }, provenance: { format: 'nvidia-pkl', network: 'G_ema' } });
    expect(manifest.name).toBe('A'); // named after its --out folder (not network-snapshot-000000), as the studio lists it
    const [fromPkl, fromBundle] = await Promise.all([loadModel(A.path('network-snapshot-000000.pkl')), loadModel(bundle)]);
    const z = sampleZ(fromPkl, [0, 1, 2, 3]);
    const a = await synthesize(fromPkl, await mapZ(fromPkl, z));
    const b = await synthesize(fromBundle, await mapZ(fromBundle, z));
    expect(maxAbsDiff(a, b)).toBe(0);
  });

  it('import of a bundle (float16, renamed: how a training snapshot is shipped) keeps its provenance and takes the name', () => {
    const out = join(tmp, 'shipped');
    const r = latentlab('import', bundle, '--out', out, '--name', 'renamed', '--fp16');
    expect(r.code, r.stderr).toBe(0);
    const [before, after] = [bundle, out].map((d) => JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')));
    expect(after.name).toBe('renamed');
    expect(after.weightsDtype).toBe('float16');
    expect(after.provenance).toEqual(before.provenance);
    expect(after.contentHash).not.toBe(before.contentHash); // the float16 weights are other weights
  });

  it("generate writes NVIDIA-named PNGs and a grid; seeds give generate.py's z", async () => {
    const out = join(tmp, 'gen');
    const r = latentlab('generate', '--model', bundle, '--seeds', '0-2,42', '--trunc', '0.7', '--grid', '--outdir', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['grid.png', 'latentlab-run.json', 'seed0000.png', 'seed0001.png', 'seed0002.png', 'seed0042.png']);
    const img = await readImage(join(out, 'seed0042.png'));
    expect([img.width, img.height, img.channels]).toEqual([32, 32, 3]);
    // fixture A's z were drawn with RandomState(210001).randn(4, 64): seed 210001's first row.
    expect(maxAbsDiff(sampleZ(64, [210001]), new Tensor('float32', [1, 64], (await A.load('z.npy')).f32.slice(0, 64)))).toBe(0);
  });

  it('export writes ONNX graphs that plain onnxruntime runs to the same images', async () => {
    const out = join(tmp, 'onnx');
    const r = latentlab('export', bundle, '--onnx', out, '--batch', '2');
    expect(r.code, r.stderr).toBe(0);
    const desc = JSON.parse(readFileSync(join(out, 'onnx.json'), 'utf8'));
    expect(desc.graphs.map((g: { file: string }) => g.file)).toEqual(['mapping.onnx', 'synthesis.onnx', 'discriminator.onnx']);
    const model = await loadModel(bundle);
    const ws = await mapZ(model, sampleZ(model, [5, 6]));
    const noise = makeNoise(model, 2, 7);
    const ours = await synthesize(model, ws, { noise });
    const session = await ort.InferenceSession.create(join(out, 'synthesis.onnx'));
    const feeds: Record<string, ort.Tensor> = { ws: new ort.Tensor('float32', ws.f32, [...ws.shape]) };
    for (const [name, t] of Object.entries(noise)) feeds[`noise.${name}`] = new ort.Tensor('float32', t.f32, [...t.shape]);
    const res = await session.run(feeds);
    const theirs = new Tensor('float32', res.img.dims, res.img.data as Float32Array);
    expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
  });

  it('bad input gets one clear line and a non-zero exit', () => {
    const missing = latentlab('generate', '--model', join(tmp, 'nope'), '--outdir', join(tmp, 'x'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such file or folder/);
    const junk = join(tmp, 'junk.pkl');
    writeFileSync(junk, 'not a pickle at all');
    const bad = latentlab('import', junk, '--out', join(tmp, 'junk'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/junk\.pkl/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
    const flag = latentlab('generate', '--model', bundle, '--seeds', '3-1', '--outdir', join(tmp, 'x'));
    expect(flag.stderr).toMatch(/range 3-1 runs backwards/);
    expect(latentlab('generate', '--bogus').stderr).toMatch(/unknown flag --bogus/);
  });
});

describe.skipIf(!haveFixtures('D_dcgan_64') || !haveFixtures('C_rosinality_sg2_32'))('other checkpoint families', () => {
  it('imports a pytorch/examples DCGAN with its discriminator and generates from it', async () => {
    const out = join(tmp, 'dcgan');
    const r = latentlab('import', D.path('netG_epoch_0.pth'), '--discriminator', D.path('netD_epoch_0.pth'), '--out', out, '--fp16');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dcgan 64x64x1, z 100, with D/);
    const g = latentlab('generate', '--model', out, '--seeds', '1-2', '--outdir', join(tmp, 'dcgan-out'));
    expect(g.code, g.stderr).toBe(0);
    // float16 storage: images agree with the float32 original to fp16 rounding of the weights.
    const [f32, f16] = await Promise.all([loadModel(D.path('netG_epoch_0.pth')), loadModel(out)]);
    const z = sampleZ(f32, [1, 2]);
    expect(maxAbsDiff(await synthesize(f32, z), await synthesize(f16, z))).toBeLessThan(2e-2);
  });

  it('routes rosinality checkpoints to the converter (parity is in test/models/rosinality.test.ts)', async () => {
    const m = await loadModel(C.path('stylegan2_rosinality_32.pt'));
    expect(m.manifest).toMatchObject({ architecture: 'stylegan2', provenance: { format: 'rosinality-pt', network: 'g_ema' } });
    const ws = await mapZ(m, await C.load('z.npy'));
    expect(maxAbsDiff(await synthesize(m, ws), await C.load('img_z.npy'))).toBeLessThanOrEqual(C.atol('img_z.npy'));
  });
});
