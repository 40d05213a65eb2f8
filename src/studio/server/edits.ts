import { stat } from 'node:fs/promises';
import {
  ArgumentError,
  type DirectionSet,
  edit,
  type GanModel,
  type Latent,
  readDirections,
} from '../../index.js';
import { cliSource, type LatentRef, type SeedFields } from './latentRefs.js';
import type { ModelSummary } from './modelRegistry.js';
import { shellWord } from './render.js';
import type { Workspace } from './workspace.js';

/** One edit of a render: a direction of a set, its strength (the set's units: sigma when known) and ws rows [start, end). */
export interface EditRequest {
  directions: string;
  component: number;
  strength: number;
  layers?: [number, number];
}

const sets = new Map<string, { mtime: number; set: Promise<DirectionSet> }>();

/** A direction file in the workspace (traversal-checked), read once per modification. */
export async function directionSet(workspace: Workspace, path: string): Promise<DirectionSet> {
  const abs = workspace.resolve(path);
  const info = await stat(abs).catch(() => null);
  if (!info?.isFile()) throw new ArgumentError(`directions: no file '${path}' in the workspace`);
  const cached = sets.get(abs);
  if (cached && cached.mtime === info.mtimeMs) return cached.set;
  const set = readDirections(abs);
  sets.set(abs, { mtime: info.mtimeMs, set });
  set.catch(() => sets.delete(abs));
  return set;
}

/** `latent` moved along each edit in turn (a set found on other weights is refused). */
export async function applyEdits(
  workspace: Workspace,
  model: GanModel,
  latent: Latent,
  edits: readonly EditRequest[],
  scale = 1,
): Promise<Latent> {
  let out = latent;
  for (const e of edits) {
    const set = await directionSet(workspace, e.directions);
    if (set.model && set.model.contentHash !== model.manifest.contentHash) {
      throw new ArgumentError(
        `directions: ${e.directions} was found on ${set.model.name}, not ${model.name}`,
      );
    }
    out = await edit(out, set, e.strength * scale, { component: e.component, layers: e.layers, model });
  }
  return out;
}

/** The `latentlab edit` command for the first edit (the CLI applies one direction per run). */
export function editCommand(
  workspace: Workspace,
  info: ModelSummary,
  ref: LatentRef,
  fields: SeedFields,
  edits: readonly EditRequest[],
): string {
  const e = edits[0];
  const args = [
    'npx',
    'latentlab',
    'edit',
    '--model',
    info.path,
    '--directions',
    cliSource(workspace, { latent: e.directions }),
    '--component',
    String(e.component),
  ];
  if (ref.seed !== undefined) {
    args.push('--seeds', String(ref.seed));
    if (fields.psi !== 1) args.push('--trunc', String(fields.psi));
    if (fields.noiseMode !== 'const') args.push('--noise-mode', fields.noiseMode);
  } else args.push('--latent', cliSource(workspace, ref));
  args.push('--strengths', String(e.strength));
  if (e.layers) args.push('--layers', `${e.layers[0]}-${e.layers[1] - 1}`);
  args.push('--outdir', 'out/edit');
  const more =
    edits.length > 1 ? ` # then ${edits.length - 1} more edit(s): the CLI applies one direction per run` : '';
  return args.map(shellWord).join(' ') + more;
}
