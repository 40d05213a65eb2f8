/**
 * npm run bench:browser [-- --rounds N] — the studio's interactive path, browser vs server (issue 18):
 * - slider-move-to-pixels: in Chromium, a direction slider of the static explorer moved (mapping + synthesis
 *   on onnxruntime-web wasm, drawn to the canvas) vs a POST /api/render with a new truncation to the studio
 *   server (mapping + synthesis on onnxruntime-node, PNG encoded, fetched and decoded in the page);
 * - first load of the explorer: bytes fetched and time to the first rendered grid (cold browser cache).
 * Models: the shipped 32-px StyleGAN2 and NVIDIA's paper256 preset with random weights. Both sides get the
 * same threads (the explorer is served cross-origin isolated: wasm threads = min(4, cores); ORT node: default).
 * Medians of --rounds moves (default 15) after 3 warm-up moves. On a shared, loaded machine read the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { type GanModel, loadModel, sefa, writeBundle, writeDirections } from '../src/index.js';
import { hashTensors } from '../src/models/manifest.js';
import { stylegan2Dims } from '../src/models/manifest.js';
import { GanModel as Gan } from '../src/models/ganModel.js';
import { initGenerator, STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { buildStudio } from '../src/studio/server/app.js';
import { ensureWebBuild } from '../src/studio/server/webBuild.js';
import { exportWeb } from '../src/studio/webExport.js';
import { serveStatic } from '../test/web/staticServer.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 15;
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-bench-browser-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function paper256(): GanModel {
  const cfg = STYLEGAN2_PRESETS.paper256.generator;
  const g = initGenerator(cfg, 0);
  return new Gan(
    {
      format: 'latentlab-bundle',
      version: 1,
      name: 'paper256-random',
      architecture: 'stylegan2',
      generator: cfg,
      ...stylegan2Dims(cfg),
      provenance: { format: 'random-init', source: 'bench/browser.ts', created: new Date(0).toISOString() },
      contentHash: hashTensors({ G: g }),
      weightsDtype: 'float32',
    } as GanModel['manifest'],
    g,
  );
}

/** In the page: move `selector` through values, timing input event -> canvas redrawn (data-version bumped). */
async function sliderMoves(page: Page, testId: string, n: number): Promise<number[]> {
  return (await page.evaluate(
    `(async () => {
      const slider = document.querySelector('[data-testid="${testId}"]');
      const canvas = document.querySelector('[data-testid="latent"]');
      const times = [];
      for (let i = 0; i < ${n + 3}; i++) {
        const v = canvas.dataset.version;
        const t0 = performance.now();
        slider.value = String(((i % 10) - 5) * 0.5 + 0.1);
        slider.dispatchEvent(new Event('input'));
        while (canvas.dataset.version === v) await new Promise((r) => requestAnimationFrame(r));
        if (i >= 3) times.push(performance.now() - t0);
      }
      return times;
    })()`,
  )) as number[];
}

/** In the studio page: POST /api/render with a new psi, fetch the PNG, decode it (what an <img> update costs). */
async function serverMoves(page: Page, model: string, n: number): Promise<number[]> {
  return (await page.evaluate(
    `(async () => {
      const times = [];
      for (let i = 0; i < ${n + 3}; i++) {
        const t0 = performance.now();
        const res = await fetch('/api/render', { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: ${JSON.stringify(model)}, seed: 0, psi: 0.5 + (i % 10) * 0.05, scale: 1 }) });
        const bitmap = await createImageBitmap(await res.blob());
        bitmap.close();
        if (i >= 3) times.push(performance.now() - t0);
      }
      return times;
    })()`,
  )) as number[];
}

async function main(): Promise<void> {
  const models = [await loadModel(join(import.meta.dirname, '..', 'models', 'fmnist-stylegan2')), paper256()];
  const modelDir = join(tmp, 'models');
  for (const m of models) await writeBundle(join(modelDir, m.name), m);
  const studio = await buildStudio({ workspace: join(tmp, 'ws'), modelDirs: [modelDir], webRoot: await ensureWebBuild() });
  const studioUrl = await studio.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const log = (line: string) => console.log(line);
  try {
    for (const m of models) {
      const dirs = join(tmp, `${m.name}.directions.safetensors`);
      await writeDirections(dirs, sefa(m, {}).set);
      const page = await browser.newPage();
      await page.goto(studioUrl);
      const serverMs = await serverMoves(page, m.name, rounds);
      log(`${m.name}: server round trip (POST /api/render, PNG decoded): median ${median(serverMs).toFixed(1)} ms`);
      await page.close();
      for (const fp16 of [false, true]) {
        const out = join(tmp, `${m.name}${fp16 ? '-fp16' : ''}`);
        const exp = await exportWeb(m, out, { directions: [dirs], fp16, webgpu: false });
        const server = await serveStatic(out, { isolate: true });
        const context = await browser.newContext();
        const page = await context.newPage();
        let bytes = 0;
        page.on('response', async (r) => {
          bytes += Number((await r.allHeaders())['content-length'] ?? 0);
        });
        const t0 = Date.now();
        await page.goto(`${server.url}?grid=4`);
        await page.waitForSelector('body[data-ready="true"], #status.error', { timeout: 600_000 });
        const firstLoad = Date.now() - t0;
        const threads = await page.locator('body').getAttribute('data-threads');
        const browserMs = fp16 ? [] : await sliderMoves(page, `slider-${m.name}.directions-0`, rounds);
        log(
          `${m.name}${fp16 ? ' fp16' : ''}: first load ${(bytes / 1e6).toFixed(1)} MB fetched (${(exp.firstLoadBytes / 1e6).toFixed(1)} MB on disk) in ${(firstLoad / 1000).toFixed(1)} s (a 4-seed grid + one view rendered)` +
            (browserMs.length ? `; slider move -> pixels, wasm x${threads}: median ${median(browserMs).toFixed(1)} ms` : ''),
        );
        await context.close();
        await server.close();
      }
    }
  } finally {
    await browser.close();
    await studio.app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
