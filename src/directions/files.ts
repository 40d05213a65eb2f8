import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { ArgumentError, FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { loadNpy, loadNpz, loadSafetensors, loadTorchFile, saveNpy, saveNpz, saveSafetensors } from '../formats/files.js';
import { asTensor } from '../formats/numpyPickle.js';
import { PyDict, type PyValue } from '../formats/pyValue.js';
import { type DirectionSet, type DirectionSpace, makeDirectionSet } from './direction.js';
import { replaceFile } from '../formats/atomicFiles.js';

/**
 * Direction files. Ours: safetensors with `vectors` [K, dim] (and `mean` [dim] when known) and the
 * rest (space, labels, sigma, layers, model, provenance) as JSON in the metadata. Others read:
 *   .npy   InterFaceGAN boundary [1, dim] (or [K, dim] rows)
 *   .npz   GANSpace: lat_comp [K, 1, dim], lat_mean [1, dim], lat_stdev [K]
 *   .pt    rosinality closed_form_factorization output {ckpt, eigvec [dim, K] (columns)},
 *          e4e / PTI InterFaceGAN direction (a tensor [1, dim]), e4e GANSpace PCA {comp, mean, std}
 * Imported sets default to W space (all of these are W-space formats for StyleGAN).
 */

const FORMAT = 'latentlab-directions';

function rowsOf(t: Tensor, file: string, what: string): Float64Array[] {
  const data = t.toFloat64().data;
  const dim = t.shape[t.rank - 1];
  if (t.rank < 1 || !dim) throw new FormatError(`${file}: ${what} has shape [${t.shape.join(', ')}], expected [..., dim]`);
  const k = t.size / dim;
  if (t.rank > 1 && t.shape.slice(1, -1).some((d) => d !== 1))
    throw new FormatError(`${file}: ${what} has shape [${t.shape.join(', ')}], expected [K, dim] or [K, 1, dim]`);
  return Array.from({ length: k }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}

function columnsOf(t: Tensor, file: string, what: string): Float64Array[] {
  if (t.rank !== 2) throw new FormatError(`${file}: ${what} has shape [${t.shape.join(', ')}], expected [dim, K]`);
  const [dim, k] = t.shape;
  const data = t.toFloat64().data;
  return Array.from({ length: k }, (_, c) => Float64Array.from({ length: dim }, (_, r) => data[r * k + c]));
}

function numbers(t: Tensor | undefined): number[] | undefined {
  return t ? Array.from(t.toFloat64().data) : undefined;
}

/** Default labels of imported InterFaceGAN-style boundaries (.npy and e4e / PTI .pt alike). */
function boundaryLabels(rows: readonly unknown[]): string[] {
  return rows.map((_, i) => (rows.length === 1 ? 'boundary' : `boundary${i}`));
}

function fromTorch(value: PyValue, file: string, space: DirectionSpace): DirectionSet {
  const direct = asTensor(value);
  if (direct) {
    const rows = rowsOf(direct, file, 'direction');
    return makeDirectionSet(rows, { space, labels: boundaryLabels(rows), provenance: { method: 'import', file, format: 'e4e-interfacegan-pt' } });
  }
  if (!(value instanceof PyDict)) throw new FormatError(`${file}: expected a tensor or a dict of tensors (factor.pt, e4e direction)`);
  const eigvec = asTensor(value.get('eigvec'));
  if (eigvec) {
    const rows = columnsOf(eigvec, file, "'eigvec'");
    const ckpt = value.get('ckpt');
    return makeDirectionSet(rows, {
      space,
      labels: rows.map((_, i) => `sefa${i}`),
      provenance: { method: 'import', file, format: 'rosinality-factor', ckpt: typeof ckpt === 'string' ? ckpt : null },
    });
  }
  const comp = asTensor(value.get('comp'));
  if (comp) {
    const rows = rowsOf(comp, file, "'comp'");
    const std = numbers(asTensor(value.get('std')));
    const mean = asTensor(value.get('mean'));
    return makeDirectionSet(rows, {
      space,
      labels: rows.map((_, i) => `pc${i}`),
      sigma: std?.slice(0, rows.length),
      mean: mean?.toFloat32().reshape([mean.size]),
      provenance: { method: 'import', file, format: 'e4e-ganspace-pt' },
    });
  }
  throw new FormatError(`${file}: a dict without 'eigvec' (rosinality factor) or 'comp' (e4e GANSpace): keys ${[...value.keys()].map(String).join(', ')}`);
}

export interface ReadDirectionsOptions {
  /** Space of imported vectors (default 'w'); ignored for our own files, which record it. */
  space?: DirectionSpace;
}

/** Reads a direction file, choosing the format by extension. */
export async function readDirections(file: string, opts: ReadDirectionsOptions = {}): Promise<DirectionSet> {
  if (!existsSync(file)) throw new ArgumentError(`${file}: no such direction file`);
  const space = opts.space ?? 'w';
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') {
    const rows = rowsOf(await loadNpy(file), file, 'boundary');
    return makeDirectionSet(rows, { space, labels: boundaryLabels(rows), provenance: { method: 'import', file, format: 'interfacegan-npy' } });
  }
  if (ext === '.npz') {
    const arrays = await loadNpz(file);
    const comp = arrays.get('lat_comp');
    if (!comp) throw new FormatError(`${file}: no 'lat_comp' array (GANSpace .npz); arrays: ${[...arrays.keys()].join(', ')}`);
    const rows = rowsOf(comp, file, "'lat_comp'");
    const std = numbers(arrays.get('lat_stdev'));
    const mean = arrays.get('lat_mean');
    return makeDirectionSet(rows, {
      space,
      labels: rows.map((_, i) => `pc${i}`),
      sigma: std?.slice(0, rows.length),
      mean: mean?.toFloat32().reshape([mean.size]),
      provenance: { method: 'import', file, format: 'ganspace-npz' },
    });
  }
  if (ext === '.pt' || ext === '.pth') return fromTorch(await loadTorchFile(file), file, space);
  if (ext === '.safetensors') {
    const { tensors, metadata } = await loadSafetensors(file);
    if (metadata?.format !== FORMAT || !metadata.directions) throw new FormatError(`${file}: not a latentlab direction file (metadata format '${metadata?.format ?? ''}')`);
    const vectors = tensors.get('vectors');
    if (!vectors || vectors.rank !== 2) throw new FormatError(`${file}: missing 'vectors' [K, dim]`);
    const meta = JSON.parse(metadata.directions) as Omit<DirectionSet, 'vectors' | 'mean'>;
    if (meta.labels.length !== vectors.shape[0] || meta.sigma.length !== vectors.shape[0])
      throw new FormatError(`${file}: ${meta.labels.length} labels and ${meta.sigma.length} sigmas for ${vectors.shape[0]} vectors`);
    const mean = tensors.get('mean');
    return { ...meta, vectors: vectors.toFloat32(), ...(mean ? { mean: mean.toFloat32() } : {}) };
  }
  throw new FormatError(`${file}: unknown direction file type '${ext}' (.safetensors, .npy, .npz, .pt)`);
}

/**
 * Writes a direction set (atomically: temporary file, then rename). By extension: .safetensors
 * (ours, lossless), .npy (InterFaceGAN: [1, dim] for one direction, else [K, dim]) or .npz
 * (GANSpace's lat_comp / lat_mean / lat_stdev; needs sigma for every row).
 */
export async function writeDirections(file: string, set: DirectionSet): Promise<void> {
  const ext = extname(file).toLowerCase();
  await replaceFile(file, async (tmp) => {
    if (ext === '.safetensors') {
      const { vectors, mean, ...meta } = set;
      const tensors: Record<string, Tensor> = { vectors };
      if (mean) tensors.mean = mean;
      await saveSafetensors(tmp, tensors, { format: FORMAT, version: '1', directions: JSON.stringify(meta) });
    } else if (ext === '.npy') {
      await saveNpy(tmp, set.vectors);
    } else if (ext === '.npz') {
      const [k, dim] = set.vectors.shape;
      if (set.sigma.some((s) => s === null)) throw new FormatError(`${file}: GANSpace .npz needs lat_stdev: this set has no sigma for some directions`);
      const arrays: Record<string, Tensor> = {
        lat_comp: set.vectors.reshape([k, 1, dim]),
        lat_stdev: Tensor.float32([k], set.sigma as number[]),
      };
      if (set.mean) arrays.lat_mean = set.mean.reshape([1, dim]);
      await saveNpz(tmp, arrays);
    } else throw new FormatError(`${file}: cannot write direction files of type '${ext}' (.safetensors, .npy, .npz)`);
  });
}
