import { readFile } from 'node:fs/promises';
import {
  ArgumentError,
  checkLatent,
  decodeLatent,
  type GanModel,
  LATENT_EXTENSION,
  type Latent,
  latentFromSeeds,
  selectRows,
} from '../../index.js';
import { cliPath } from './modelRegistry.js';
import type { SeedSpec } from './render.js';
import type { Workspace } from './workspace.js';

/** The seed-latent settings a request carries (truncation and noise of latents drawn from seeds). */
export type SeedFields = Omit<SeedSpec, 'seeds'>;

/** A latent as the studio names it: a seed (drawn with the request's seed fields) or a saved file (one row of it). */
export interface LatentRef {
  seed?: number;
  latent?: string;
  row?: number;
}

export function seedFieldsOf(b: Partial<SeedFields>): SeedFields {
  return {
    psi: b.psi ?? 1,
    cutoff: b.cutoff ?? null,
    noiseMode: b.noiseMode ?? 'const',
    noiseSeed: b.noiseSeed ?? 0,
    classIndex: b.classIndex,
  };
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

/** The Latent a reference names, for `model`. */
export async function resolveLatent(
  workspace: Workspace,
  model: GanModel,
  ref: LatentRef,
  fields: SeedFields,
): Promise<Latent> {
  if ((ref.seed === undefined) === (ref.latent === undefined))
    throw new ArgumentError('latent: pass exactly one of seed and latent');
  if (ref.seed !== undefined) {
    return latentFromSeeds(model, [ref.seed], {
      psi: fields.psi,
      cutoff: fields.cutoff,
      noiseMode: fields.noiseMode,
      noiseSeed: fields.noiseSeed,
      classes: model.cDim ? [fields.classIndex ?? 0] : undefined,
    });
  }
  const latent = await readWorkspaceLatent(workspace, model, ref.latent!);
  return ref.row !== undefined ? selectRows(latent, [ref.row]) : latent;
}

/** How the CLI names the same latent: the seed, or the file's path. */
export function cliSource(workspace: Workspace, ref: LatentRef): string {
  return ref.seed !== undefined ? String(ref.seed) : cliPath(workspace.resolve(ref.latent!));
}
