import type { Studio } from '../app.js';
import { generateCommand, gridPng, renderSeeds, type SeedSpec } from '../render.js';
import { gridBody, modelParams } from '../schemas.js';

type SeedFields = Omit<SeedSpec, 'seeds'>;

/** Model list and info, and seed grids (PNG, with the equivalent CLI command in a header). */
export function registerModelRoutes({ app, models }: Studio): void {
  app.get('/api/models', async () => models.list());

  app.get<{ Params: { name: string } }>(
    '/api/models/:name',
    { schema: { params: modelParams } },
    async (req) => models.info(req.params.name),
  );

  app.post<{ Body: SeedFields & { model: string; seeds: number[]; columns: number; scale: number } }>(
    '/api/grid',
    { schema: { body: gridBody } },
    async (req, reply) => {
      const { model: name, columns, scale, ...spec } = req.body;
      const info = models.info(name);
      const images = await renderSeeds(await models.get(name), spec);
      const command = generateCommand(info.path, info.architecture, spec, 'out/grid', {
        grid: true,
        upscale: scale,
      });
      return reply
        .type('image/png')
        .header('x-latentlab-command', command)
        .send(await gridPng(images, columns, scale));
    },
  );
}
