import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ArgumentError, FormatError } from '../core/errors.js';
import { concatRows, Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from '../formats/npy.js';
import { readNpz, writeNpz } from '../formats/npz.js';
import { asTensor } from '../formats/numpyPickle.js';
import { PyDict, type PyValue } from '../formats/pyValue.js';
import { readTorchFile } from '../formats/torch.js';
import { type TorchWritable, writeTorchFile } from '../formats/torchWrite.js';
import type { GanModel } from '../models/ganModel.js';
import { makeNoise } from '../models/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import { LATENT_EXTENSION, loadLatent, saveLatent } from './file.js';
import { checkLatent, latentFromCodes, type Latent, type LatentSpace, selectRows, toWs } from './latent.js';

/**
 * Latents from other tools: NVIDIA `projected_w.npz` (`w` [1, numWs, wDim]), rosinality projector `.pt`
 * dicts ({image: {latent, noise, img}}), e4e `latents.pt` (a [N, numWs, wDim] tensor), plain `.npy`
 * arrays; and the same layouts written back.
 */
export interface ImportLatentOptions {
  /** Space of rank-2 arrays [N, dim], which do not say whether they hold z or w (default z). */
  space?: 'z' | 'w';
  /** Noise mode of the imported latent when the file stores no maps (default const). */
  noiseMode?: NoiseMode;
  /** Accept a latentlab latent saved for another model. */
  allowOtherModel?: boolean;
}

function fail(file: string, detail: string): never {
  throw new FormatError(`${file}: ${detail}`);
}

/** Codes of any rank the model accepts: [dim] / [numWs, wDim] (one latent) or [N, dim] / [N, numWs, wDim]. */
function codesToLatent(model: GanModel, t: Tensor, file: string, opts: ImportLatentOptions, extra: Record<string, unknown> = {}): Latent {
  const codes = t.toFloat32();
  const sg2 = model.hasWSpace ? model.styleSpace() : null;
  const isWs = (s: readonly number[]) => sg2 !== null && s.length === 2 && s[0] === sg2.numWs && s[1] === sg2.wDim;
  let space: LatentSpace;
  let shaped: Tensor<'float32'>;
  if (codes.rank === 3) {
    space = 'w+';
    shaped = codes;
  } else if (codes.rank === 2 && isWs(codes.shape) && opts.space === undefined && sg2!.numWs !== 1) {
    space = 'w+';
    shaped = new Tensor('float32', [1, ...codes.shape], codes.data);
  } else if (codes.rank === 2) {
    space = opts.space ?? 'z';
    shaped = codes;
  } else if (codes.rank === 1) {
    space = opts.space ?? 'z';
    shaped = new Tensor('float32', [1, codes.shape[0]], codes.data);
  } else return fail(file, `latent array has shape [${codes.shape.join(', ')}]; expected [N, dim] or [N, numWs, wDim]`);
  return latentFromCodes(model, space, shaped, {
    noiseMode: opts.noiseMode,
    provenance: { kind: 'import', file: basename(file), ...extra },
  });
}

function pick(map: ReadonlyMap<string, Tensor>, file: string): [string, Tensor] {
  for (const key of ['z', 'w', 'ws', 'latent', 'latents', 'codes']) if (map.has(key)) return [key, map.get(key)!];
  if (map.size === 1) return [...map][0];
  return fail(file, `no array named z, w, ws, latent or codes (found: ${[...map.keys()].join(', ')})`);
}

/** Rosinality's noise list (one [1, 1, r, r] map per conv layer, in synthesis order) -> maps by layer name. */
function rosinalityNoise(model: GanModel, list: PyValue, file: string): Record<string, Tensor<'float32'>> {
  const convs = model.stylegan2().layers.filter((l) => l.kind === 'conv');
  if (!Array.isArray(list) || list.length !== convs.length) {
    fail(file, `noise should be a list of ${convs.length} maps (one per conv layer of ${model.name})`);
  }
  const out: Record<string, Tensor<'float32'>> = {};
  convs.forEach((layer, i) => {
    const t = asTensor(list[i]);
    const r = layer.resolution;
    if (!t || t.size !== r * r) fail(file, `noise[${i}] should be [1, 1, ${r}, ${r}] for ${layer.name}`);
    out[layer.name] = new Tensor('float32', [1, 1, r, r], t.toFloat32().data);
  });
  return out;
}

function fromTorch(model: GanModel, value: PyValue, file: string, opts: ImportLatentOptions): Latent {
  const t = asTensor(value);
  if (t) return codesToLatent(model, t, file, opts, { layout: 'tensor (e4e latents.pt)' });
  if (!(value instanceof PyDict)) return fail(file, 'expected a latent tensor or a dict of latents');
  const entries = [...value].filter(([, v]) => v instanceof PyDict && (v as PyDict).has('latent'));
  if (entries.length > 0) {
    const latents = entries.map(([name, v]) => {
      const d = v as PyDict;
      const code = asTensor(d.get('latent')) ?? fail(file, `${String(name)}.latent is not a tensor`);
      // rosinality stores one latent per image: w [wDim], or w+ [numWs, wDim] (projector --w_plus)
      const one = code.rank === 2 ? new Tensor(code.dtype, [1, ...code.shape], code.data) : code;
      const l = codesToLatent(model, one, file, { ...opts, space: 'w' });
      return { name: String(name), latent: l, noise: d.has('noise') ? rosinalityNoise(model, d.get('noise')!, file) : undefined };
    });
    const first = latents[0].latent;
    if (latents.some((l) => l.latent.space !== first.space)) fail(file, 'entries mix w and w+ latents');
    const codes = concatRows(latents.map((l) => l.latent.codes));
    const withNoise = latents.every((l) => l.noise);
    return latentFromCodes(model, first.space, codes, {
      noiseMode: opts.noiseMode ?? 'const',
      noise: withNoise ? Object.fromEntries(Object.keys(latents[0].noise!).map((k) => [k, concatRows(latents.map((l) => l.noise![k]))])) : undefined,
      provenance: { kind: 'import', file: basename(file), layout: 'rosinality projector', images: latents.map((l) => l.name) },
    });
  }
  if (value.has('latent')) return fromTorch(model, new PyDict([['image', value]]), file, opts);
  const tensors = new Map<string, Tensor>();
  for (const [k, v] of value) {
    const x = asTensor(v);
    if (x && typeof k === 'string') tensors.set(k, x);
  }
  const [key, arr] = pick(tensors, file);
  return codesToLatent(model, arr, file, opts, { key });
}

/** Reads a latent of `model` from a latentlab file, .npy, .npz or .pt (format chosen by extension). */
export async function importLatent(model: GanModel, path: string, opts: ImportLatentOptions = {}): Promise<Latent> {
  if (path.endsWith('.safetensors')) return loadLatent(path, model, { allowOtherModel: opts.allowOtherModel });
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ArgumentError(`cannot read latent file ${path}: ${(e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return codesToLatent(model, readNpy(bytes, { file: path }), path, opts);
  if (ext === '.npz') {
    const [key, t] = pick(readNpz(bytes, { file: path }), path);
    return codesToLatent(model, t, path, { ...opts, space: key === 'z' ? 'z' : opts.space }, { key });
  }
  if (ext === '.pt' || ext === '.pth') return fromTorch(model, readTorchFile(bytes, { file: path }), path, opts);
  throw new ArgumentError(`${path}: unknown latent format '${ext}' (use ${LATENT_EXTENSION}, .npy, .npz or .pt)`);
}

export type TorchLatentLayout = 'rosinality' | 'e4e';

export interface ExportLatentOptions {
  /** .pt layout: rosinality's projector dict with noise maps (default) or e4e's bare w+ tensor. */
  layout?: TorchLatentLayout;
}

/** Noise maps a render of `latent` uses, materialised: stored maps, else the const buffers, zeros or seeded maps. */
export function materialNoise(model: GanModel, latent: Latent): Record<string, Tensor<'float32'>> {
  const n = latent.codes.shape[0];
  const random = latent.noiseMode === 'random' ? makeNoise(model, n, latent.noiseSeed ?? 0) : undefined;
  const out: Record<string, Tensor<'float32'>> = {};
  if (model.architecture !== 'stylegan2') return out; // StyleGAN3 and DCGAN have no noise inputs
  for (const l of model.stylegan2().layers) {
    if (l.kind !== 'conv') continue;
    const r = l.resolution;
    const map = latent.noise?.[l.name] ?? random?.[l.name];
    if (map) {
      out[l.name] = map;
      continue;
    }
    const t = Tensor.float32([n, 1, r, r]);
    if (latent.noiseMode === 'const') {
      const c = model.g.get(`${l.name}.noise_const`)?.toFloat32().data ?? fail(model.name, `no ${l.name}.noise_const`);
      for (let i = 0; i < n; i++) t.data.set(c, i * r * r);
    }
    out[l.name] = t;
  }
  return out;
}

/**
 * Writes `latent` for other tools: `.npy` (the codes as they are), `.npz` (NVIDIA: `w` = ws [N, numWs,
 * wDim], plus `z` for z latents), `.pt` (rosinality dict or e4e tensor), or a latentlab file.
 */
export async function exportLatent(model: GanModel, latent: Latent, path: string, opts: ExportLatentOptions = {}): Promise<void> {
  checkLatent(model, latent);
  if (path.endsWith('.safetensors')) return saveLatent(path, latent);
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.npy') bytes = writeNpy(latent.codes);
  else if (ext === '.npz') {
    const arrays: Record<string, Tensor> = {};
    if (latent.space === 'z') arrays.z = latent.codes;
    if (model.hasWSpace) arrays.w = await toWs(model, latent);
    bytes = writeNpz(arrays);
  } else if (ext === '.pt' || ext === '.pth') {
    const ws = model.hasWSpace && latent.space === 'z' ? await toWs(model, latent) : latent.codes;
    if ((opts.layout ?? 'rosinality') === 'e4e' || model.architecture === 'dcgan') bytes = writeTorchFile(ws);
    else {
      const noise = materialNoise(model, latent);
      const names = Object.keys(noise);
      const n = ws.shape[0];
      const dict: Record<string, TorchWritable> = {};
      for (let i = 0; i < n; i++) {
        const one = selectRows({ ...latent, space: latent.space === 'z' ? 'w+' : latent.space, codes: ws, noise, noiseMode: 'const' }, [i]);
        dict[`latent${String(i).padStart(4, '0')}`] = {
          latent: new Tensor('float32', one.codes.shape.slice(1), one.codes.data),
          noise: names.map((k) => one.noise![k]),
        };
      }
      bytes = writeTorchFile(dict);
    }
  } else throw new ArgumentError(`${path}: unknown export format '${ext}' (use .npy, .npz, .pt or ${LATENT_EXTENSION})`);
  await writeFile(path, bytes);
}
