import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { InMemoryImageDataset } from '../../src/data/memory.js';
import { randomTensor } from '../../src/graph/gradcheck.js';
import { classifierFeatureStats, fcd } from '../../src/metrics/fcd.js';
import { generatedImages } from '../../src/metrics/generated.js';
import { featureStats } from '../../src/metrics/stats.js';
import { Classifier, type ClassifierManifest } from '../../src/models/classifier/classifier.js';
import { CLASSIFIER_PRESETS, type ClassifierConfig } from '../../src/models/classifier/config.js';
import { initClassifierWeights } from '../../src/models/classifier/init.js';
import { predict } from '../../src/models/classifier/predict.js';
import { inferDcganGenerator } from '../../src/models/dcgan/config.js';
import { DCGAN_PRESETS, dcganInitialStateDicts } from '../../src/models/dcgan/init.js';
import { GanModel } from '../../src/models/ganModel.js';
import { sampleZ, synthesize } from '../../src/models/generate.js';
import { dcganDims, hashTensors } from '../../src/models/manifest.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache } from '../../src/runtime/compile.js';

afterAll(clearSessionCache);

function classifier(cfg: ClassifierConfig): Classifier {
  const manifest: ClassifierManifest = {
    format: 'latentlab-classifier',
    version: 1,
    name: 'fcd-test',
    config: cfg,
    labelNames: Array.from({ length: cfg.numClasses }, (_, i) => String(i)),
    inputRange: [-1, 1],
    resolution: cfg.resolution,
    channels: cfg.inChannels,
    testAccuracy: null,
    provenance: { format: 'random-init', source: 'test', created: '2024-01-01T00:00:00.000Z' },
    contentHash: '',
  };
  return new Classifier(manifest, initClassifierWeights(cfg, 1));
}

const CFG: ClassifierConfig = {
  ...CLASSIFIER_PRESETS.tiny,
  stageWidths: [4, 8],
  resolution: 16,
  head: 'dense',
  downsample: 'stride',
  featureDim: 12,
};

describe('FCD through a classifier', () => {
  it('is 0 for a set against itself, whatever the source type and batch size', async () => {
    const c = classifier(CFG);
    const images = randomTensor([130, 1, 16, 16], 2, { dtype: 'float32' }) as Tensor<'float32'>;
    const dataset = new InMemoryImageDataset({
      name: 'random',
      channels: 1,
      resolution: 16,
      pixels: images.data,
      labels: new Int32Array(130),
      labelNames: ['a'],
    });
    async function* batches() {
      for (let s = 0; s < 130; s += 40)
        yield new Tensor(
          'float32',
          [Math.min(40, 130 - s), 1, 16, 16],
          images.data.subarray(s * 256, Math.min(130, s + 40) * 256),
        );
    }
    const self = await fcd(c, images, dataset, { batchSize: 32 });
    expect(self.n1).toBe(130);
    expect(self.n2).toBe(130);
    expect(self.value).toBeLessThan(1e-8);
    const streamed = await fcd(c, batches(), images, { batchSize: 50 });
    expect(streamed.value).toBeLessThan(1e-8);
    // The statistics are those of the features predict() returns.
    const direct = featureStats((await predict(c, images)).features);
    const viaSource = await classifierFeatureStats(c, dataset, { batchSize: 7 });
    for (let i = 0; i < direct.mean.length; i++) expect(viaSource.mean[i]).toBeCloseTo(direct.mean[i], 5);
    // A shifted set is farther away than a resampled one.
    const other = randomTensor([130, 1, 16, 16], 3, { dtype: 'float32' });
    const shifted = new Tensor(
      'float32',
      images.shape,
      (images.data as Float32Array).map((v) => Math.min(1, v + 0.5)),
    );
    const near = await fcd(c, images, other);
    const far = await fcd(c, images, shifted);
    expect(far.value).toBeGreaterThan(near.value);
    expect(near.value).toBeGreaterThan(0);
  });

  it("generatedImages: the generator's images for consecutive seeds, clamped to [-1, 1], in batches", async () => {
    const { netG } = dcganInitialStateDicts({ ...DCGAN_PRESETS.tiny, nc: 1, imageSize: 16 }, 4);
    const cfg = inferDcganGenerator(new Weights(netG));
    const model = new GanModel(
      {
        format: 'latentlab-bundle',
        version: 1,
        name: 'tiny-dcgan',
        architecture: 'dcgan',
        generator: cfg,
        ...dcganDims(cfg),
        provenance: { format: 'random-init', source: 'test', created: '2024-01-01T00:00:00.000Z' },
        contentHash: hashTensors({ G: netG }),
        weightsDtype: 'float32',
      },
      netG,
    );
    const parts: Tensor[] = [];
    for await (const t of generatedImages(model, { num: 10, firstSeed: 5, batchSize: 4 })) parts.push(t);
    expect(parts.map((t) => t.shape[0])).toEqual([4, 4, 2]);
    const direct = await synthesize(model, sampleZ(model, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
    const all = parts.flatMap((t) => Array.from(t.data as Float32Array));
    expect(all.length).toBe(direct.size);
    for (const [i, v] of all.entries()) expect(v).toBeCloseTo(Math.min(1, Math.max(-1, direct.data[i])), 5);
    const c = classifier(CFG);
    const r = await fcd(
      c,
      generatedImages(model, { num: 20, batchSize: 8 }),
      randomTensor([20, 1, 16, 16], 6, { dtype: 'float32' }),
    );
    expect(r.n1).toBe(20);
    expect(Number.isFinite(r.value)).toBe(true);
  });
});
