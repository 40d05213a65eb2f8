import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../core/errors.js';
import { float32ToHalf, Tensor } from '../../core/tensor.js';
import { GanModel } from '../ganModel.js';
import { type BundleManifest, currentEvaluation, type EvaluationRecord, hashTensors } from '../manifest.js';
import { writeFilesAtomically } from '../../formats/atomicFiles.js';
import { briefJson } from '../../formats/budget.js';
import { readBundleWeights } from '../../formats/tensorBundle.js';
import { writeSafetensors } from '../../formats/safetensors.js';

export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

function split(tensors: ReadonlyMap<string, Tensor>, file: string): { g: Map<string, Tensor>; d?: Map<string, Tensor> } {
  const g = new Map<string, Tensor>();
  const d = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    const slash = name.indexOf('/');
    const group = name.slice(0, slash);
    const key = name.slice(slash + 1);
    const value = t.dtype === 'float16' ? t.toFloat32() : t;
    if (group === 'G') g.set(key, value);
    else if (group === 'D') d.set(key, value);
    else throw new CheckpointError(file, `tensor '${name}' is neither G/... nor D/...`);
  }
  return { g, d: d.size ? d : undefined };
}

function storedTensors(model: GanModel, dtype: 'float32' | 'float16'): { g: Map<string, Tensor>; d?: Map<string, Tensor> } {
  const convert = (m: ReadonlyMap<string, Tensor>) =>
    new Map(
      [...m].map(([k, t]) => [k, dtype === 'float16' && t.dtype === 'float32' ? new Tensor('float16', t.shape, float32ToHalf(t.data as Float32Array)) : t]),
    );
  return { g: convert(model.g), d: model.d ? convert(model.d) : undefined };
}

/**
 * Writes a bundle folder: model.json + weights.safetensors (tensors `G/<key>`, `D/<key>`). Files are
 * written to temporaries and renamed, so an interrupted write never leaves a half bundle.
 */
export async function writeBundle(dir: string, model: GanModel, opts: { dtype?: 'float32' | 'float16' } = {}): Promise<BundleManifest> {
  const dtype = opts.dtype ?? model.manifest.weightsDtype ?? 'float32';
  const { g, d } = storedTensors(model, dtype);
  const manifest: BundleManifest = { ...model.manifest, weightsDtype: dtype, contentHash: hashTensors({ G: g, D: d }) };
  // Measurements of other weights (a copy's float16 rounding, a newer snapshot) do not carry over.
  const evaluation = currentEvaluation(manifest);
  if (Object.keys(evaluation).length) manifest.evaluation = evaluation;
  else delete manifest.evaluation;
  const all = new Map<string, Tensor>();
  for (const [k, t] of g) all.set(`G/${k}`, t);
  if (d) for (const [k, t] of d) all.set(`D/${k}`, t);
  await writeFilesAtomically(dir, [
    { name: WEIGHTS_FILE, data: writeSafetensors(all, { format: 'latentlab-bundle', contentHash: manifest.contentHash }) },
    { name: MANIFEST_FILE, data: `${JSON.stringify(manifest, null, 2)}\n` },
  ]);
  return manifest;
}

/** A folder holding a model.json (a generator, classifier or encoder bundle; not yet validated). */
export function isBundleFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, MANIFEST_FILE));
}

/** Reads and checks a bundle's model.json without its weights. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new CheckpointError(manifestPath, `cannot read the bundle manifest: ${(err as Error).message}`);
  }
  if (manifest.format !== 'latentlab-bundle' || manifest.version !== 1) {
    throw new CheckpointError(manifestPath, `not a latentlab bundle v1 (format ${briefJson(manifest.format)}, version ${briefJson(manifest.version)})`);
  }
  return manifest;
}

/**
 * Adds measurements to a bundle's card (model.json `evaluation`, replacing records of the same
 * metric); the weights are untouched. Every record must name the bundle's current weights.
 */
export async function recordEvaluation(dir: string, records: Readonly<Record<string, EvaluationRecord>>): Promise<BundleManifest> {
  const manifest = await readBundleManifest(dir);
  for (const [metric, r] of Object.entries(records)) {
    if (r.modelHash !== manifest.contentHash) {
      throw new CheckpointError(
        join(dir, MANIFEST_FILE),
        `the ${metric} record was measured on weights ${r.modelHash.slice(0, 12)}…, this bundle holds ${manifest.contentHash.slice(0, 12)}…`,
      );
    }
  }
  const updated: BundleManifest = { ...manifest, evaluation: { ...currentEvaluation(manifest), ...records } };
  await writeFilesAtomically(dir, [{ name: MANIFEST_FILE, data: `${JSON.stringify(updated, null, 2)}\n` }]);
  return updated;
}

/** Reads a bundle folder and checks that the weights are the ones the manifest names. */
export async function readBundle(dir: string): Promise<GanModel> {
  const manifest = await readBundleManifest(dir);
  const { tensors, weightsPath } = await readBundleWeights(dir);
  const stored = split(tensors, weightsPath);
  const rawGroups = { G: new Map<string, Tensor>(), D: new Map<string, Tensor>() };
  for (const [name, t] of tensors) rawGroups[name.startsWith('G/') ? 'G' : 'D'].set(name.slice(2), t);
  const hash = hashTensors({ G: rawGroups.G, D: rawGroups.D.size ? rawGroups.D : undefined });
  if (hash !== manifest.contentHash) {
    throw new CheckpointError(weightsPath, `content hash ${hash.slice(0, 12)}… does not match the manifest's ${(typeof manifest.contentHash === 'string' ? manifest.contentHash : briefJson(manifest.contentHash)).slice(0, 12)}…`);
  }
  return new GanModel(manifest, stored.g, stored.d);
}
