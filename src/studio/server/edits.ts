import { stat } from 'node:fs/promises';
import {
  ArgumentError,
  type DirectionSet,
  type GanModel,
  type Latent,
  type ModelFacts,
  readDirections,
  type RenderDeps,
  type RenderOptions,
  resolveRenderOptions,
} from '../../index.js';
import type { ModelSummary, RenderRequest } from '../shared/api.js';
import { readWorkspaceLatent, seedPartial } from './latentRefs.js';
import { cliPath } from './modelRegistry.js';
import type { Workspace } from './workspace.js';

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

/**
 * A studio render request -> `render`'s resolved options (workspace paths spelled as the CLI names them)
 * and the readers that map those paths back into the workspace (cached, traversal-checked).
 */
export function renderRequest(
  workspace: Workspace,
  info: ModelSummary & ModelFacts,
  model: GanModel,
  b: RenderRequest,
  extra: { space?: RenderOptions['space']; out: string; saveLatent?: string },
): { options: RenderOptions; deps: RenderDeps } {
  const back = new Map<string, string>();
  const spell = (rel: string) => {
    const p = cliPath(workspace.resolve(rel));
    back.set(p, rel);
    return p;
  };
  const options = resolveRenderOptions(
    {
      model: info.path,
      seed: b.seed,
      latent: b.latent === undefined ? undefined : spell(b.latent),
      row: b.row,
      ...seedPartial(b),
      space: extra.space,
      edits: b.edits?.map((e) => ({
        directions: spell(e.directions),
        component: e.component,
        strength: e.strength,
        layers: e.layers ?? null,
      })),
      resampleNoise: b.resampleNoise,
      upscale: b.scale,
      out: extra.out,
      saveLatent: extra.saveLatent,
    },
    info,
  );
  const deps: RenderDeps = {
    readDirections: (p) => directionSet(workspace, back.get(p) ?? p),
    readLatent: (p): Promise<Latent> => readWorkspaceLatent(workspace, model, back.get(p) ?? p),
  };
  return { options, deps };
}
