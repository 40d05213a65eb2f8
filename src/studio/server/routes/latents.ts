import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  decodeLatent,
  encodeLatent,
  LATENT_EXTENSION,
  type Latent,
  latentFromSeeds,
  type LatentSpace,
  renderLatent,
  selectRows,
} from '../../../index.js';
import type { Studio } from '../app.js';
import { generateCommand, gridPng, type SeedSpec } from '../render.js';
import { renderBody, saveLatentBody } from '../schemas.js';
import { Workspace, writeFileAtomic } from '../workspace.js';

type SeedFields = Omit<SeedSpec, 'seeds'>;
export type RenderRequest = Partial<SeedFields> & {
  model: string;
  seed?: number;
  latent?: string;
  row?: number;
  scale: number;
};

/** Reads a latent file named by a workspace path (traversal-checked), for `model`. */
async function readWorkspaceLatent({ workspace }: Studio, path: string): Promise<Latent> {
  if (!path.endsWith(LATENT_EXTENSION))
    throw new ArgumentError(`latent: '${path}' is not a ${LATENT_EXTENSION} file`);
  const abs = workspace.resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(abs);
  } catch {
    throw new ArgumentError(`latent: no file '${path}' in the workspace`);
  }
  return decodeLatent(bytes, path);
}

/**
 * Latents: render one (from a seed or a saved file), save one to latents/<name>.latent.safetensors with a
 * PNG beside it, list the saved ones.
 */
export function registerLatentRoutes(studio: Studio): void {
  const { app, models, workspace } = studio;

  app.post<{ Body: RenderRequest }>('/api/render', { schema: { body: renderBody } }, async (req, reply) => {
    const b = req.body;
    const info = models.info(b.model);
    const model = await models.get(b.model);
    let latent: Latent;
    let command = '';
    if ((b.seed === undefined) === (b.latent === undefined))
      throw new ArgumentError('render: pass exactly one of seed and latent');
    if (b.seed !== undefined) {
      const spec: SeedSpec = {
        psi: b.psi ?? 1,
        cutoff: b.cutoff ?? null,
        noiseMode: b.noiseMode ?? 'const',
        noiseSeed: b.noiseSeed ?? 0,
        seeds: [b.seed],
      };
      latent = await latentFromSeeds(model, [b.seed], {
        psi: spec.psi,
        cutoff: spec.cutoff,
        noiseMode: spec.noiseMode,
        noiseSeed: spec.noiseSeed,
      });
      command = generateCommand(info.path, info.architecture, spec, 'out/seed', { upscale: b.scale });
    } else {
      latent = await readWorkspaceLatent(studio, b.latent!);
      if (b.row !== undefined) latent = selectRows(latent, [b.row]);
    }
    const images = await renderLatent(model, latent);
    return reply
      .type('image/png')
      .header('x-latentlab-command', command)
      .send(await gridPng(images, 8, b.scale));
  });

  app.post<{
    Body: SeedFields & { model: string; seed: number; name: string; space: LatentSpace; overwrite: boolean };
  }>('/api/latents', { schema: { body: saveLatentBody } }, async (req, reply) => {
    const b = req.body;
    const name = Workspace.checkName(b.name, 'latent name');
    const model = await models.get(b.model);
    const space = model.architecture === 'dcgan' ? 'z' : b.space;
    const latent = await latentFromSeeds(model, [b.seed], {
      space,
      psi: b.psi,
      cutoff: b.cutoff,
      noiseMode: b.noiseMode,
      noiseSeed: b.noiseSeed,
    });
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
      space,
      model: model.name,
    });
  });

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
