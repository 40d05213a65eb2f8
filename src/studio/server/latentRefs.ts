import { readFile } from 'node:fs/promises';
import {
  ArgumentError,
  checkLatent,
  decodeLatent,
  type GanModel,
  LATENT_EXTENSION,
  type Latent,
} from '../../index.js';
import type { SeedLatentOptions } from '../../index.js';
import type { SeedFields } from '../shared/api.js';
import type { Workspace } from './workspace.js';

/** A request's seed fields as the verbs' partial options (absent stays absent: the resolver decides). */
export function seedPartial(b: Partial<SeedFields>): Partial<SeedLatentOptions> {
  const out: { -readonly [K in keyof SeedLatentOptions]?: SeedLatentOptions[K] } = {};
  if (b.psi !== undefined) out.trunc = b.psi;
  if (b.cutoff !== undefined) out.truncCutoff = b.cutoff;
  if (b.classIndex !== undefined) out.classIndex = b.classIndex;
  if (b.noiseMode !== undefined) out.noiseMode = b.noiseMode;
  if (b.noiseSeed !== undefined) out.noiseSeed = b.noiseSeed;
  return out;
}

/** Reads a latent file named by a workspace path (traversal-checked) and checks that it fits `model`. */
export async function readWorkspaceLatent(
  workspace: Workspace,
  model: GanModel,
  path: string,
): Promise<Latent> {
  if (!path.endsWith(LATENT_EXTENSION))
    throw new ArgumentError(`latent: '${path}' is not a ${LATENT_EXTENSION} file`);
  const abs = workspace.resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(abs);
  } catch {
    throw new ArgumentError(`latent: no file '${path}' in the workspace`);
  }
  const latent = decodeLatent(bytes, path);
  if (latent.model.contentHash !== model.manifest.contentHash) {
    throw new ArgumentError(`latent: ${path} was saved for ${latent.model.name}, not ${model.name}`);
  }
  checkLatent(model, latent, path);
  return latent;
}
