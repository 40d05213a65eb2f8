import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadNpy, loadTorchFile } from '../../src/formats/files.js';
import { stateDictFrom } from '../../src/formats/stateDict.js';
import { grad } from '../../src/graph/autodiff.js';
import { mul } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { trace } from '../../src/graph/program.js';
import { constant } from '../../src/graph/value.js';
import { inferVggConfig, vggTapNames } from '../../src/models/vgg/config.js';
import { imagenetNormalize, maxPool2d, vggFeatures } from '../../src/models/vgg/features.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';
import { FIXTURES, haveFixtures, maxAbsDiff } from '../fixtures.js';

const CASE = `${FIXTURES}/E_vgg16_features_fp16`;

afterAll(clearSessionCache);

describe.skipIf(!haveFixtures('E_vgg16_features_fp16'))(
  'VGG16 features vs torchvision (fixture E, fp16 weights)',
  () => {
    const manifest = existsSync(CASE)
      ? JSON.parse(readFileSync(`${CASE}/manifest.json`, 'utf8'))
      : { files: {}, config: { taps: {} } };
    const taps = Object.keys(manifest.config.taps) as string[]; // relu1_1, relu1_2, relu3_2, relu4_2
    let weights: Weights;
    const ref: Record<string, Tensor> = {};

    beforeAll(async () => {
      const file = 'vgg16_features_fp16.pth';
      weights = new Weights(stateDictFrom(await loadTorchFile(`${CASE}/${file}`), file), 'constant', file);
      for (const name of Object.keys(manifest.files)) {
        if (name.endsWith('.npy')) ref[name.slice(0, -4)] = await loadNpy(`${CASE}/${name}`);
      }
    });

    it('reads VGG16 layout: 13 convs, 5 blocks, torchvision indices', () => {
      expect(weights.tensor('features.0.weight').dtype).toBe('float16');
      const cfg = inferVggConfig(weights);
      expect(cfg.layers.length).toBe(13);
      expect(cfg.layers.map((l) => l.name).join(' ')).toBe(
        'conv1_1 conv1_2 conv2_1 conv2_2 conv3_1 conv3_2 conv3_3 conv4_1 conv4_2 conv4_3 conv5_1 conv5_2 conv5_3',
      );
      const reluIndex = Object.fromEntries(cfg.layers.map((l) => [l.relu, l.reluIndex]));
      for (const [tap, index] of Object.entries(manifest.config.taps))
        expect(reluIndex[tap], tap).toBe(index);
      expect(cfg.layers.filter((l) => l.pool).map((l) => l.pool)).toEqual([
        'pool1',
        'pool2',
        'pool3',
        'pool4',
        'pool5',
      ]);
    });

    it('relu taps match within suggested_atol', async () => {
      const cfg = inferVggConfig(weights);
      const x = ref.x_normalized;
      const prog = trace({ x: { shape: x.shape } }, ({ x }) =>
        vggFeatures(weights.at('features'), cfg, x, taps),
      );
      const out = await (await compile(prog)).runNamed({ x });
      for (const tap of taps) {
        const file = `feat_${tap}.npy`;
        const err = maxAbsDiff(out[tap], ref[`feat_${tap}`]);
        console.log(
          `E ${tap}: max abs err ${err.toExponential(2)} (atol ${manifest.files[file].suggested_atol})`,
        );
        expect(err, tap).toBeLessThanOrEqual(manifest.files[file].suggested_atol);
      }
    });

    it('imagenetNormalize reproduces x_normalized from img01', async () => {
      const prog = trace({ x: { shape: ref.img01.shape } }, ({ x }) => imagenetNormalize(x));
      const [y] = await (await compile(prog)).run(ref.img01);
      expect(maxAbsDiff(y, ref.x_normalized)).toBeLessThan(1e-6);
      const signed = trace({ x: { shape: ref.img01.shape } }, ({ x }) => imagenetNormalize(x, 'signed'));
      const s = Tensor.float32(
        ref.img01.shape,
        Array.from(ref.img01.data as Float32Array, (v) => 2 * v - 1),
      );
      const [y2] = await (await compile(signed)).run(s);
      expect(maxAbsDiff(y2, ref.x_normalized)).toBeLessThan(1e-5);
    });
  },
);

