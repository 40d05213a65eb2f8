import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArgumentError, encodePng, readImage } from '../../../index.js';
import type { FastifyRequest } from 'fastify';
import type { Studio } from '../types.js';
import { writeFileAtomic } from '../workspace.js';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.safetensors': 'application/octet-stream',
  '.npy': 'application/octet-stream',
};
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);
const CHECKPOINT_EXTENSIONS = new Set(['.pkl', '.pt', '.pth']);
/** Uploaded images are decoded with this pixel cap (a 4-MiB PNG can hold a decompression bomb). */
const MAX_UPLOAD_PIXELS = 16_000_000;

/** The request's file part; a malformed multipart body (no boundary, cut short) is the client's 400. */
async function uploadedFile(req: FastifyRequest, fileSize: number) {
  if (!req.isMultipart()) throw new ArgumentError('upload: send multipart/form-data with one file field');
  let part;
  try {
    part = await req.file({ limits: { fileSize } });
  } catch (err) {
    if (typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err;
    throw new ArgumentError(`upload: malformed multipart body: ${(err as Error).message}`);
  }
  if (!part) throw new ArgumentError('upload: no file in the request');
  return part;
}

/** A client-chosen file name for messages: printable, at most 100 characters. */
function shownName(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '_');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean || '<unnamed>';
}

/** Reading workspace files (GET /api/files/<path>) and uploading images (POST /api/uploads). */
export function registerWorkspaceRoutes({ app, workspace, limits }: Studio): void {
  app.get<{ Params: { '*': string } }>('/api/files/*', async (req, reply) => {
    const abs = workspace.resolve(decodeURIComponent(req.params['*'] ?? ''));
    const info = await stat(abs).catch(() => null);
    if (!info?.isFile())
      return reply
        .status(404)
        .send({ error: `no file '${req.params['*']}' in the workspace`, statusCode: 404 });
    const type = CONTENT_TYPES[extname(abs)] ?? 'application/octet-stream';
    return reply
      .type(type)
      .header('content-length', info.size)
      .header('cache-control', 'no-cache')
      .send(createReadStream(abs));
  });

  app.get('/api/files', async () => ({
    latents: await workspace.list('latents'),
    images: await workspace.list('images'),
    uploads: await workspace.list('uploads'),
  }));

  /** One image file (PNG, JPEG or WebP, at most the upload limit) -> uploads/<sha256>.png. */
  app.post('/api/uploads', async (req, reply) => {
    const part = await uploadedFile(req, limits.image);
    const shown = shownName(part.filename);
    if (!IMAGE_TYPES.has(part.mimetype)) {
      part.file.resume();
      return reply.status(415).send({
        error: `upload: '${shown}' is ${shownName(part.mimetype)}, which is not accepted (PNG, JPEG or WebP)`,
        statusCode: 415,
      });
    }
    let bytes: Buffer;
    try {
      bytes = await part.toBuffer(); // throws a 413 past the limit
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 413) throw err;
      return reply
        .status(413)
        .send({ error: `upload: '${shown}' is larger than ${limits.image} bytes`, statusCode: 413 });
    }
    const img = await readImage(bytes, { maxPixels: MAX_UPLOAD_PIXELS, name: `upload '${shown}'` });
    const png = await encodePng(img);
    const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.png`;
    await writeFileAtomic(join(workspace.dir('uploads'), name), png);
    return reply.status(201).send({
      path: `uploads/${name}`,
      width: img.width,
      height: img.height,
      channels: img.channels,
      original: part.filename,
    });
  });

  /**
   * A checkpoint for model import (.pkl, .pt, .pth), streamed to uploads/<name>-<sha8><ext>. It is only
   * stored here: the import-model job reads it through the safe unpickler.
   */
  app.post('/api/uploads/checkpoint', async (req, reply) => {
    const part = await uploadedFile(req, limits.checkpoint);
    const ext = extname(part.filename).toLowerCase();
    if (!CHECKPOINT_EXTENSIONS.has(ext)) {
      part.file.resume();
      return reply
        .status(415)
        .send({
          error: `upload: '${shownName(part.filename)}' is not a checkpoint (.pkl, .pt, .pth)`,
          statusCode: 415,
        });
    }
    const tmp = join(workspace.dir('uploads'), `.upload-${randomBytes(6).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const sink = createWriteStream(tmp);
    let stored: string | null = null;
    try {
      await pipeline(part.file, tap, sink);
      if (!part.file.truncated) {
        const stem =
          basename(part.filename, extname(part.filename))
            .replace(/[^A-Za-z0-9_.-]/g, '_')
            .replace(/^[._]+/, '')
            .slice(0, 60) || 'checkpoint';
        stored = `${stem}-${hash.digest('hex').slice(0, 8)}${ext}`;
        await rename(tmp, join(workspace.dir('uploads'), stored));
      }
    } finally {
      // a failed pipeline may still be opening the file: wait for it to close, and clean up before replying
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
      await rm(tmp, { force: true });
    }
    if (!stored)
      return reply.status(413).send({
        error: `upload: '${shownName(part.filename)}' is larger than ${limits.checkpoint} bytes`,
        statusCode: 413,
      });
    return reply.status(201).send({ path: `uploads/${stored}`, size, original: part.filename });
  });
}
