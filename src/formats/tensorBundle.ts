import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { writeFilesAtomically } from './atomicFiles.js';
import { briefJson } from './budget.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/**
 * Small single-network bundles (classifier, encoder): a folder with model.json (a manifest carrying
 * `format`, `version` and the weights' `contentHash`) and weights.safetensors. Writes go through
 * temporaries and renames (manifest last), reads check the format and that the weights hash to the
 * manifest's content hash.
 */
export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

export interface BundleHeader {
  format: string;
  version: number;
  contentHash: string;
}

/** Writes `stored` (the on-disk tensors, possibly float16) and the manifest. */
export async function writeTensorBundle(dir: string, manifest: BundleHeader, stored: ReadonlyMap<string, Tensor>): Promise<void> {
  await writeFilesAtomically(dir, [
    { name: WEIGHTS_FILE, data: writeSafetensors(stored, { format: manifest.format, contentHash: manifest.contentHash }) },
    { name: MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
  ]);
}

/** Reads `dir`/weights.safetensors as stored (a missing or unreadable file is a CheckpointError naming it). */
export async function readBundleWeights(dir: string): Promise<{ tensors: Map<string, Tensor>; weightsPath: string }> {
  const weightsPath = join(dir, WEIGHTS_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (err) {
    throw new CheckpointError(weightsPath, `cannot read the weights: ${(err as Error).message}`);
  }
  return { tensors: readSafetensors(bytes, { file: weightsPath }).tensors, weightsPath };
}

/**
 * Reads a bundle of `format` (version 1): the manifest, and the weights upcast to float32, checked against
 * `hash(weights) === manifest.contentHash`. `what` names the kind in errors ("classifier", "encoder").
 */
export async function readTensorBundle<M extends BundleHeader>(
  dir: string,
  format: string,
  what: string,
  hash: (tensors: ReadonlyMap<string, Tensor>) => string,
): Promise<{ manifest: M; tensors: Map<string, Tensor>; manifestPath: string; weightsPath: string }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifest: M;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as M;
  } catch (err) {
    const missing = await stat(dir).then(
      () => false,
      () => true,
    );
    throw new CheckpointError(
      missing ? dir : manifestPath,
      missing ? 'no such folder' : `cannot read the ${what} manifest: ${(err as Error).message}`,
    );
  }
  if (manifest.format !== format || manifest.version !== 1) {
    throw new CheckpointError(
      manifestPath,
      `not a ${format} v1 bundle (format ${briefJson(manifest.format)}, version ${briefJson(manifest.version)})`,
    );
  }
  const { tensors: raw, weightsPath } = await readBundleWeights(dir);
  const tensors = new Map([...raw].map(([k, t]) => [k, t.dtype === 'float16' ? t.toFloat32() : t]));
  const got = hash(tensors);
  if (got !== manifest.contentHash) {
    throw new CheckpointError(
      weightsPath,
      `content hash ${got.slice(0, 12)}… does not match the manifest's ${(typeof manifest.contentHash === 'string' ? manifest.contentHash : briefJson(manifest.contentHash)).slice(0, 12)}…`,
    );
  }
  return { manifest, tensors, manifestPath, weightsPath };
}
