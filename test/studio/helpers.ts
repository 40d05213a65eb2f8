import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStudio, type Studio, type StudioOptions } from '../../src/studio/server/app.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHIPPED_MODELS = join(ROOT, 'models');

export async function tempWorkspace(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'latentlab-studio-'));
}

/** A studio on the shipped models with a fresh (or given) workspace, not listening (use app.inject). */
export async function testStudio(opts: Partial<StudioOptions> = {}): Promise<Studio> {
  return buildStudio({
    workspace: opts.workspace ?? (await tempWorkspace()),
    modelDirs: [SHIPPED_MODELS],
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
