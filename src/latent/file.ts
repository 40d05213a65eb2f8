import { readFile } from 'node:fs/promises';
import { ArgumentError, FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readSafetensors, writeSafetensors } from '../formats/safetensors.js';
import type { GanModel } from '../models/ganModel.js';
import { checkLatent, LATENT_SPACES, type Latent } from './latent.js';
import { writeFileAtomic } from '../formats/atomicFiles.js';

/**
 * Latent files: a safetensors file (so any safetensors reader opens it) holding float32 tensors `codes` and
 * `noise/<layer>` (and `styleOffsets` [N, dim] after a StyleSpace edit), and one metadata entry `latentlab` with the JSON below. Lossless: floats are stored as
 * written, so rendering a loaded latent reproduces the saved image bit for bit.
 */
export const LATENT_FORMAT = 'latentlab-latent';
export const LATENT_VERSION = 1;
export const LATENT_EXTENSION = '.latent.safetensors';

interface LatentHeader {
  format: typeof LATENT_FORMAT;
  version: number;
  space: Latent['space'];
  classes?: number[];
  psi: number;
  cutoff: number | null;
  noiseMode: Latent['noiseMode'];
  noiseSeed?: number;
  model: Latent['model'];
  provenance: Latent['provenance'];
}

export function encodeLatent(latent: Latent): Uint8Array {
  const header: LatentHeader = {
    format: LATENT_FORMAT,
    version: LATENT_VERSION,
    space: latent.space,
    classes: latent.classes,
    psi: latent.psi,
    cutoff: latent.cutoff,
    noiseMode: latent.noiseMode,
    noiseSeed: latent.noiseSeed,
    model: latent.model,
    provenance: latent.provenance,
  };
  const tensors: Record<string, Tensor> = { codes: latent.codes };
  for (const [name, map] of Object.entries(latent.noise ?? {})) tensors[`noise/${name}`] = map;
  if (latent.styleOffsets) tensors.styleOffsets = latent.styleOffsets;
  return writeSafetensors(tensors, { latentlab: JSON.stringify(header) });
}

export function decodeLatent(bytes: Uint8Array, file = '<latent>'): Latent {
  const { tensors, metadata } = readSafetensors(bytes, { file });
  const fail = (detail: string): never => {
    throw new FormatError(`${file}: ${detail}`);
  };
  if (!metadata.latentlab) fail('not a latentlab latent file (no "latentlab" metadata); import .npy/.npz/.pt latents with importLatent');
  let header: LatentHeader;
  try {
    header = JSON.parse(metadata.latentlab) as LatentHeader;
  } catch (e) {
    return fail(`metadata "latentlab" is not JSON (${(e as Error).message})`);
  }
  if (header.format !== LATENT_FORMAT) fail(`format is ${JSON.stringify(header.format)}, expected ${LATENT_FORMAT}`);
  if (header.version > LATENT_VERSION) fail(`version ${header.version} is newer than this latentlab reads (${LATENT_VERSION})`);
  if (!LATENT_SPACES.includes(header.space)) fail(`space ${JSON.stringify(header.space)} is not one of ${LATENT_SPACES.join(', ')}`);
  if (!['const', 'random', 'none'].includes(header.noiseMode)) fail(`noiseMode ${JSON.stringify(header.noiseMode)} is unknown`);
  const codes = tensors.get('codes');
  if (!codes) return fail('no tensor "codes"');
  if (codes.dtype !== 'float32') fail(`codes are ${codes.dtype}, expected float32`);
  const rank = header.space === 'w+' ? 3 : 2;
  if (codes.shape.length !== rank) fail(`${header.space} codes must have rank ${rank}, got shape [${codes.shape.join(', ')}]`);
  let noise: Record<string, Tensor<'float32'>> | undefined;
  const styleOffsets = tensors.get('styleOffsets');
  if (styleOffsets && (styleOffsets.dtype !== 'float32' || styleOffsets.shape.length !== 2 || styleOffsets.shape[0] !== codes.shape[0]))
    fail(`styleOffsets must be float32 [${codes.shape[0]}, dim], got ${styleOffsets.dtype} [${styleOffsets.shape.join(', ')}]`);
  for (const [name, t] of tensors) {
    if (name === 'codes' || name === 'styleOffsets') continue;
    if (!name.startsWith('noise/')) fail(`unexpected tensor "${name}"`);
    if (t.dtype !== 'float32') fail(`${name} is ${t.dtype}, expected float32`);
    noise ??= {};
    noise[name.slice('noise/'.length)] = t as Tensor<'float32'>;
  }
  return {
    space: header.space,
    codes: codes as Tensor<'float32'>,
    classes: header.classes,
    psi: header.psi ?? 1,
    cutoff: header.cutoff ?? null,
    noiseMode: header.noiseMode,
    noise,
    noiseSeed: header.noiseSeed,
    ...(styleOffsets ? { styleOffsets: styleOffsets as Tensor<'float32'> } : {}),
    model: header.model ?? { name: '?', contentHash: '' },
    provenance: header.provenance ?? { kind: 'import' },
  };
}

/** Writes a latent file atomically (temporary + rename), creating the folder. */
export async function saveLatent(path: string, latent: Latent): Promise<void> {
  await writeFileAtomic(path, encodeLatent(latent));
}

export interface LoadLatentOptions {
  /** Accept a latent saved for other weights of the same shape (default: refuse). */
  allowOtherModel?: boolean;
}

/** Reads a latent file; with `model`, checks that it belongs to (and fits) that model. */
export async function loadLatent(path: string, model?: GanModel, opts: LoadLatentOptions = {}): Promise<Latent> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ArgumentError(`cannot read latent file ${path}: ${(e as Error).message}`);
  }
  const latent = decodeLatent(bytes, path);
  if (model) {
    if (!opts.allowOtherModel && latent.model.contentHash && latent.model.contentHash !== model.manifest.contentHash) {
      throw new ArgumentError(
        `${path} was saved for model ${latent.model.name} (${latent.model.contentHash.slice(0, 12)}), not ${model.name} ` +
          `(${model.manifest.contentHash.slice(0, 12)}); pass allowOtherModel (CLI: --any-model) to use it anyway`,
      );
    }
    checkLatent(model, latent, path);
  }
  return latent;
}
