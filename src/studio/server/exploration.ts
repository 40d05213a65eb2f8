import {
  ArgumentError,
  type InterpolateVerbOptions,
  LATENT_EXTENSION,
  type LatentSource,
  type MixOptions,
  resolveInterpolateOptions,
  resolveMixOptions,
} from '../../index.js';
import type { InterpolateRequest, LatentRef, MixRequest } from '../shared/api.js';
import { seedPartial } from './latentRefs.js';
import type { ModelRegistry } from './modelRegistry.js';
import { cliPath } from './modelRegistry.js';
import type { Workspace } from './workspace.js';

// The exploration views (mix, interpolation strips and the GIF job) as the walk verbs' resolved options:
// shared by a route and a job, so it lives beside both rather than in either.

/** What building options needs from the studio (a job has it too). */
export interface ExploreDeps {
  models: ModelRegistry;
  workspace: Workspace;
}

/** A saved latent of the workspace (traversal-checked) as the CLI names it. */
function fileSource(workspace: Workspace, path: string): LatentSource {
  if (!path.endsWith(LATENT_EXTENSION))
    throw new ArgumentError(`latent: '${path}' is not a ${LATENT_EXTENSION} file`);
  return { file: cliPath(workspace.resolve(path)) };
}

/** A keyframe reference -> a latent source of the walk verbs. */
export function refSource(workspace: Workspace, r: LatentRef): LatentSource {
  if ((r.seed === undefined) === (r.latent === undefined))
    throw new ArgumentError('latent: pass exactly one of seed and latent');
  return r.seed !== undefined ? { seed: r.seed } : fileSource(workspace, r.latent!);
}

/** The studio's mixing figure as `mix`'s resolved options (absent seed lists: none; the view shows at most 8x8). */
export function mixOptions(studio: ExploreDeps, b: MixRequest): MixOptions {
  const info = studio.models.info(b.model);
  const o = resolveMixOptions(
    {
      model: info.path,
      rows: b.rows ?? [],
      rowLatents: b.rowLatents?.map((p) => fileSource(studio.workspace, p)),
      cols: b.cols ?? [],
      colLatents: b.colLatents?.map((p) => fileSource(studio.workspace, p)),
      layers: b.layers,
      ...seedPartial(b),
      upscale: b.scale,
      outdir: 'out/mix',
    },
    info,
  );
  if (o.rows.length + o.rowLatents.length > 8 || o.cols.length + o.colLatents.length > 8)
    throw new ArgumentError('mix: at most 8 rows and 8 columns');
  return o;
}

/** The strip's frames per row. */
const STRIP_COLUMNS = 16;

/**
 * An interpolation request as `interpolate`'s resolved options: every keyframe as --keys (seeds and files in
 * the studio's order), the strip 16 frames to a row; `extra` adds the GIF job's outputs.
 */
export function interpolateOptions(
  studio: ExploreDeps,
  b: InterpolateRequest,
  extra: Partial<InterpolateVerbOptions> = {},
): InterpolateVerbOptions {
  const info = studio.models.info(b.model);
  return resolveInterpolateOptions(
    {
      model: info.path,
      keys: b.keys.map((k) => refSource(studio.workspace, k)),
      steps: b.steps,
      method: b.method,
      loop: b.loop,
      layers: b.layers,
      ...seedPartial(b),
      upscale: b.scale,
      columns: STRIP_COLUMNS,
      outdir: 'out/interpolate',
      ...extra,
    },
    info,
  );
}
