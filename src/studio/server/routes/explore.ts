import {
  encodePng,
  formatCommand,
  INTERPOLATE_SPEC,
  interpolateVerb,
  MIX_SPEC,
  mixVerb,
} from '../../../index.js';
import type { Studio } from '../types.js';
import type { InterpolateRequest, MixRequest } from '../../shared/api.js';
import { interpolateOptions, mixOptions } from '../exploration.js';
import { interpolateBody, mixBody } from '../schemas.js';

/**
 * Style-mixing matrices and interpolation strips: `mix` and `interpolate` with the request's options (the
 * PNG they write), the command in x-latentlab-command.
 */
export function registerExploreRoutes(studio: Studio): void {
  const { app, models } = studio;

  app.post<{ Body: MixRequest }>('/api/mix', { schema: { body: mixBody } }, async (req, reply) => {
    const o = mixOptions(studio, req.body);
    const model = await models.get(req.body.model);
    const r = await mixVerb(model, o, { write: false });
    return reply
      .type('image/png')
      .header('x-latentlab-command', formatCommand(MIX_SPEC, o))
      .header('x-latentlab-layers', r.layers.join(','))
      .send(await encodePng(r.figure));
  });

  app.post<{ Body: InterpolateRequest }>(
    '/api/interpolate',
    { schema: { body: interpolateBody } },
    async (req, reply) => {
      const o = interpolateOptions(studio, req.body);
      const model = await models.get(req.body.model);
      const r = await interpolateVerb(model, o, { write: false });
      return reply
        .type('image/png')
        .header('x-latentlab-command', formatCommand(INTERPOLATE_SPEC, o))
        .header('x-latentlab-frames', String(r.frames.length))
        .send(await encodePng(r.figure));
    },
  );
}
