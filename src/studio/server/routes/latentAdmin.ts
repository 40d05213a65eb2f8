import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError, LATENT_EXTENSION } from '../../../index.js';
import type { Studio } from '../app.js';
import { SAFE_NAME } from '../workspace.js';

/** A latent name a person typed, refused with a message that says what is allowed (not a regex). */
export function checkLatentName(name: string): string {
  if (!SAFE_NAME.test(name))
    throw new ArgumentError(
      `latent name '${name}': use letters, digits, '-', '_' and '.' only (no spaces), at most 100 characters, starting with a letter or digit`,
    );
  return name;
}

const stemOf = (path: string) => {
  const m = /^latents\/([^/]+)\.latent\.safetensors$/.exec(path);
  if (!m) throw new ArgumentError(`'${path}' is not a saved latent (latents/<name>${LATENT_EXTENSION})`);
  return checkLatentName(m[1]);
};

/** Renaming and deleting saved latents (the .latent.safetensors file and its PNG move together). */
export function registerLatentAdminRoutes({ app, workspace }: Studio): void {
  const dir = () => workspace.dir('latents');
  const exists = (f: string) =>
    stat(f).then(
      (s) => s.isFile(),
      () => false,
    );

  app.post<{ Body: { path: string; name: string } }>(
    '/api/latents/rename',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'name'],
          properties: { path: { type: 'string', maxLength: 400 }, name: { type: 'string', maxLength: 200 } },
        },
      },
    },
    async (req, reply) => {
      const from = stemOf(req.body.path);
      const to = checkLatentName(req.body.name);
      const src = join(dir(), `${from}${LATENT_EXTENSION}`);
      const dest = join(dir(), `${to}${LATENT_EXTENSION}`);
      if (!(await exists(src))) throw new ArgumentError(`no saved latent '${req.body.path}'`);
      if (from === to) return { path: req.body.path, image: `latents/${to}.png` };
      if (await exists(dest))
        return reply.status(409).send({ error: `latent '${to}' exists; pick another name`, statusCode: 409 });
      await rename(src, dest);
      await rename(join(dir(), `${from}.png`), join(dir(), `${to}.png`)).catch(() => undefined);
      return { path: `latents/${to}${LATENT_EXTENSION}`, image: `latents/${to}.png` };
    },
  );

  app.delete<{ Querystring: { path: string } }>(
    '/api/latents',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['path'],
          properties: { path: { type: 'string', maxLength: 400 } },
        },
      },
    },
    async (req) => {
      const stem = stemOf(req.query.path);
      const file = join(dir(), `${stem}${LATENT_EXTENSION}`);
      if (!(await exists(file))) throw new ArgumentError(`no saved latent '${req.query.path}'`);
      await rm(file);
      await rm(join(dir(), `${stem}.png`), { force: true });
      return { removed: req.query.path };
    },
  );
}
