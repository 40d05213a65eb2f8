import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeLatent,
  encodeLatent,
  LATENT_EXTENSION,
  type Latent,
  latentFromSeeds,
  type LatentSpace,
  noiseVariations,
  parseLayerRange,
  renderLatent,
} from '../../../index.js';
import type { Studio } from '../app.js';
import { applyEdits, type EditRequest, editCommand } from '../edits.js';
import { cliSource, type LatentRef, resolveLatent, type SeedFields, seedFieldsOf } from '../latentRefs.js';
import { generateCommand, gridPng, shellWord } from '../render.js';
import { renderBody, saveLatentBody } from '../schemas.js';
import { writeFileAtomic } from '../workspace.js';
import { checkLatentName } from './latentAdmin.js';

export type RenderRequest = Partial<SeedFields> &
  LatentRef & {
    model: string;
    scale: number;
    /** Directions to move along, in order (after the latent is drawn or read, before noise resampling). */
    edits?: EditRequest[];
    /** Fresh noise in the layers of these ws rows ('fine', '0-3'), drawn from RandomState(seed). */
    resampleNoise?: { layers: string; seed: number };
  };

/** The latent a render request describes, and the CLI command that renders the same image. */
export async function requestedLatent(
  studio: Studio,
  b: RenderRequest,
): Promise<{ latent: Latent; command: string }> {
  const info = studio.models.info(b.model);
  const model = await studio.models.get(b.model);
  const fields = seedFieldsOf(b);
  let latent = await resolveLatent(studio.workspace, model, b, fields);
  const modelArgs = ['--model', info.path];
  let command =
    b.seed !== undefined
      ? generateCommand(info.path, info.architecture, { ...fields, seeds: [b.seed] }, 'out/seed', {
          upscale: b.scale,
        })
      : [
          'npx',
          'latentlab',
          'latent',
          'render',
          ...modelArgs,
          cliSource(studio.workspace, b),
          '--outdir',
          'out/latent',
        ]
          .map(shellWord)
          .join(' ');
  if (b.edits?.length) {
    latent = await applyEdits(studio.workspace, model, latent, b.edits);
    command = editCommand(studio.workspace, info, b, fields, b.edits);
  }
  if (b.resampleNoise) {
    const layers = parseLayerRange(model, b.resampleNoise.layers);
    latent = (await noiseVariations(model, latent, { count: 1, layers, seed: b.resampleNoise.seed })).latent;
    const args = [
      'npx',
      'latentlab',
      'noise',
      ...modelArgs,
      ...(b.seed !== undefined ? ['--seeds', String(b.seed)] : ['--keys', cliSource(studio.workspace, b)]),
    ];
    if (b.seed !== undefined && fields.psi !== 1) args.push('--trunc', String(fields.psi));
    args.push(
      '--layers',
      b.resampleNoise.layers,
      '--count',
      '1',
      '--seed',
      String(b.resampleNoise.seed),
      '--outdir',
      'out/noise',
    );
    command = args.map(shellWord).join(' ');
  }
  return { latent, command };
}

/**
 * Latents: render one (from a seed or a saved file, optionally with noise resampled in a layer range), save
 * one to latents/<name>.latent.safetensors with a PNG beside it, list the saved ones.
 */
export function registerLatentRoutes(studio: Studio): void {
  const { app, models, workspace } = studio;

  app.post<{ Body: RenderRequest }>('/api/render', { schema: { body: renderBody } }, async (req, reply) => {
    const { latent, command } = await requestedLatent(studio, req.body);
    const images = await renderLatent(await models.get(req.body.model), latent);
    return reply
      .type('image/png')
      .header('x-latentlab-command', command)
      .send(await gridPng(images, 8, req.body.scale));
  });

  /**
   * Saves the latent a render request describes (a seed drawn into `space`, or a file, with edits and
   * noise applied) as latents/<name>.latent.safetensors, with its PNG beside it.
   */
  app.post<{ Body: RenderRequest & { name: string; space: LatentSpace; overwrite: boolean } }>(
    '/api/latents',
    { schema: { body: saveLatentBody } },
    async (req, reply) => {
      const b = req.body;
      const name = checkLatentName(b.name);
      const model = await models.get(b.model);
      const space = model.architecture === 'dcgan' ? 'z' : b.space;
      const plainSeed = b.seed !== undefined && !b.edits?.length && !b.resampleNoise;
      const latent = plainSeed
        ? await latentFromSeeds(model, [b.seed!], { space, ...seedFieldsOf(b) })
        : (await requestedLatent(studio, b)).latent;
      const file = join(workspace.dir('latents'), `${name}${LATENT_EXTENSION}`);
      const exists = await readFile(file).then(
        () => true,
        () => false,
      );
      if (exists && !b.overwrite)
        return reply
          .status(409)
          .send({ error: `latent '${name}' exists; pass overwrite to replace it`, statusCode: 409 });
      await writeFileAtomic(
        join(workspace.dir('latents'), `${name}.png`),
        await gridPng(await renderLatent(model, latent), 1, 4),
      );
      await writeFileAtomic(file, encodeLatent(latent));
      return reply.status(201).send({
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
