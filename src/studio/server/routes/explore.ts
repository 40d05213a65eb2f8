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
import type { SeedFields } from '../latentRefs.js';

import { interpolateBody, mixBody } from '../schemas.js';

export interface MixRequest extends Partial<SeedFields> {
  model: string;
  rows: number[];
  cols: number[];
  layers: string;
  scale: number;
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
