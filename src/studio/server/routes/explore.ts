import {
  ArgumentError,
  blankLike,
  encodePng,
  type GanModel,
  imagesOf,
  interpolate,
  type InterpolationMethod,
  labelledGrid,
  LATENT_EXTENSION,
  type Latent,
  type LatentSource,
  latentsFromSources,
  parseLayerRange,
  renderFrames,
  styleMixGrid,
  formatRange as formatSeeds,
  type ModelFacts,
  resolveSeedLatentOptions,
  shellWord,
} from '../../../index.js';
import type { Studio } from '../app.js';
import type { ModelRegistry } from '../modelRegistry.js';
import type { Workspace } from '../workspace.js';
import { cliSource, type LatentRef, type SeedFields, seedPartial } from '../latentRefs.js';

/** The seed fields as the library's one rule resolves them (DCGAN: none; conditional: a class required). */
function seedFieldsOf(b: Partial<SeedFields>, info: ModelFacts): SeedFields {
  const o = resolveSeedLatentOptions(seedPartial(b), info, 'latents');
  return {
    psi: o.trunc,
    cutoff: o.truncCutoff,
    noiseMode: o.noiseMode,
    noiseSeed: o.noiseSeed,
    classIndex: o.classIndex ?? undefined,
  };
}
import { interpolateBody, mixBody } from '../schemas.js';

export interface MixRequest extends Partial<SeedFields> {
  model: string;
  rows: number[];
  cols: number[];
  layers: string;
  scale: number;
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
function seedFlags(f: SeedFields): string[] {
  const args: string[] = [];
  if (f.psi !== 1) args.push('--trunc', String(f.psi));
  if (f.cutoff !== null) args.push('--trunc-cutoff', String(f.cutoff));
  if (f.noiseMode !== 'const') args.push('--noise-mode', f.noiseMode);
  if (f.noiseMode === 'random' && f.noiseSeed) args.push('--noise-seed', String(f.noiseSeed));
  return args;
}

/** Latents for studio references exactly as the exploration commands draw them (seeds batched, files imported). */
async function latentsOf(
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

/** Style-mixing matrices and interpolation strips (PNG, with the CLI command in x-latentlab-command). */
export function registerExploreRoutes(studio: Studio): void {
  const { app, models } = studio;

  app.post<{ Body: MixRequest }>('/api/mix', { schema: { body: mixBody } }, async (req, reply) => {
    const b = req.body;
    const info = models.info(b.model);
    const model = await models.get(b.model);
    if (model.architecture !== 'stylegan2')
      throw new ArgumentError(
        `mix: ${model.name} is a ${model.architecture}; style mixing needs a StyleGAN2`,
      );
    const fields = seedFieldsOf(b, info);
    const layers = parseLayerRange(model, b.layers);
    const rowL = await latentsOf(
      studio,
      model,
      b.rows.map((seed) => ({ seed })),
      fields,
    );
    const colL = await latentsOf(
      studio,
      model,
      b.cols.map((seed) => ({ seed })),
      fields,
    );
    const grid = await styleMixGrid(model, rowL, colL, layers);
    const rowImgs = imagesOf(await renderFrames(model, rowL), b.scale);
    const colImgs = imagesOf(await renderFrames(model, colL), b.scale);
    const cells = imagesOf(await renderFrames(model, grid.cells), b.scale);
    const figure = [blankLike(rowImgs[0]), ...colImgs];
    rowImgs.forEach((r, i) => figure.push(r, ...cells.slice(i * grid.columns, (i + 1) * grid.columns)));
    const png = await encodePng(
      labelledGrid(figure, {
        columns: grid.columns + 1,
        columnLabels: ['', ...b.cols.map(String)],
        rowLabels: ['', ...b.rows.map(String)],
      }),
    );
    const args = [
      'npx',
      'latentlab',
      'mix',
      '--model',
      info.path,
      '--rows',
      formatSeeds(b.rows),
      '--cols',
      formatSeeds(b.cols),
      '--layers',
      b.layers,
    ];
    args.push(...seedFlags(fields), '--upscale', String(b.scale), '--outdir', 'out/mix');
    return reply
      .type('image/png')
      .header('x-latentlab-command', args.map(shellWord).join(' '))
      .header('x-latentlab-layers', layers.join(','))
      .send(png);
  });

  app.post<{ Body: InterpolateRequest }>(
    '/api/interpolate',
    { schema: { body: interpolateBody } },
    async (req, reply) => {
      const { model, path, args } = await interpolationPath(studio, req.body);
      const frames = imagesOf(await renderFrames(model, path.latent), req.body.scale);
      const png = await encodePng(labelledGrid(frames, { columns: Math.min(frames.length, 16) }));
      return reply
        .type('image/png')
        .header('x-latentlab-command', args.map(shellWord).join(' '))
        .header('x-latentlab-frames', String(frames.length))
        .send(png);
    },
  );
}
