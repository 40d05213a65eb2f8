import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, CheckpointError, ShapeError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
import { GanModel } from '../models/ganModel.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { compile } from '../runtime/compile.js';
import { buildEncoderTrainProgram } from '../train/encoderGraphs.js';
import { encode, encodeWs } from './encode.js';
import { Encoder } from '../models/encoder/encoder.js';
import { readEncoderBundle, writeEncoderBundle } from '../models/io/encoderBundle.js';
import { encoderConfigFor, resolveEncoder } from '../models/encoder/config.js';
import { randomSmallEncoder } from '../../test/inversion/smallEncoder.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-encoder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let model: GanModel;
let classifier: Classifier;
beforeAll(async () => {
  model = await loadModel('models/fmnist-stylegan2');
  classifier = await readClassifierBundle('models/fmnist-classifier');
});

/** A narrow encoder for the shipped generator (fast to compile and run). */
const smallEncoder = (seed = 0, headScale = 0.1): Encoder => randomSmallEncoder(model, 'small', seed, headScale);

function randomImages(n: number, seed: number): Tensor<'float32'> {
  const rng = new RandomState(seed);
  return Tensor.float32([n, 1, 32, 32], Array.from(rng.rand(n * 1024), (u) => 2 * u - 1));
}

describe('encoder config', () => {
  it('takes its sizes from the generator manifest and derives one block per resolution down to 4×4', () => {
    const cfg = resolveEncoder(encoderConfigFor(model));
    expect([cfg.resolution, cfg.imgChannels, cfg.numWs, cfg.wDim]).toEqual([32, 1, 8, 128]);
    expect(cfg.stages.map((s) => [s.resolution, s.inChannels, s.outChannels])).toEqual([
      [32, 32, 64],
      [16, 64, 128],
      [8, 128, 128],
    ]);
    expect(() => resolveEncoder({ ...cfg, resolution: 24 })).toThrow(ArgumentError);
    expect(() => resolveEncoder({ ...cfg, hidden: 0 })).toThrow(/hidden must be a positive integer/);
  });
});

describe('encoder network', () => {
  it('maps [N, C, R, R] to ws [N, numWs, wDim]; with a zero head every row is w_avg', async () => {
    const e = smallEncoder(0, 0);
    const ws = await encodeWs(e, randomImages(3, 1));
    expect(ws.shape).toEqual([3, 8, 128]);
    const wAvg = model.g.get('mapping.w_avg')!.toFloat32().data;
    for (let i = 0; i < 3 * 8; i++) expect(Array.from(ws.data.subarray(i * 128, (i + 1) * 128))).toEqual(Array.from(wAvg));
    await expect(encodeWs(e, randomImages(1, 1).reshape([1, 1, 16, 64]))).rejects.toThrow(ShapeError);
    await e.release();
  });

  it("encode() returns a w+ latent of the model with the encoder's provenance; batching does not change codes", async () => {
    const e = smallEncoder(3);
    const x = randomImages(5, 2);
    const latent = await encode(e, model, x, { batchSize: 2 });
    expect(latent.space).toBe('w+');
    expect(latent.noiseMode).toBe('const');
    expect(latent.provenance).toMatchObject({ kind: 'encoder', encoder: 'small' });
    const whole = await encodeWs(e, x, 5);
    // Different batch sizes run different ORT sessions; convolution order may differ in the last bits.
    for (let i = 0; i < whole.size; i++) expect(latent.codes.data[i]).toBeCloseTo(whole.data[i], 5);
    await e.release();
  });

  it('training gradient (through the frozen synthesis and classifier) matches central differences', async () => {
    const e = smallEncoder(4, 1);
    const cfg = e.config;
    const g = model.stylegan2();
    const { program, params } = buildEncoderTrainProgram(e.tensors, cfg, model, classifier, { generated: 2, real: 2 }, { latent: 1, pixel: 1, feature: 0.1 });
    const exe = await compile(program, { noCache: true });
    const rng = new RandomState(9);
    const feeds: Record<string, Tensor> = {
      z: Tensor.float32([2, g.zDim], rng.standardNormalFloat32([2, g.zDim])),
      z2: Tensor.float32([2, g.zDim], rng.standardNormalFloat32([2, g.zDim])),
      mix: Tensor.float32([2, g.numWs, 1], [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]),
      wsNoise: Tensor.float32([2, g.numWs, g.wDim], Array.from(rng.standardNormalFloat32([2 * g.numWs * g.wDim]), (v) => 0.1 * v)),
      real: randomImages(2, 5),
    };
    const base = new Map(params.map((k) => [k, e.tensors.get(k)!.clone() as Tensor<'float32'>]));
    const run = async (t: number, dirs: ReadonlyMap<string, Float32Array>) => {
      const f: Record<string, Tensor> = { ...feeds };
      for (const k of params) {
        const p = base.get(k)!.clone();
        const d = dirs.get(k);
        if (d) for (let i = 0; i < p.size; i++) p.data[i] += t * d[i];
        f[k] = p;
      }
      return exe.runNamed(f);
    };
    const grads = await run(0, new Map());
    // Directions along the analytic gradient: of every parameter, then of the stem's weights only
    // (the layer farthest from the loss). Along a random direction the derivative is ~1e-4 of the
    // gradient's norm (a few head weights dominate it), so the leaky-ReLU kinks of synthesis,
    // classifier and encoder that the line crosses swamp it (measured: 8-100 % scatter for h from
    // 1e-2 to 1e-4 on the 140-500 kimg snapshots). Along the gradient, d = grad · sqrt(n / |grad|²)
    // (norm sqrt(n), as a unit-variance direction), the derivative is |grad| · sqrt(n) and the
    // curvature error of central differences falls like h²: 7-9 % at h = 3e-4, <= 1 % at 3e-5
    // (float32 rounding of the loss is ~1e-6 of it, < 1e-4 of the derivative here). 3 % tolerance;
    // a missing term, factor or layer of the backward graph moves the derivative by far more.
    for (const only of [null, 'stem.weight']) {
      const keys = params.filter((k) => only === null || k === only);
      let norm2 = 0;
      let n = 0;
      for (const k of keys) {
        for (const v of grads[`grad:${k}`].f32) norm2 += v * v;
        n += base.get(k)!.size;
      }
      const scale = Math.sqrt(n / norm2);
      const dirs = new Map(keys.map((k) => [k, Float32Array.from(grads[`grad:${k}`].f32, (v) => v * scale)]));
      const analytic = Math.sqrt(norm2 * n);
      const h = 3e-5;
      const numeric = ((await run(h, dirs)).loss.item() - (await run(-h, dirs)).loss.item()) / (2 * h);
      expect(analytic, String(only)).toBeGreaterThan(1);
      expect(Math.abs(numeric - analytic), String(only)).toBeLessThan(0.03 * analytic);
    }
    await exe.release();
  });
});

