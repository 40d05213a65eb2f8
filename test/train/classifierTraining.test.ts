import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { FASHION_MNIST_ROOT, loadFashionMnist } from '../../src/data/fashionMnist.js';
import { readClassifierBundle } from '../../src/models/io/classifierBundle.js';
import type { ClassifierConfig } from '../../src/models/classifier/config.js';
import { argmaxRows, predict } from '../../src/models/classifier/predict.js';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { trainClassifier } from '../../src/train/classifier.js';
import { augmentInto } from '../../src/train/classifierAugment.js';

afterAll(clearSessionCache);

const haveData = existsSync(join(FASHION_MNIST_ROOT, 'train-labels-idx1-ubyte.gz'));

/** A few thousand parameters: 32×32 grey, stride downsampling, dense 32-d features. */
const SMALL: Partial<ClassifierConfig> = {
  stageWidths: [8, 16],
  stageDepths: [1, 1],
  downsample: 'stride',
  head: 'dense',
  featureDim: 32,
};

/** Images seen by the test run: the first 1000 training images, twice. */
const RUN = {
  epochs: 2,
  batch: 50,
  lr: 3e-3,
  warmupSteps: 0,
  network: SMALL,
  subset: 1000,
  logKimg: 0.5,
} as const;

describe.skipIf(!haveData)('classifier training on Fashion-MNIST (small subset)', () => {
  it('learns well above chance, writes a readable bundle, and a resumed run ends bit-identical', async () => {
    const [train, test] = await Promise.all([
      loadFashionMnist('train', { limit: 1000 }),
      loadFashionMnist('test', { limit: 500 }),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'latentlab-clf-train-'));
    try {
      const straight = await trainClassifier({
        dataset: train,
        testset: test,
        outdir: join(dir, 'a'),
        ...RUN,
      });
      expect(straight.status).toBe('completed');
      expect(straight.history.map((h) => h.epoch)).toEqual([1, 2]);
      // Chance is 10%; 1000 images × 2 epochs of this small net reach ~65-70%.
      expect(straight.testAccuracy).toBeGreaterThan(0.45);
      const c = await readClassifierBundle(straight.files.bundle);
      expect(c.manifest.testAccuracy).toBe(straight.testAccuracy);
      expect(c.labelNames[0]).toBe('T-shirt/top');
      // The bundle predicts what the trainer measured.
      const x = Tensor.float32([test.size, 1, 32, 32]);
      for (let i = 0; i < test.size; i++) x.data.set(test.image(i), i * 1024);
      const pred = argmaxRows((await predict(c, x)).logits);
      const acc = pred.reduce((s, p, i) => s + (p === test.label(i) ? 1 : 0), 0) / test.size;
      expect(acc).toBeCloseTo(straight.testAccuracy!, 6);
      expect((await readFile(straight.files.log, 'utf8')).trim().split('\n').length).toBeGreaterThan(2);

      // Interrupt after the first epoch, then resume: same weights as the straight run.
      const controller = new AbortController();
      const first = await trainClassifier({
        dataset: train,
        testset: test,
        outdir: join(dir, 'b'),
        ...RUN,
        signal: controller.signal,
        onMessage: (line) => line.startsWith('epoch 1.00') && controller.abort(),
      });
      expect(first.status).toBe('interrupted');
      const resumed = await trainClassifier({
        dataset: train,
        testset: test,
        outdir: join(dir, 'b'),
        ...RUN,
        resume: true,
      });
      expect(resumed.status).toBe('completed');
      const [a, b] = await Promise.all([
        readClassifierBundle(straight.files.bundle),
        readClassifierBundle(resumed.files.bundle),
      ]);
      expect(b.manifest.contentHash).toBe(a.manifest.contentHash);
      expect(resumed.history.map((h) => h.testAccuracy)).toEqual(straight.history.map((h) => h.testAccuracy));
      // Other settings on resume are refused.
      await expect(
        trainClassifier({
          dataset: train,
          testset: test,
          outdir: join(dir, 'b'),
          ...RUN,
          lr: 1e-3,
          resume: true,
        }),
      ).rejects.toThrow(/other settings/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('augmentation', () => {
  it('shifts and mirrors exactly, filling with the background', () => {
    const r = 4;
    const src = Float32Array.from({ length: 16 }, (_, i) => i);
    const dst = new Float32Array(16);
    // Find draws giving a mirror and a known shift by trying seeds (the draw order is fixed).
    for (let seed = 0; seed < 50; seed++) {
      augmentInto(dst, 0, src, 1, r, new RandomState(seed), { maxShift: 1 });
      const rng = new RandomState(seed);
      const mirror = rng.randomSample() < 0.5;
      const dy = rng.randint(-1, 2) as number;
      const dx = rng.randint(-1, 2) as number;
      for (let y = 0; y < r; y++) {
        for (let x = 0; x < r; x++) {
          const sy = y - dy;
          const sx0 = x - dx;
          const inside = sy >= 0 && sy < r && sx0 >= 0 && sx0 < r;
          const sx = mirror ? r - 1 - sx0 : sx0;
          expect(dst[y * r + x]).toBe(inside ? src[sy * r + sx] : -1);
        }
      }
    }
    // No augmentation options: identity.
    augmentInto(dst, 0, src, 1, r, new RandomState(0), { flip: false, maxShift: 0 });
    expect(Array.from(dst)).toEqual(Array.from(src));
  });
});
