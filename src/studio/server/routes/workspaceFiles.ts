import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ArgumentError, encodePng, readImage } from '../../../index.js';
import type { Studio } from '../app.js';
import { writeFileAtomic } from '../workspace.js';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.safetensors': 'application/octet-stream',
  '.npy': 'application/octet-stream',
};
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);
/** Uploaded images are decoded with this pixel cap (a 4-MiB PNG can hold a decompression bomb). */
const MAX_UPLOAD_PIXELS = 16_000_000;

/** Reading workspace files (GET /api/files/<path>) and uploading images (POST /api/uploads). */
export function registerWorkspaceRoutes({ app, workspace }: Studio): void {
  app.get<{ Params: { '*': string } }>('/api/files/*', async (req, reply) => {
    const abs = workspace.resolve(decodeURIComponent(req.params['*'] ?? ''));
    const info = await stat(abs).catch(() => null);
    if (!info?.isFile()) return reply.status(404).send({ error: `no file '${req.params['*']}' in the workspace`, statusCode: 404 });
    const type = CONTENT_TYPES[extname(abs)] ?? 'application/octet-stream';
    return reply.type(type).header('content-length', info.size).header('cache-control', 'no-cache').send(createReadStream(abs));
  });

  app.get('/api/files', async () => ({
    latents: await workspace.list('latents'),
    images: await workspace.list('images'),
    uploads: await workspace.list('uploads'),
  }));

  /** One image file (PNG, JPEG or WebP, at most the upload limit) -> uploads/<sha256>.png. */
  app.post('/api/uploads', async (req, reply) => {
    if (!req.isMultipart()) throw new ArgumentError('upload: send multipart/form-data with one file field');
    const part = await req.file();
    if (!part) throw new ArgumentError('upload: no file in the request');
    if (!IMAGE_TYPES.has(part.mimetype)) {
      part.file.resume();
      return reply.status(415).send({ error: `upload: ${part.mimetype} is not accepted (PNG, JPEG or WebP)`, statusCode: 415 });
    }
    const bytes = await part.toBuffer(); // throws a 413 past the limit
    const img = await readImage(bytes, { maxPixels: MAX_UPLOAD_PIXELS });
    const png = await encodePng(img);
    const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.png`;
    await writeFileAtomic(join(workspace.dir('uploads'), name), png);
    return reply.status(201).send({ path: `uploads/${name}`, width: img.width, height: img.height, channels: img.channels, original: part.filename });
  });
}