describe('encoder bundle', () => {
  it('round-trips float32 exactly and float16 to the half-rounded values, and checks the content hash', async () => {
    const e = smallEncoder(5);
    await writeEncoderBundle(join(tmp, 'f32'), e);
    const back = await readEncoderBundle(join(tmp, 'f32'));
    for (const [k, t] of e.tensors) expect(back.tensors.get(k)!.data).toEqual(t.data);
    const m16 = await writeEncoderBundle(join(tmp, 'f16'), e, { dtype: 'float16' });
    expect(m16.weightsDtype).toBe('float16');
    const half = await readEncoderBundle(join(tmp, 'f16'));
    const w = e.tensors.get('head.weight')!.f32;
    const hw = half.tensors.get('head.weight')!.f32;
    // float16 keeps 11 significant bits: relative rounding error <= 2^-11 for normal values.
    for (let i = 0; i < w.length; i += 97) expect(Math.abs(hw[i] - w[i])).toBeLessThanOrEqual(Math.abs(w[i]) * 2 ** -11 + 6e-8);
    expect(readFileSync(join(tmp, 'f16', 'weights.safetensors')).length).toBeLessThan(0.55 * readFileSync(join(tmp, 'f32', 'weights.safetensors')).length);

    const manifestPath = join(tmp, 'f32', 'model.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...m, contentHash: '0'.repeat(64) }));
    await expect(readEncoderBundle(join(tmp, 'f32'))).rejects.toThrow(/content hash .* does not match/);
    writeFileSync(manifestPath, JSON.stringify({ ...m, format: 'latentlab-bundle' }));
    await expect(readEncoderBundle(join(tmp, 'f32'))).rejects.toThrow(CheckpointError);
    await expect(readEncoderBundle(join(tmp, 'missing'))).rejects.toThrow(/no such folder/);
  });

  it('accepts a newer generator of the same sizes with a warning and refuses other sizes', async () => {
    const e = smallEncoder(6);
    expect(e.checkModel(model)).toBeNull();
    const newer = new GanModel({ ...model.manifest, contentHash: 'f'.repeat(64) }, model.g, model.d);
    expect(e.checkModel(newer)).toMatch(/was trained for fmnist-stylegan2 .*fine-tune/);
    const warnings: string[] = [];
    const latent = await encode(e, newer, randomImages(1, 3), { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(latent.model.contentHash).toBe('f'.repeat(64));
    const other = new Encoder({ ...e.manifest, config: { ...e.manifest.config, numWs: 10 } }, e.tensors);
    expect(() => other.checkModel(model)).toThrow(/does not fit fmnist-stylegan2: numWs 10 vs 8/);
    await e.release();
  });
});
