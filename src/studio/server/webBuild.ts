import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The web app's sources (absent in an installed package, which ships the built app). */
export const WEB_SOURCE = join(ROOT, 'src', 'studio', 'web');
/** Where `vite build` puts the app (gitignored; inside dist/ so `npm pack` ships it). */
export const WEB_BUILD = join(ROOT, 'dist', 'studio-web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the built app is missing or older than any source file. */
export function webBuildIsStale(): boolean {
  const index = join(WEB_BUILD, 'index.html');
  if (!existsSync(index)) return true;
  return existsSync(WEB_SOURCE) && newestMtime(WEB_SOURCE) > statSync(index).mtimeMs;
}

/**
 * Builds the web app with Vite when its sources are newer than the build (or `force`); returns the
 * folder to serve. Without sources (an installed package) the shipped build is used as is.
 */
export async function ensureWebBuild(
  opts: { force?: boolean; log?: (line: string) => void } = {},
): Promise<string> {
  if (!existsSync(WEB_SOURCE) || !(opts.force || webBuildIsStale())) return WEB_BUILD;
  const { build } = await import('vite');
  const started = Date.now();
  await build({
    configFile: false,
    root: WEB_SOURCE,
    base: './',
    logLevel: 'warn',
    cacheDir: join(tmpdir(), 'latentlab-vite-cache'),
    build: {
      outDir: WEB_BUILD,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      reportCompressedSize: false,
    },
  });
  opts.log?.(`built the studio web app in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${WEB_BUILD}`);
  return WEB_BUILD;
}
