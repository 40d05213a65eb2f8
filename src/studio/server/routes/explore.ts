import {
  ArgumentError,
  blankLike,
  encodePng,
  imagesOf,
  labelledGrid,
  parseLayerRange,
  renderFrames,
  styleMixGrid,
  formatRange as formatSeeds,
  shellWord,
} from '../../../index.js';
import type { Studio } from '../types.js';
import {
  interpolationPath,
  type InterpolateRequest,
  latentsOf,
  seedFieldsOf,
  seedFlags,
} from '../exploration.js';
import { cliSource, type LatentRef, type SeedFields } from '../latentRefs.js';

import { interpolateBody, mixBody } from '../schemas.js';

export interface MixRequest extends Partial<SeedFields> {
  model: string;
  rows?: number[];
  cols?: number[];
  rowLatents?: string[];
  colLatents?: string[];
  layers: string;
  scale: number;
}

/** A short label for a row or column of the mixing figure: the seed, or the saved latent's name. */
const refLabel = (r: LatentRef) =>
  r.seed !== undefined
    ? String(r.seed)
    : r
        .latent!.split('/')
        .pop()!
        .replace(/\.latent\.safetensors$/, '');

/** Style-mixing matrices and interpolation strips (PNG, with the CLI command in x-latentlab-command). */
export function registerExploreRoutes(studio: Studio): void {
  const { app, models } = studio;

  app.post<{ Body: MixRequest }>('/api/mix', { schema: { body: mixBody } }, async (req, reply) => {
    const b = req.body;
    const info = models.info(b.model);
    const model = await models.get(b.model);
    if (!model.hasWSpace)
      throw new ArgumentError(
        `mix: ${model.name} is a ${model.architecture}; style mixing needs a StyleGAN2 or StyleGAN3`,
      );
    const fields = seedFieldsOf(b, info);
    const layers = parseLayerRange(model, b.layers);
    const rowRefs: LatentRef[] = [
      ...(b.rows ?? []).map((seed) => ({ seed })),
      ...(b.rowLatents ?? []).map((latent) => ({ latent })),
    ];
    const colRefs: LatentRef[] = [
      ...(b.cols ?? []).map((seed) => ({ seed })),
      ...(b.colLatents ?? []).map((latent) => ({ latent })),
    ];
    if (!rowRefs.length || !colRefs.length)
      throw new ArgumentError('mix: give at least one row and one column (seeds or saved latents)');
    if (rowRefs.length > 8 || colRefs.length > 8)
      throw new ArgumentError('mix: at most 8 rows and 8 columns');
    const rowL = await latentsOf(studio, model, rowRefs, fields);
    const colL = await latentsOf(studio, model, colRefs, fields);
    const grid = await styleMixGrid(model, rowL, colL, layers);
    const rowImgs = imagesOf(await renderFrames(model, rowL), b.scale);
    const colImgs = imagesOf(await renderFrames(model, colL), b.scale);
    const cells = imagesOf(await renderFrames(model, grid.cells), b.scale);
    const figure = [blankLike(rowImgs[0]), ...colImgs];
    rowImgs.forEach((r, i) => figure.push(r, ...cells.slice(i * grid.columns, (i + 1) * grid.columns)));
    const png = await encodePng(
      labelledGrid(figure, {
        columns: grid.columns + 1,
        columnLabels: ['', ...colRefs.map(refLabel)],
        rowLabels: ['', ...rowRefs.map(refLabel)],
      }),
    );
    const args = ['npx', 'latentlab', 'mix', '--model', info.path];
    // the CLI's --rows/--cols have default seeds: an empty list says "only the latents"
    args.push('--rows', b.rows?.length ? formatSeeds(b.rows) : '');
    if (b.rowLatents?.length)
      args.push(
        '--row-latents',
        b.rowLatents.map((latent) => cliSource(studio.workspace, { latent })).join(','),
      );
    args.push('--cols', b.cols?.length ? formatSeeds(b.cols) : '');
    if (b.colLatents?.length)
      args.push(
        '--col-latents',
        b.colLatents.map((latent) => cliSource(studio.workspace, { latent })).join(','),
      );
    args.push('--layers', b.layers);
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
