import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/core/errors.js';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { gradcheck, randomTensor } from '../../src/graph/gradcheck.js';
import { add, mul } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { constant, input, type Value } from '../../src/graph/value.js';
import { readClassifierBundle, writeClassifierBundle } from '../../src/models/io/classifierBundle.js';
import { Classifier, type ClassifierManifest } from '../../src/models/classifier/classifier.js';
import {
  CLASSIFIER_PRESETS,
  type ClassifierConfig,
  inferClassifierConfig,
  resolveClassifier,
} from '../../src/models/classifier/config.js';
import { initClassifierWeights } from '../../src/models/classifier/init.js';
import { classify, logSoftmax } from '../../src/models/classifier/network.js';
import { predict } from '../../src/models/classifier/predict.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';

afterAll(clearSessionCache);

/** Small nets covering both downsampling modes and both heads. */
const CASES: Record<string, ClassifierConfig> = {
  'maxpool + avgpool head': { ...CLASSIFIER_PRESETS.tiny, stageWidths: [3, 4], stageDepths: [1, 2] },
  'stride + dense head': {
    ...CLASSIFIER_PRESETS.tiny,
    stageWidths: [3, 4, 5],
    stageDepths: [1, 2, 1],
    downsample: 'stride',
    head: 'dense',
    featureDim: 6,
  },
};

function manifestFor(cfg: ClassifierConfig): ClassifierManifest {
  return {
    format: 'latentlab-classifier',
    version: 1,
    name: 'test-classifier',
    config: cfg,
    labelNames: Array.from({ length: cfg.numClasses }, (_, i) => `class ${i}`),
    inputRange: [-1, 1],
    resolution: cfg.resolution,
    channels: cfg.inChannels,
    testAccuracy: 0.5,
    provenance: { format: 'random-init', source: 'test', created: '2024-01-01T00:00:00.000Z' },
    contentHash: '',
  };
}

/** Random weights with non-trivial BatchNorm statistics (eval mode is then a real affine map). */
function randomWeights(cfg: ClassifierConfig, seed: number): Map<string, Tensor> {
  const sd = initClassifierWeights(cfg, seed);
  const rng = new RandomState(seed + 1);
  for (const [k, t] of sd) {
    const data = t.data as Float32Array;
    if (/running_mean$|\.bias$/.test(k)) data.set(Array.from(rng.randn(t.size), (v) => 0.2 * v));
    if (/running_var$|bn\d+\.weight$/.test(k)) data.set(Array.from(rng.rand(t.size), (v) => 0.5 + v));
  }
  return sd;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('classifier network', () => {
  for (const [name, cfg] of Object.entries(CASES)) {
    for (const train of [false, true]) {
      it(`${name}, ${train ? 'train' : 'eval'} mode: d(features, logits)/dx matches central differences`, async () => {
        const r = resolveClassifier(cfg);
        const w = new Weights(randomWeights(cfg, 3), 'constant');
        const rng = new RandomState(4);
        // A loss reading both outputs, so both paths back to x are checked.
        const cf = constant(Tensor.float32([2, r.featureDim], rng.randn(2 * r.featureDim)));
        const cl = constant(Tensor.float32([2, r.numClasses], rng.randn(2 * r.numClasses)));
        const rep = await gradcheck(
          ({ x }) => {
            const kinks: Value[] = [];
            const out = classify(w.at(''), cfg, x, { kinks, train });
            // Guards: leaky-ReLU inputs and max-pool margins; a step across a kink shrinks ε.
            return {
              out: add(reduceSum(mul(out.features, cf)), reduceSum(mul(out.logits, cl))),
              guards: kinks,
            };
          },
          { x: randomTensor([2, 1, 8, 8], 5, { dtype: 'float32' }) },
          // float32: ORT has no double Conv. Richardson at ε = 1e-2 leaves rounding ≈1e-5.
          { compile, dtype: 'float32', name, eps: 1e-2 },
        );
        expect(rep.kinkCrossed).toBe(false);
        expect(rep.relError).toBeLessThan(1e-3);
      });
    }
  }

  it('probs are softmax(logits) and logSoftmax is stable for huge logits', async () => {
    const cfg = CASES['stride + dense head'];
    const w = new Weights(randomWeights(cfg, 6), 'constant');
    const exe = await compile({
      ...(() => {
        const x = input('x', [3, 1, 8, 8]);
        const big = input('big', [1, 3]);
        const o = classify(w.at(''), cfg, x);
        return {
          inputs: [x, big],
          outputs: [o.logits, o.probs, logSoftmax(big)],
          outputNames: ['logits', 'probs', 'ls'],
        };
      })(),
    });
    const [logits, probs, ls] = await exe.run(
      randomTensor([3, 1, 8, 8], 7, { dtype: 'float32' }),
      Tensor.float32([1, 3], [1000, 0, -1000]),
    );
    for (let i = 0; i < 3; i++) {
      const row = Array.from(logits.f32.subarray(3 * i, 3 * i + 3));
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      for (const [j, v] of row.entries()) expect(probs.f32[3 * i + j]).toBeCloseTo(Math.exp(v - m) / z, 6);
    }
    expect(Array.from(ls.f32)).toEqual([0, -1000, -2000]);
  });

  it('the dense head pads 6×6 inputs to its 8×8 with background, the same as padding on the host', async () => {
    const cfg = CASES['stride + dense head'];
    const c = new Classifier(manifestFor(cfg), randomWeights(cfg, 8));
    const small = randomTensor([2, 1, 6, 6], 9, { dtype: 'float32' });
    const padded = Tensor.float32([2, 1, 8, 8], new Array(128).fill(-1));
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 6; x++)
          padded.data[n * 64 + (y + 1) * 8 + x + 1] = (small.data as Float32Array)[n * 36 + y * 6 + x];
    const a = await predict(c, small);
    const b = await predict(c, padded);
    expect(maxAbsDiff(a.logits.f32, b.logits.f32)).toBeLessThan(1e-5);
  });

  it('config inference from weights recovers stages, head and classes', () => {
    for (const cfg of [...Object.values(CASES), CLASSIFIER_PRESETS.fmnist32]) {
      const inferred = inferClassifierConfig(new Weights(initClassifierWeights(cfg, 0)), {
        resolution: cfg.resolution,
        downsample: cfg.downsample,
      });
      const r = resolveClassifier(cfg);
      expect(inferred).toMatchObject({
        inChannels: cfg.inChannels,
        stageWidths: cfg.stageWidths,
        stageDepths: cfg.stageDepths,
        numClasses: cfg.numClasses,
        head: cfg.head,
        featureDim: r.featureDim,
      });
    }
  });
});

