import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../core/errors.js';
import { float32ToHalf, Tensor } from '../../core/tensor.js';
import { GanModel } from '../ganModel.js';
import { type BundleManifest, currentEvaluation, type EvaluationRecord, hashTensor, hashTensors } from '../manifest.js';
import { writeFilesAtomically } from '../../formats/atomicFiles.js';
import { briefJson } from '../../formats/budget.js';
import { type FileSource, openFileSource } from '../../formats/byteSource.js';
import { findNonFinite, type NonFiniteReport } from '../../formats/nonFinite.js';
import { readSafetensorsLayout, readSafetensorsTensor, type SafetensorsSpan, writeSafetensors } from '../../formats/safetensors.js';
import { DeferredTensorMap } from './deferredTensors.js';

export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

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
export async function writeBundle(
  dir: string,
  model: GanModel,
  opts: { dtype?: 'float32' | 'float16'; name?: string } = {},
): Promise<BundleManifest> {
  const dtype = opts.dtype ?? model.manifest.weightsDtype ?? 'float32';
  const { g, d } = storedTensors(model, dtype);
  const manifest: BundleManifest = { ...model.manifest, name: opts.name ?? model.manifest.name, weightsDtype: dtype, contentHash: hashTensors({ G: g, D: d }) };
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

/** `G/<key>` or `D/<key>` → [group, key]; anything else is refused, naming the tensor. */
function groupOf(name: string, file: string): ['G' | 'D', string] {
  const slash = name.indexOf('/');
  const group = name.slice(0, slash);
  if (group !== 'G' && group !== 'D') throw new CheckpointError(file, `tensor '${name}' is neither G/... nor D/...`);
  return [group, name.slice(slash + 1)];
}

const byName = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Reads a bundle folder and checks that the weights are the ones the manifest names. The weights
 * file is read tensor by tensor (never whole); the discriminator's tensors are hashed and checked
 * for NaN/Inf as they stream past, then left on disk until something uses D (a DeferredTensorMap).
 */
export async function readBundle(dir: string): Promise<GanModel> {
  const manifest = await readBundleManifest(dir);
  const weightsPath = join(dir, WEIGHTS_FILE);
  let source: FileSource;
  try {
    source = openFileSource(weightsPath);
  } catch (err) {
    throw new CheckpointError(weightsPath, `cannot read the weights: ${(err as Error).message}`);
  }
  const g = new Map<string, Tensor>();
  let d: DeferredTensorMap | undefined;
  try {
    const layout = readSafetensorsLayout(source, { file: weightsPath });
    const groups = { G: [] as [string, SafetensorsSpan][], D: [] as [string, SafetensorsSpan][] };
    for (const span of layout.spans) {
      const [group, key] = groupOf(span.name, weightsPath);
      groups[group].push([key, span]);
    }
    const read = (span: SafetensorsSpan) => readSafetensorsTensor(source, layout, span, weightsPath);
    const hash = createHash('sha256');
    for (const [key, span] of groups.G.sort(byName)) {
      const t = read(span);
      hashTensor(hash, 'G', key, t);
      g.set(key, t);
    }
    if (groups.D.length) {
      // D streams past: hashed, checked, dropped; a digest of its bytes guards the later read.
      const dDigest = createHash('sha256');
      const nonFinite: { name: string; report: NonFiniteReport }[] = [];
      for (const [key, span] of groups.D.sort(byName)) {
        const t = read(span);
        hashTensor(hash, 'D', key, t);
        hashTensor(dDigest, 'D', key, t);
        const report = findNonFinite(t);
        if (report) nonFinite.push({ name: key, report });
      }
      const expected = dDigest.digest('hex');
      d = new DeferredTensorMap(
        groups.D.map(([key]) => key),
        () => readDiscriminator(weightsPath, expected),
        nonFinite,
      );
    }
    const got = hash.digest('hex');
    if (got !== manifest.contentHash) {
      throw new CheckpointError(weightsPath, `content hash ${got.slice(0, 12)}… does not match the manifest's ${(typeof manifest.contentHash === 'string' ? manifest.contentHash : briefJson(manifest.contentHash)).slice(0, 12)}…`);
    }
  } finally {
    source.close();
  }
  return new GanModel(manifest, upcast(g), d);
}

/** float16 bundles are computed in float32. */
function upcast(tensors: Map<string, Tensor>): Map<string, Tensor> {
  for (const [k, t] of tensors) if (t.dtype === 'float16') tensors.set(k, t.toFloat32());
  return tensors;
}

/** The discriminator of a bundle, read when first used; the file must still hold what readBundle checked. */
function readDiscriminator(weightsPath: string, expected: string): Map<string, Tensor> {
  let source: FileSource;
  try {
    source = openFileSource(weightsPath);
  } catch (err) {
    throw new CheckpointError(weightsPath, `cannot read the discriminator weights: ${(err as Error).message}`);
  }
  try {
    const layout = readSafetensorsLayout(source, { file: weightsPath });
    const digest = createHash('sha256');
    const d = new Map<string, Tensor>();
    const spans = layout.spans.filter((s) => s.name.startsWith('D/')).map((s): [string, SafetensorsSpan] => [s.name.slice(2), s]);
    for (const [key, span] of spans.sort(byName)) {
      const t = readSafetensorsTensor(source, layout, span, weightsPath);
      hashTensor(digest, 'D', key, t);
      d.set(key, t);
    }
    if (digest.digest('hex') !== expected) throw new CheckpointError(weightsPath, 'the discriminator weights changed on disk after the bundle was loaded');
    return upcast(d);
  } finally {
    source.close();
  }
}
