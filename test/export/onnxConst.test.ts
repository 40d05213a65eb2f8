// `latentlab export --onnx` reproduces `generate` from the exported files alone: mapping.onnx + synthesis.onnx
// fed noise_const.safetensors (noise_mode='const', NVIDIA's default) on plain onnxruntime-node give generate's
// images. Tolerance: the same graphs run in a fresh ORT session, so only float reassociation differs (1e-5).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/formats/safetensors.js';
import { exportOnnx, loadModel, mapZ, sampleZ, synthesize, Tensor, toImages } from '../../src/index.js';
import { ROOT } from '../studio/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-onnx-const-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('export --onnx ships what generate needs', () => {
  it('StyleGAN2: mapping + synthesis + noise_const.safetensors = generate --trunc 0.7 (const noise)', async () => {
    const model = await loadModel(join(ROOT, 'models', 'fmnist-stylegan2'));
    const out = join(tmp, 'sg2');
    const { noiseConst } = await exportOnnx(model, out, 8);
    const desc = JSON.parse(readFileSync(join(out, 'onnx.json'), 'utf8'));
    expect(desc.noiseConst.file).toBe('noise_const.safetensors');
    const { tensors } = readSafetensors(readFileSync(join(out, desc.noiseConst.file)));
    const synthesis = await ort.InferenceSession.create(join(out, 'synthesis.onnx'));
    const noiseInputs = synthesis.inputNames.filter((n) => n !== 'ws');
    expect(noiseInputs.sort()).toEqual(Object.keys(noiseConst!.inputs).sort());

    const z = sampleZ(model, SEEDS);
    const mapping = await ort.InferenceSession.create(join(out, 'mapping.onnx'));
    const { ws } = await mapping.run({ z: new ort.Tensor('float32', z.f32, [...z.shape]), psi: new ort.Tensor('float32', new Float32Array([0.7]), [1]) });
    const feeds: Record<string, ort.Tensor> = { ws };
    for (const name of noiseInputs) {
      const map = tensors.get(desc.noiseConst.inputs[name])!.f32; // [1, 1, r, r], tiled over the batch of 8
      const r = Math.sqrt(map.length);
      const tiled = new Float32Array(8 * map.length);
      for (let i = 0; i < 8; i++) tiled.set(map, i * map.length);
      feeds[name] = new ort.Tensor('float32', tiled, [8, 1, r, r]);
    }
    const { img } = await synthesis.run(feeds);
    const theirs = new Tensor('float32', img.dims, img.data as Float32Array);

    const ours = await synthesize(model, await mapZ(model, z, { psi: 0.7 }), { noiseMode: 'const' });
    expect(maxDiff(ours.f32, theirs.f32)).toBeLessThan(1e-5);
    // the PNG bytes generate writes, within one 8-bit step (a float at a rounding boundary)
    const a = toImages(ours).flatMap((im) => [...im.data]);
    const b = toImages(theirs).flatMap((im) => [...im.data]);
    expect(maxDiff(a, b)).toBeLessThanOrEqual(1);
    // and the maps matter: zeros (noise 'none') give another image
    const zeros: Record<string, ort.Tensor> = { ws };
    for (const name of noiseInputs) zeros[name] = new ort.Tensor('float32', new Float32Array(feeds[name].size), feeds[name].dims);
    const none = (await synthesis.run(zeros)).img.data as Float32Array;
    expect(maxDiff(none, theirs.f32)).toBeGreaterThan(1e-3);
  });

  it('DCGAN: generator.onnx = generate', async () => {
    const model = await loadModel(join(ROOT, 'models', 'fmnist-dcgan'));
    const out = join(tmp, 'dcgan');
    const { noiseConst } = await exportOnnx(model, out, 8);
    expect(noiseConst).toBeNull();
    const z = sampleZ(model, SEEDS);
    const gen = await ort.InferenceSession.create(join(out, 'generator.onnx'));
    const { img } = await gen.run({ z: new ort.Tensor('float32', z.f32, [...z.shape]) });
    expect(maxDiff((await synthesize(model, z)).f32, img.data as Float32Array)).toBeLessThan(1e-5);
    // --fp16: half the bytes; the shipped bundles store float16 weights, so the images do not change at all
    // (on float32 weights, fixture A, measured: max |diff| 0.0057, at most one 8-bit step, mean 0.05 steps)
    await exportOnnx(model, join(tmp, 'dcgan16'), 8, { fp16: true });
    expect(statSync(join(tmp, 'dcgan16', 'generator.onnx')).size).toBeLessThan(0.55 * statSync(join(out, 'generator.onnx')).size);
    const half = await ort.InferenceSession.create(join(tmp, 'dcgan16', 'generator.onnx'));
    const { img: img16 } = await half.run({ z: new ort.Tensor('float32', z.f32, [...z.shape]) });
    expect(maxDiff(img16.data as Float32Array, img.data as Float32Array)).toBe(0);
  });
});