describe('classifier bundle', () => {
  it('round trips: same manifest, same tensors, same predictions; a tampered file is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latentlab-classifier-'));
    try {
      for (const [name, cfg] of Object.entries(CASES)) {
        const folder = join(dir, name.replace(/\W+/g, '_'));
        const c = new Classifier(manifestFor(cfg), randomWeights(cfg, 10));
        const written = await writeClassifierBundle(folder, c);
        const back = await readClassifierBundle(folder);
        expect(back.manifest).toEqual(written);
        expect(back.manifest.format).toBe('latentlab-classifier');
        expect([...back.tensors.keys()].sort()).toEqual([...c.tensors.keys()].sort());
        for (const [k, t] of c.tensors) {
          expect(back.tensors.get(k)!.shape).toEqual(t.shape);
          expect(Array.from(back.tensors.get(k)!.data as ArrayLike<number | bigint>)).toEqual(
            Array.from(t.data as ArrayLike<number | bigint>),
          );
        }
        const x = randomTensor([5, 1, 8, 8], 11, { dtype: 'float32' });
        const [p1, p2] = [await predict(c, x, { batchSize: 2 }), await predict(back, x, { batchSize: 5 })];
        expect(maxAbsDiff(p1.features.f32, p2.features.f32)).toBeLessThan(1e-6);
        expect(maxAbsDiff(p1.probs.f32, p2.probs.f32)).toBeLessThan(1e-6);
      }
      const folder = join(dir, 'stride_dense_head');
      const weightsPath = join(folder, 'weights.safetensors');
      const bytes = await readFile(weightsPath);
      bytes[bytes.length - 1] ^= 0xff;
      await writeFile(weightsPath, bytes);
      await expect(readClassifierBundle(folder)).rejects.toBeInstanceOf(CheckpointError);
      await expect(readClassifierBundle(join(dir, 'missing'))).rejects.toThrow(/no such folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