describe('maxPool2d as Reshape + ReduceMax', () => {
  const [N, C, H, W] = [2, 3, 7, 6]; // odd height: the last row is dropped, as MaxPool2d(2, 2)
  const data = new RandomState(4).randn(N * C * H * W);
  const x = Tensor.float32([N, C, H, W], data);
  const at = (n: number, c: number, h: number, w: number) => ((n * C + c) * H + h) * W + w;

  it('takes the max of each 2×2 window and routes the gradient to it', async () => {
    const r = Tensor.float32([N, C, 3, 3], new RandomState(5).randn(N * C * 9));
    const prog = trace({ x: { shape: [N, C, H, W] } }, ({ x }) => {
      const y = maxPool2d(x);
      return { y, gx: grad(reduceSum(mul(y, constant(r))), [x])[0] };
    });
    const [y, gx] = await (await compile(prog)).run(x);
    expect(y.shape).toEqual([N, C, 3, 3]);
    const refY = new Float32Array(y.size);
    const refG = new Float32Array(x.size);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const cells = [
              at(n, c, 2 * i, 2 * j),
              at(n, c, 2 * i, 2 * j + 1),
              at(n, c, 2 * i + 1, 2 * j),
              at(n, c, 2 * i + 1, 2 * j + 1),
            ];
            const best = cells.reduce((b, k) => (x.data[k] > x.data[b] ? k : b));
            const o = ((n * C + c) * 3 + i) * 3 + j;
            refY[o] = x.data[best];
            refG[best] = r.data[o];
          }
        }
      }
    }
    expect(maxAbsDiff(y, Tensor.float32(y.shape, refY))).toBe(0);
    expect(maxAbsDiff(gx, Tensor.float32(x.shape, refG))).toBe(0);
  });
});

describe('VGG tiny (random weights, vgg-style layout)', () => {
  // features = conv(3→4) relu conv(4→4) relu pool conv(4→8) relu pool: indices 0, 2, 5.
  const rng = new RandomState(6);
  const conv = (o: number, i: number) =>
    Tensor.float32(
      [o, i, 3, 3],
      Array.from(rng.randn(o * i * 9), (v) => v * 0.3),
    );
  const sd = new Map<string, Tensor>([
    ['features.0.weight', conv(4, 3)],
    ['features.0.bias', Tensor.float32([4], rng.randn(4))],
    ['features.2.weight', conv(4, 4)],
    ['features.2.bias', Tensor.float32([4], rng.randn(4))],
    ['features.5.weight', conv(8, 4)],
    ['features.5.bias', Tensor.float32([8], rng.randn(8))],
  ]);

  it('names taps, stops at the deepest requested one and rejects unknown names', async () => {
    const w = new Weights(sd);
    const cfg = inferVggConfig(w);
    expect(vggTapNames(cfg)).toEqual([
      'conv1_1',
      'relu1_1',
      'conv1_2',
      'relu1_2',
      'pool1',
      'conv2_1',
      'relu2_1',
      'pool2',
    ]);
    const prog = trace({ x: { shape: [1, 3, 8, 8] } }, ({ x }) =>
      vggFeatures(w.at('features'), cfg, x, ['relu2_1', 'pool1']),
    );
    expect(prog.outputNames).toEqual(['pool1', 'relu2_1']);
    expect(prog.outputs.map((o) => o.shape)).toEqual([
      [1, 4, 4, 4],
      [1, 8, 4, 4],
    ]);
    const [pool1, relu21] = await (await compile(prog)).run(Tensor.float32([1, 3, 8, 8], rng.randn(192)));
    expect(
      [...(pool1.data as Float32Array), ...(relu21.data as Float32Array)].every(
        (v) => Number.isFinite(v) && v >= 0,
      ),
    ).toBe(true);
    expect(() =>
      trace({ x: { shape: [1, 3, 8, 8] } }, ({ x }) => vggFeatures(w.at('features'), cfg, x, ['relu5_3'])),
    ).toThrow(/unknown layer/);
  });
});
