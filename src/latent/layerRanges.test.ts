import { describe, expect, it } from 'vitest';
import { GanModel } from '../models/ganModel.js';
import { type BundleManifest, stylegan2Dims } from '../models/manifest.js';
import { STYLEGAN2_PRESETS } from '../models/stylegan2/init.js';
import { namedRanges, noiseLayersForRows, parseLayerRange, wsRowResolutions } from './layerRanges.js';

/** A weightless model: layer ranges only read the manifest's configuration. */
function configOnly(name: keyof typeof STYLEGAN2_PRESETS): GanModel {
  const generator = STYLEGAN2_PRESETS[name].generator;
  const manifest = { name, architecture: 'stylegan2', generator, ...stylegan2Dims(generator) } as unknown as BundleManifest;
  return new GanModel(manifest, new Map());
}

describe('named layer ranges', () => {
  it("use the StyleGAN paper's split for 256x256 models (coarse 4-8, middle 16-32, fine 64+)", () => {
    const m = configOnly('paper256');
    expect(wsRowResolutions(m)).toEqual([4, 8, 8, 16, 16, 32, 32, 64, 64, 128, 128, 256, 256, 256]);
    expect(namedRanges(m)).toMatchObject({ coarse: [0, 1, 2], middle: [3, 4, 5, 6], fine: [7, 8, 9, 10, 11, 12, 13] });
    expect(noiseLayersForRows(m, [0])).toEqual(['synthesis.b4.conv1']);
    expect(noiseLayersForRows(m, [13])).toEqual([]); // the last row only styles torgb
  });

  it('give 16x16 models an empty middle and refuse to select nothing', () => {
    const m = configOnly('tiny');
    expect(namedRanges(m)).toMatchObject({ coarse: [0, 1, 2], middle: [], fine: [3, 4, 5] });
    expect(() => parseLayerRange(m, 'middle')).toThrow(/selects no ws rows/);
  });
});
