import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { buildStudio, type Studio, type StudioOptions } from '../../src/studio/server/app.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHIPPED_MODELS = join(ROOT, 'models');
/**
 * The shipped bundles, each named: tests never see bundles a user added under models/ (the README's own
 * `import ... --out models/my-model` must not break `npm test`).
 */
export const SHIPPED_BUNDLES = [
  'fmnist-stylegan2',
  'fmnist-dcgan',
  'fmnist-classifier',
  'fmnist-encoder',
].map((n) => join(SHIPPED_MODELS, n));

export async function tempWorkspace(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'latentlab-studio-'));
}

/** A studio on the shipped models with a fresh (or given) workspace, not listening (use app.inject). */
export async function testStudio(opts: Partial<StudioOptions> = {}): Promise<Studio> {
  return buildStudio({
    workspace: opts.workspace ?? (await tempWorkspace()),
    modelDirs: SHIPPED_BUNDLES,
    webRoot: null,
    ...opts,
  });
}

/** Parses a server-sent-event stream into [event, data] pairs. */
export function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
      return { event, data: JSON.parse(data) as unknown };
    });
}

/** A multipart/form-data body with one file field, for fastify.inject. */
export function multipart(
  field: string,
  filename: string,
  type: string,
  bytes: Uint8Array,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----latentlabTestBoundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="${filename}"\r\ncontent-type: ${type}\r\n\r\n`;
  const payload = Buffer.concat([
    Buffer.from(head),
    Buffer.from(bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Raw pixels of a PNG response. */
export async function pixels(png: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}
