import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeLatent,
  encodeLatent,
  formatCommand,
  LATENT_EXTENSION,
  type LatentSpace,
  render,
  RENDER_SPEC,
} from '../../../index.js';
import type { Studio } from '../types.js';
import type { RenderRequest } from '../../shared/api.js';
import { renderRequest } from '../edits.js';
import { cliPath } from '../modelRegistry.js';
import { renderBody, saveLatentBody } from '../schemas.js';
import { writeFileAtomic } from '../workspace.js';
import { checkLatentName } from './latentAdmin.js';

/**
 * Latents: render one (from a seed or a saved file, edited along several directions, optionally with noise
 * resampled in a layer range) — `latentlab render`, the same library call — save one to
 * latents/<name>.latent.safetensors with a PNG beside it, list the saved ones.
 */
export function registerLatentRoutes(studio: Pick<Studio, 'app' | 'models' | 'workspace'>): void {
  const { app, models, workspace } = studio;

  app.post<{ Body: RenderRequest }>('/api/render', { schema: { body: renderBody } }, async (req, reply) => {
    const b = req.body;
    const model = await models.get(b.model);
    const { options, deps } = renderRequest(workspace, models.info(b.model), model, b, {
      out: 'out/render.png',
    });
    const { png } = await render(model, options, { ...deps, write: false });
    return reply
      .type('image/png')
      .header('x-latentlab-command', formatCommand(RENDER_SPEC, options))
      .send(png);
  });

  /**
   * Saves the latent a render request describes (a seed drawn into `space`, or a file, with edits and
   * noise applied) as latents/<name>.latent.safetensors, with its PNG beside it (`render --save-latent`).
   */
  app.post<{ Body: RenderRequest & { name: string; space?: LatentSpace; overwrite?: boolean } }>(
    '/api/latents',
    { schema: { body: saveLatentBody } },
    async (req, reply) => {
      const b = req.body;
      const name = checkLatentName(b.name);
      const model = await models.get(b.model);
      const file = join(workspace.dir('latents'), `${name}${LATENT_EXTENSION}`);
      const image = join(workspace.dir('latents'), `${name}.png`);
      const { options, deps } = renderRequest(workspace, models.info(b.model), model, b, {
        space: b.space,
        out: cliPath(image),
        saveLatent: cliPath(file),
      });
      const exists = await readFile(file).then(
        () => true,
        () => false,
      );
      if (exists && !b.overwrite)
        return reply
          .status(409)
          .send({ error: `latent '${name}' exists; pass overwrite to replace it`, statusCode: 409 });
      const { latent, png } = await render(model, options, { ...deps, write: false });
      await writeFileAtomic(image, png);
      await writeFileAtomic(file, encodeLatent(latent));
      return reply
        .status(201)
        .header('x-latentlab-command', formatCommand(RENDER_SPEC, options))
        .send({
          path: `latents/${name}${LATENT_EXTENSION}`,
          image: `latents/${name}.png`,
          space: latent.space,
          model: model.name,
        });
    },
  );

  app.get('/api/latents', async () => {
    const files = await workspace.list('latents', LATENT_EXTENSION);
    return Promise.all(
      files.map(async (f) => {
        const path = `latents/${f.name}`;
        try {
          const l = decodeLatent(await readFile(join(workspace.dir('latents'), f.name)), path);
          const image = `latents/${f.name.slice(0, -LATENT_EXTENSION.length)}.png`;
          return {
            path,
            image,
            model: l.model.name,
            space: l.space,
            rows: l.codes.shape[0],
            provenance: l.provenance,
            mtime: f.mtime,
          };
        } catch (e) {
          return { path, error: (e as Error).message, mtime: f.mtime };
        }
      }),
    );
  });
}
