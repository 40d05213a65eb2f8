import { existsSync } from 'node:fs';
import { ArgumentError, readTarget } from '../../../index.js';
import type { Studio } from '../app.js';
import { gridPng } from '../gridPng.js';
import { MODEL_NAME, WORKSPACE_PATH } from '../schemas.js';

/**
 * POST /api/targets/preview: an uploaded image as a projection will see it (resized to the model's
 * resolution, greyscaled for a one-channel model), upscaled for display.
 */
export function registerTargetRoutes({ app, models, workspace }: Studio): void {
  app.post<{ Body: { model: string; image: string; scale: number } }>(
    '/api/targets/preview',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['model', 'image'],
          properties: {
            model: MODEL_NAME,
            image: WORKSPACE_PATH,
            scale: { type: 'integer', minimum: 1, maximum: 16, default: 4 },
          },
        },
      },
    },
    async (req, reply) => {
      const file = workspace.resolve(req.body.image);
      if (!existsSync(file)) throw new ArgumentError(`target: no file '${req.body.image}' in the workspace`);
      const target = await readTarget(file, await models.get(req.body.model));
      return reply.type('image/png').send(await gridPng(target, 1, req.body.scale));
    },
  );
}
