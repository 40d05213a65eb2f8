import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../../index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The web app's sources (absent in an installed package, which ships the built app). */
export const WEB_SOURCE = join(ROOT, 'src', 'studio', 'web');
/** Where `vite build` puts the app (gitignored; inside dist/ so `npm pack` ships it). */
export const WEB_BUILD = join(ROOT, 'dist', 'studio-web');
/** The static explorer's page (`export --web`); its engine is shared with the studio (web/src/engine). */
export const EXPLORER_SOURCE = join(WEB_SOURCE, 'explorer');
/** Where its build goes (shipped in dist/ like the studio app: an installed latentlab needs no Vite). */
export const EXPLORER_BUILD = join(ROOT, 'dist', 'explorer-web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the built app is missing or older than any source file. */
export function webBuildIsStale(build = WEB_BUILD): boolean {
  const index = join(build, 'index.html');
  if (!existsSync(index)) return true;
  // the explorer imports the shared engine and formats/gifEncode.ts: any web source counts
  const sources = [WEB_SOURCE, ...(build === EXPLORER_BUILD ? [join(ROOT, 'src', 'formats', 'gifEncode.ts')] : [])];
  return sources.some((s) => existsSync(s) && (statSync(s).isDirectory() ? newestMtime(s) : statSync(s).mtimeMs) > statSync(index).mtimeMs);
}

/** onnxruntime-web's dist folder (ort*.mjs + wasm), served to pages and copied by `export --web`. */
export function ortWebDist(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    throw new ArgumentError('onnxruntime-web is not installed (npm install onnxruntime-web): the browser runtime needs its wasm files');
  }
}

/** The files of onnxruntime-web a page loads: the wasm build, and the WebGPU build when wanted. */
export function ortWebFiles(webgpu: boolean): string[] {
  const wasm = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];
  const gpu = ['ort.webgpu.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
  return webgpu ? [...wasm, ...gpu] : wasm;
}

/**
 * The explorer's built page (index.html + assets/): rebuilt with Vite when its sources are newer (a checkout),
 * else the build shipped in dist/ (an installed package). Neither: a clear error.
 */
export async function ensureExplorerBuild(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const haveSources = existsSync(join(EXPLORER_SOURCE, 'index.html'));
  if (!haveSources || !(opts.force || webBuildIsStale(EXPLORER_BUILD))) {
    if (!existsSync(join(EXPLORER_BUILD, 'index.html')))
      throw new ArgumentError(`the explorer page is not built (${EXPLORER_BUILD}) and its sources are absent: reinstall latentlab`);
    return EXPLORER_BUILD;
  }
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new ArgumentError(`building the explorer page needs Vite (a dev dependency): run npm install in ${ROOT}`);
  }
  const started = Date.now();
  await vite.build({
    configFile: false,
    root: EXPLORER_SOURCE,
    base: './',
    logLevel: 'warn',
    cacheDir: join(tmpdir(), 'latentlab-vite-cache-explorer'),
    build: { outDir: EXPLORER_BUILD, emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  });
  opts.log?.(`built the explorer page in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${EXPLORER_BUILD}`);
  return EXPLORER_BUILD;
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
