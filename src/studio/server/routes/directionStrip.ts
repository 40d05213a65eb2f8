import {
  concatRows,
  formatCommand,
  RENDER_SPEC,
  renderedLatent,
  renderLatent,
  sliceRows,
  type Tensor,
} from '../../../index.js';
import type { RenderRequest } from '../../shared/api.js';
import { renderRequest } from '../edits.js';
import { gridPng } from '../gridPng.js';
import { renderBody, WORKSPACE_PATH } from '../schemas.js';
import type { Studio } from '../types.js';

type StripRequest = RenderRequest & {
  directions: string;
  component: number;
  layers?: [number, number];
  strengths: number[];
};

/**
 * POST /api/directions/strip: the shown latent (with its other edits) moved along one direction by each
 * of `strengths` (sigma units where the set knows them), as one PNG row: GANSpace's per-component strip.
 * Each tile is a `render` (this direction's edit last); x-latentlab-command holds those commands, joined
 * by ' && ', one per strength (out/strip-<i>.png).
 */
export function registerDirectionStripRoutes(studio: Studio): void {
  studio.app.post<{ Body: StripRequest }>(
    '/api/directions/strip',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['model', 'directions', 'component', 'strengths'],
          properties: {
            ...renderBody.properties,
            scale: { type: 'integer', minimum: 1, maximum: 8, default: 2 },
            directions: WORKSPACE_PATH,
            component: { type: 'integer', minimum: 0, maximum: 4096 },
            layers: renderBody.properties.edits.items.properties.layers,
            strengths: {
              type: 'array',
              items: { type: 'number', minimum: -100, maximum: 100 },
              minItems: 1,
              maxItems: 9,
            },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const model = await studio.models.get(b.model);
      // the other edits stay; this direction's own edit is replaced by each strength in turn
      const others = (b.edits ?? []).filter(
        (e) => !(e.directions === b.directions && e.component === b.component),
      );
      const tiles: Tensor<'float32'>[] = [];
      const commands: string[] = [];
      for (const [i, strength] of b.strengths.entries()) {
        // the render verb's latent with this direction's edit last (what `render --edit ...` draws)
        const edits = [
          ...others,
          { directions: b.directions, component: b.component, strength, layers: b.layers },
        ];
        const { options, deps } = renderRequest(
          studio.workspace,
          studio.models.info(b.model),
          model,
          { ...b, edits },
          { out: `out/strip-${i}.png` },
        );
        commands.push(formatCommand(RENDER_SPEC, options));
        tiles.push(await renderLatent(model, await renderedLatent(model, options, deps)));
      }
      const all = concatRows(tiles.map((t) => sliceRows(t, 0)));
      return reply
        .type('image/png')
        .header('x-latentlab-command', commands.join(' && '))
        .send(await gridPng(all, tiles.length, b.scale!));
    },
  );
}
