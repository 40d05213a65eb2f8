import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, haveFixtures } from '../../../test/fixtures.js';
import { Weights } from '../../nn/weights.js';
import { inferGeneratorConfig, resolveGenerator } from './config.js';
import { inferDiscriminatorConfig } from './discriminator.js';
import { channelTable, initDiscriminator, initGenerator, STYLEGAN2_PRESETS } from './init.js';

describe('StyleGAN2 initialisation', () => {
  it("NVIDIA's channel table", () => {
    expect(channelTable(256, 16384, 512)).toEqual({
      4: 512,
      8: 512,
      16: 512,
      32: 512,
      64: 256,
      128: 128,
      256: 64,
    });
  });

  it('round-trips every preset through config inference', () => {
    for (const p of Object.values(STYLEGAN2_PRESETS)) {
      if (p.generator.imgResolution > 64) continue; // the 256 preset is exercised by the bench
      const g = initGenerator(p.generator, 3);
      const d = initDiscriminator(p.discriminator, 4);
      const { convClamp, mappingLrMultiplier } = p.generator;
      expect(inferGeneratorConfig(new Weights(g), { convClamp, mappingLrMultiplier })).toEqual(p.generator);
      expect(inferDiscriminatorConfig(new Weights(d), p.discriminator)).toEqual(p.discriminator);
      expect(resolveGenerator(p.generator).numWs).toBe(2 * Math.log2(p.generator.imgResolution) - 2);
    }
  });

  it.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))(
    'produces exactly the state-dict keys and shapes of NVIDIA networks',
    () => {
      const m = JSON.parse(readFileSync(`${FIXTURES}/A_nvidia_sg2ada_uncond32/manifest.json`, 'utf8'));
      const listing = (entries: { name: string; shape: number[] }[]) =>
        Object.fromEntries(entries.map((e) => [e.name, e.shape]));
      const gRef = listing(m.state_dicts.G_ema);
      const dRef = listing(m.state_dicts.D);
      const fixtureG = {
        zDim: 64,
        cDim: 0,
        wDim: 64,
        imgResolution: 32,
        imgChannels: 3,
        mappingLayers: 2,
        mappingLrMultiplier: 0.01,
        architecture: 'skip' as const,
        channels: { 4: 64, 8: 64, 16: 32, 32: 16 },
        convClamp: 256,
      };
      const fixtureD = {
        imgResolution: 32,
        imgChannels: 3,
        cDim: 0,
        channels: { 4: 64, 8: 64, 16: 32, 32: 16 },
        architecture: 'resnet' as const,
        cmapDim: 0,
        mappingLayers: 0,
        mbstdGroupSize: 4,
        mbstdChannels: 1,
        convClamp: 256,
      };
      const shapes = (t: Map<string, { shape: readonly number[] }>) =>
        Object.fromEntries([...t].map(([k, v]) => [k, [...v.shape]]));
      expect(shapes(initGenerator(fixtureG))).toEqual(gRef);
      expect(shapes(initDiscriminator(fixtureD))).toEqual(dRef);
    },
  );
});
