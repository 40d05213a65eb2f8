import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFilesAtomically } from '../../formats/atomicFiles.js';
import { CheckpointError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { readSafetensors, writeSafetensors } from '../../formats/safetensors.js';
import { hashTensors } from '../manifest.js';
import { Classifier, type ClassifierManifest } from './classifier.js';

export const CLASSIFIER_FORMAT = 'latentlab-classifier';
const MANIFEST_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.safetensors';

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
  await writeFilesAtomically(dir, [
    { name: WEIGHTS_FILE, data: writeSafetensors(c.tensors, { format: CLASSIFIER_FORMAT, contentHash: manifest.contentHash }) },
    { name: MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
  ]);
  return manifest;
}

/** Reads a classifier bundle and checks that the weights are the ones its manifest names. */
export async function readClassifierBundle(dir: string): Promise<Classifier> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifest: ClassifierManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    const missing = await stat(dir).then(
      () => false,
      () => true,
    );
    throw new CheckpointError(
      missing ? dir : manifestPath,
      missing ? 'no such folder' : `cannot read the classifier manifest: ${(err as Error).message}`,
    );
  }
  if (manifest.format !== CLASSIFIER_FORMAT || manifest.version !== 1) {
    throw new CheckpointError(
      manifestPath,
      `not a ${CLASSIFIER_FORMAT} v1 bundle (format ${String(manifest.format)}, version ${String(manifest.version)})`,
    );
  }
  const weightsPath = join(dir, WEIGHTS_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (err) {
    throw new CheckpointError(weightsPath, `cannot read the weights: ${(err as Error).message}`);
  }
  const { tensors } = readSafetensors(bytes, { file: weightsPath });
  const hash = classifierHash(tensors);
  if (hash !== manifest.contentHash) {
    throw new CheckpointError(
      weightsPath,
      `content hash ${hash.slice(0, 12)}… does not match the manifest's ${String(manifest.contentHash).slice(0, 12)}…`,
    );
  }
  if (manifest.labelNames.length !== manifest.config.numClasses) {
    throw new CheckpointError(
      manifestPath,
      `${manifest.labelNames.length} label names for ${manifest.config.numClasses} classes`,
    );
  }
  return new Classifier(manifest, tensors);
}
