import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointError,
  type ClassifierManifest,
  type EncoderManifest,
  generatorCard,
  isBundleFolder,
  loadModel,
  MANIFEST_FILE,
  provenanceLines,
} from '../../index.js';

/**
 * The card of a model folder or checkpoint, as lines: what the network is, where its weights came
 * from (training command, kimg, time) and what was measured on them (`metrics fcd --record`).
 * Classifier and encoder bundles: model.json only; generators are loaded (so the content hash shown
 * is checked against the weights), checkpoint files imported in memory.
 */
export async function modelCard(path: string): Promise<string[]> {
  const manifestPath = join(path, MANIFEST_FILE);
  if (isBundleFolder(path)) {
    let m: { format?: string };
    try {
      m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { format?: string };
    } catch (err) {
      throw new CheckpointError(manifestPath, `cannot read the model card: ${(err as Error).message}`);
    }
    if (m.format === 'latentlab-classifier') return classifierCard(m as ClassifierManifest);
    if (m.format === 'latentlab-encoder') return encoderCard(m as EncoderManifest);
  }
  // Generator bundles and checkpoints; loadModel names the file and field of anything unreadable.
  return generatorCard((await loadModel(path)).manifest);
}

function classifierCard(m: ClassifierManifest): string[] {
  const acc = m.testAccuracy === null ? 'not measured' : `${(100 * m.testAccuracy).toFixed(2)} %`;
  return [
    `${m.name}: classifier, ${m.resolution}×${m.resolution}×${m.channels}, ${m.labelNames.length} classes (${m.labelNames.join(', ')})`,
    `test accuracy: ${acc}; content hash ${m.contentHash.slice(0, 16)}…`,
    ...provenanceLines(m.provenance),
  ];
}

function encoderCard(m: EncoderManifest): string[] {
  const history = (m.provenance.training?.history ?? []) as {
    kimg: number;
    psnr: number;
    ssim: number;
    images: number;
  }[];
  const last = history.at(-1);
  return [
    `${m.name}: encoder image → W+ ${m.config.numWs}×${m.config.wDim}, ${m.config.resolution}×${m.config.resolution}×${m.config.imgChannels}`,
    `trained for: ${m.generator.name} (content hash ${m.generator.contentHash.slice(0, 16)}…)`,
    `weights: ${m.weightsDtype}, content hash ${m.contentHash.slice(0, 16)}…`,
    ...provenanceLines(m.provenance),
    ...(last
      ? [
          `test reconstruction at ${last.kimg} kimg (${last.images} images, encoder alone): PSNR ${last.psnr.toFixed(2)} dB, SSIM ${last.ssim.toFixed(4)}`,
        ]
      : []),
  ];
}
