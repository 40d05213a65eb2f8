import {
  ArgumentError,
  type GanModel,
  interpolate,
  type InterpolationMethod,
  LATENT_EXTENSION,
  type Latent,
  type LatentSource,
  latentsFromSources,
  type ModelFacts,
  parseLayerRange,
  resolveSeedLatentOptions,
} from '../../index.js';
import { cliSource, type LatentRef, type SeedFields, seedPartial } from './latentRefs.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { Workspace } from './workspace.js';

// Latents for the exploration views (mix, interpolation strips and the GIF job): shared by a route and a
// job, so it lives beside both rather than in either.

/** The seed fields as the library's one rule resolves them (DCGAN: none; conditional: a class required). */
export function seedFieldsOf(b: Partial<SeedFields>, info: ModelFacts): SeedFields {
  const o = resolveSeedLatentOptions(seedPartial(b), info, 'latents');
  return {
    psi: o.trunc,
    cutoff: o.truncCutoff,
    noiseMode: o.noiseMode,
    noiseSeed: o.noiseSeed,
    classIndex: o.classIndex ?? undefined,
  };
}

export interface InterpolateRequest extends Partial<SeedFields> {
  model: string;
  keys: LatentRef[];
  steps: number;
  method?: InterpolationMethod;
  loop: boolean;
  layers?: string;
  scale: number;
}

/** What path building needs from the studio (a job has it too). */
export interface ExploreDeps {
  models: ModelRegistry;
  workspace: Workspace;
}

/** Seed-latent flags of the exploration commands (they draw seeds into z with these). */
export function seedFlags(f: SeedFields): string[] {
  const args: string[] = [];
  if (f.psi !== 1) args.push('--trunc', String(f.psi));
  if (f.cutoff !== null) args.push('--trunc-cutoff', String(f.cutoff));
  if (f.noiseMode !== 'const') args.push('--noise-mode', f.noiseMode);
  if (f.noiseMode === 'random' && f.noiseSeed) args.push('--noise-seed', String(f.noiseSeed));
  return args;
}

/** Latents for studio references exactly as the exploration commands draw them (seeds batched, files imported). */
export async function latentsOf(
  studio: ExploreDeps,
  model: GanModel,
  refs: readonly LatentRef[],
  f: SeedFields,
): Promise<Latent> {
  const sources: LatentSource[] = refs.map((r) => {
    if ((r.seed === undefined) === (r.latent === undefined))
      throw new ArgumentError('latent: pass exactly one of seed and latent');
    if (r.latent !== undefined && !r.latent.endsWith(LATENT_EXTENSION))
      throw new ArgumentError(`latent: '${r.latent}' is not a ${LATENT_EXTENSION} file`);
    return r.seed !== undefined ? { seed: r.seed } : { file: studio.workspace.resolve(r.latent!) };
  });
  return latentsFromSources(model, sources, {
    space: 'z',
    psi: f.psi,
    cutoff: f.cutoff,
    classIndex: f.classIndex,
    noiseMode: f.noiseMode,
    noiseSeed: f.noiseSeed,
  });
}

/** Keyframes of an interpolation: the path, and the `latentlab interpolate` arguments naming them. */
export async function interpolationPath(studio: ExploreDeps, b: InterpolateRequest) {
  const info = studio.models.info(b.model);
  const model = await studio.models.get(b.model);
  const fields = seedFieldsOf(b, info);
  const keys = await latentsOf(studio, model, b.keys, fields);
  const layers = b.layers ? parseLayerRange(model, b.layers) : undefined;
  const path = await interpolate(model, keys, {
    framesPerSegment: b.steps,
    method: b.method,
    loop: b.loop,
    layers,
  });
  // the CLI takes seeds first, then --keys in order; keep the studio's order by passing everything as keys
  const args = [
    'npx',
    'latentlab',
    'interpolate',
    '--model',
    info.path,
    '--keys',
    b.keys.map((k) => cliSource(studio.workspace, k)).join(','),
  ];
  args.push('--steps', String(b.steps), ...seedFlags(fields));
  if (b.method) args.push('--method', b.method);
  if (b.loop) args.push('--loop');
  if (b.layers) args.push('--layers', b.layers);
  args.push('--upscale', String(b.scale), '--outdir', 'out/interpolate');
  return { model, path, args };
}
