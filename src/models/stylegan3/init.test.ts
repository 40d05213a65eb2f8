import { describe, expect, it } from 'vitest';
import { Weights } from '../../nn/weights.js';
import { loadNvidiaPickle } from '../../formats/files.js';
import { fixtureCase, haveFixtures } from '../../../test/fixtures.js';
import { resolveSg3 } from './config.js';
import { checkSg3Weights, sg3ConfigFromNvidia } from './fromNvidia.js';
import { designLowpassFilter, initSg3Generator, sg3Preset } from './init.js';

describe('StyleGAN3 random init', () => {
  it("NVIDIA's stylegan3-t 256 preset: the layer table of the paper's config, complete weights", () => {
    const cfg = sg3Preset('t', 256);
    const r = resolveSg3(cfg);
    expect(r.numWs).toBe(16);
    // Printed by NVlabs/stylegan3's SynthesisNetwork(w_dim, img_resolution=256, img_channels=3) (T) and
    // with channel_base 65536, channel_max 1024, conv_kernel 1, use_radial_filters (R, as train.py passes).
    expect(r.layers.map((l) => l.name)).toEqual([
      'L0_36_512', 'L1_36_512', 'L2_36_512', 'L3_52_512', 'L4_52_512', 'L5_84_512', 'L6_84_512', 'L7_148_512',
      'L8_148_512', 'L9_148_362', 'L10_276_256', 'L11_276_181', 'L12_276_128', 'L13_256_128', 'L14_256_3',
    ]);
    expect(resolveSg3(sg3Preset('r', 256)).layers.map((l) => l.name)).toEqual([
      'L0_36_1024', 'L1_36_1024', 'L2_36_1024', 'L3_52_1024', 'L4_52_1024', 'L5_84_1024', 'L6_84_1024', 'L7_148_1024',
      'L8_148_1024', 'L9_148_724', 'L10_276_512', 'L11_276_362', 'L12_276_256', 'L13_256_256', 'L14_256_3',
    ]);
    const tiny = sg3Preset('r', 16, { zDim: 8, wDim: 8, channelBase: 256, channelMax: 8 });
    const g = initSg3Generator(tiny, 1);
    expect(() => checkSg3Weights(resolveSg3(tiny), new Weights(g, 'constant', 'init'))).not.toThrow();
  });

  for (const caseName of ['F_nvidia_sg3_t32', 'F_nvidia_sg3_r32']) {
    it.skipIf(!haveFixtures(caseName))(`designs the filters NVIDIA stored (${caseName})`, async () => {
      const F = fixtureCase(caseName);
      const g = (await loadNvidiaPickle(F.path('network-snapshot-000000.pkl'))).networks.get('G_ema')!;
      const r = resolveSg3(sg3ConfigFromNvidia(g, new Weights(g.stateDict)));
      let worst = 0;
      for (const l of r.layers) {
        const pairs = [
          [designLowpassFilter(l.upTaps, l.inCutoff, 2 * l.inHalfWidth, l.tmpSamplingRate), g.stateDict.get(`synthesis.${l.name}.up_filter`)],
          [designLowpassFilter(l.downTaps, l.outCutoff, 2 * l.outHalfWidth, l.tmpSamplingRate, l.downRadial), g.stateDict.get(`synthesis.${l.name}.down_filter`)],
        ] as const;
        for (const [mine, theirs] of pairs) {
          expect(mine === null).toBe(theirs === undefined);
          if (!mine || !theirs) continue;
          expect(mine.shape).toEqual(theirs.shape);
          for (let i = 0; i < mine.size; i++) worst = Math.max(worst, Math.abs(mine.data[i] - Number(theirs.data[i])));
        }
      }
      // float64 design rounded to float32 (scipy's Bessel functions vs ours: a few float32 ulps at most)
      expect(worst).toBeLessThan(1e-7);
    });
  }
});
