import { describe, expect, it } from 'vitest';
import { modelCard } from '../../src/cli/commands/modelCard.js';
import { CheckpointError } from '../../src/core/errors.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { readClassifierBundle } from '../../src/models/io/classifierBundle.js';

/**
 * `latentlab info MODEL` on the shipped bundles: every shipped generator's card holds the command it
 * was trained with and an FCD and classifier confidence measured on exactly its weights (records of
 * other weights are not shown), so re-shipping a model without re-measuring it fails here.
 */
describe('latentlab info: the shipped model cards', () => {
  it.each(['fmnist-dcgan', 'fmnist-stylegan2'])(
    '%s: training command, kimg, FCD and confidence',
    async (name) => {
      const card = await modelCard(`models/${name}`);
      const model = await loadModel(`models/${name}`);
      expect(card[0]).toMatch(new RegExp(`^${name}: ${model.architecture}, 32×32×1`));
      expect(card[1]).toContain(`content hash ${model.manifest.contentHash.slice(0, 16)}`);
      expect(card).toContainEqual(expect.stringMatching(/^training: \d+(\.\d+)? kimg, \d+ steps, /));
      expect(card).toContainEqual(
        expect.stringMatching(
          new RegExp(`^ {2}command: latentlab train ${model.architecture} --data fashion-mnist`),
        ),
      );
      const fcd = card.find((l) => l.startsWith('  fcd '));
      const conf = card.find((l) => l.startsWith('  classifierConfidence '));
      expect(fcd).toMatch(
        /^ {2}fcd \d+\.\d\d \(10000 images, classifier-fashion-mnist-32; \d{4}-\d\d-\d\d\)$/,
      );
      expect(conf).toMatch(
        /^ {2}classifierConfidence 0\.\d{4} \(10000 images, classifier-fashion-mnist-32; reference images 0\.9\d{3}; /,
      );
      expect(model.manifest.evaluation?.fcd.modelHash).toBe(model.manifest.contentHash);
    },
  );

  it('classifier and encoder cards: test accuracy, the generator an encoder was trained for', async () => {
    const clf = await readClassifierBundle('models/fmnist-classifier');
    const card = await modelCard('models/fmnist-classifier');
    expect(card[1]).toBe(
      `test accuracy: ${(100 * clf.manifest.testAccuracy!).toFixed(2)} %; content hash ${clf.manifest.contentHash.slice(0, 16)}…`,
    );
    const enc = await modelCard('models/fmnist-encoder');
    expect(enc[0]).toBe('fmnist-encoder: encoder image → W+ 8×128, 32×32×1');
    expect(enc[1]).toMatch(/^trained for: fmnist-stylegan2 \(content hash [0-9a-f]{16}…\)$/);
    expect(enc.at(-1)).toMatch(
      /^test reconstruction at \d+(\.\d+)? kimg \(100 images, encoder alone\): PSNR \d+\.\d\d dB/,
    );
  });

  it('names the file when there is no model or its card is unreadable', async () => {
    await expect(modelCard('models/nope')).rejects.toThrow(/models\/nope/);
    await expect(modelCard('README.md')).rejects.toBeInstanceOf(CheckpointError);
  });
});
