import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { loadTorchFile } from '../../src/formats/files.js';
import { stateDictFrom } from '../../src/formats/stateDict.js';
import { input } from '../../src/graph/value.js';
import { vggDistance } from '../../src/metrics/featureDistance.js';
import { inferVggConfig } from '../../src/models/vgg/config.js';
import { imagenetNormalize, vggFeatures } from '../../src/models/vgg/features.js';
import { Weights } from '../../src/nn/weights.js';
import { compile } from '../../src/runtime/compile.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';

const E = 'E_vgg16_features_fp16';
const TAPS = ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3', 'relu5_3'] as const;

describe.skipIf(!haveFixtures(E))('LPIPS-style VGG16 distance for PPL (fixture E weights)', () => {
  it('is 0 on identical images, symmetric, and equals the formula evaluated on the host', async () => {
    const fx = fixtureCase(E);
    const pth = fx.path('vgg16_features_fp16.pth');
    const img = await fx.load('img01.npy'); // [1, 3, 64, 64] in [0, 1]
    // The top-left 32×32 crop (the size PPL sees here) in [−1, 1]; keeps the test fast.
    const a = Tensor.float32([1, 3, 32, 32]);
    const src = img.toFloat32().data;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) a.data[(c * 32 + y) * 32 + x] = 2 * src[(c * 64 + y) * 64 + x] - 1;
    const b = Tensor.float32(a.shape, Float32Array.from(a.data, (v, i) => v + 0.05 * Math.sin(i * 0.37)));
    const d = await vggDistance(pth);
    const [same] = await d.distances(a, a);
    const [ab] = await d.distances(a, b);
    const [ba] = await d.distances(b, a);
    expect(same).toBe(0);
    expect(ab).toBeGreaterThan(0);
    expect(Math.abs(ab - ba) / ab).toBeLessThan(1e-6);
    // Host reference: unit-normalise each position's channel vector, squared difference summed
    // over channels, mean over positions, sum over layers.
    const weights = new Weights(stateDictFrom(await loadTorchFile(pth), pth), 'constant', pth);
    const cfg = inferVggConfig(weights);
    const x = input('x', a.shape);
    const taps = vggFeatures(weights.at('features'), cfg, imagenetNormalize(x, 'signed'), TAPS);
    const exe = await compile({ inputs: [x], outputs: TAPS.map((t) => taps[t]), outputNames: [...TAPS] });
    const fa = await exe.runNamed({ x: a });
    const fb = await exe.runNamed({ x: b });
    let ref = 0;
    for (const t of TAPS) {
      const [, c, h, w] = fa[t].shape;
      const pa = fa[t].toFloat32().data;
      const pb = fb[t].toFloat32().data;
      let layer = 0;
      for (let p = 0; p < h * w; p++) {
        let na = 0;
        let nb = 0;
        for (let k = 0; k < c; k++) {
          na += pa[k * h * w + p] ** 2;
          nb += pb[k * h * w + p] ** 2;
        }
        na = Math.sqrt(na) + 1e-10;
        nb = Math.sqrt(nb) + 1e-10;
        for (let k = 0; k < c; k++) layer += (pa[k * h * w + p] / na - pb[k * h * w + p] / nb) ** 2;
      }
      ref += layer / (h * w);
    }
    // float32 graph vs float64 host sums over up to 64·64·64 terms: 1e-4 relative.
    expect(Math.abs(ab - ref) / ref).toBeLessThan(1e-4);
  });
});
