import { formatCommand, GENERATE_SPEC, generateGridPng, resolveGenerateOptions } from '../../../index.js';
import type { Studio } from '../types.js';
import type { SeedFields } from '../../shared/api.js';
import { seedPartial } from '../latentRefs.js';
import { gridBody, modelParams } from '../schemas.js';

/** Model list and info, and seed grids (PNG, with the equivalent CLI command in a header). */
export function registerModelRoutes({ app, models }: Pick<Studio, 'app' | 'models'>): void {
  app.get('/api/models', async () => models.list());

  app.get<{ Params: { name: string } }>(
    '/api/models/:name',
    { schema: { params: modelParams } },
    async (req) => models.info(req.params.name),
  );

  // the grid is `generate --grid`'s grid.png, made by the same library call
  app.post<{
    Body: Partial<SeedFields> & { model: string; seeds: number[]; columns?: number; scale?: number };
  }>('/api/grid', { schema: { body: gridBody } }, async (req, reply) => {
    const b = req.body;
    const info = models.info(b.model);
    const o = resolveGenerateOptions(
      {
        model: info.path,
        seeds: b.seeds,
        ...seedPartial(b),
        grid: true,
        gridColumns: b.columns,
        upscale: b.scale,
        outdir: 'out/grid',
      },
      info,
    );
    const png = await generateGridPng(await models.get(b.model), o);
    return reply.type('image/png').header('x-latentlab-command', formatCommand(GENERATE_SPEC, o)).send(png);
  });
}
