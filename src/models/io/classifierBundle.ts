import { CheckpointError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { readTensorBundle, writeTensorBundle } from '../../formats/tensorBundle.js';
import { hashTensors } from '../manifest.js';
import { Classifier, type ClassifierManifest } from '../classifier/classifier.js';

export const CLASSIFIER_FORMAT = 'latentlab-classifier';

/** The manifest's content hash for these weights. */
export function classifierHash(tensors: ReadonlyMap<string, Tensor>): string {
  return hashTensors({ C: tensors });
}

/**
 * Writes a classifier bundle folder: model.json + weights.safetensors (float32, checkpoint keys).
 * Both files go to temporaries first and are renamed, so an interrupted write leaves no half bundle.
 */
export async function writeClassifierBundle(dir: string, c: Classifier): Promise<ClassifierManifest> {
  const manifest: ClassifierManifest = { ...c.manifest, contentHash: classifierHash(c.tensors) };
  await writeTensorBundle(dir, manifest, c.tensors);
  return manifest;
}

/** Reads a classifier bundle and checks that the weights are the ones its manifest names. */
export async function readClassifierBundle(dir: string): Promise<Classifier> {
  const { manifest, tensors, manifestPath } = await readTensorBundle<ClassifierManifest>(
    dir,
    CLASSIFIER_FORMAT,
    'classifier',
    classifierHash,
  );
  if (manifest.labelNames.length !== manifest.config.numClasses) {
    throw new CheckpointError(
      manifestPath,
      `${manifest.labelNames.length} label names for ${manifest.config.numClasses} classes`,
    );
  }
  return new Classifier(manifest, tensors);
}
