// The exported graphs on onnxruntime-web in Debian's Chromium (playwright-core, executablePath /usr/bin/chromium;
// no browser is ever downloaded), one browser for every check:
// - `export --web` pages served by a plain static server render seeds 0-7 (psi 0.7, const noise) with the pixels
//   of `latentlab generate` within 1/255 (float reassociation between wasm and native kernels may move a value
//   across a rounding boundary) for the shipped StyleGAN2, the shipped DCGAN and fixture A's pickle after import;
// - the page works offline: no request leaves its origin, and direction sliders change the image;
// - served with COOP/COEP headers it runs wasm with threads, and still matches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GanModel, loadModel, mapZ, sampleZ, sefa, synthesize, toImages, writeBundle, writeDirections } from '../../src/index.js';
import { exportWeb } from '../../src/studio/webExport.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';
import { SHIPPED_MODELS } from '../studio/helpers.js';
import { haveChromium, CHROMIUM } from './chromium.js';
import { serveStatic } from './staticServer.js';
import sharp from 'sharp';
import { ensureWebBuild } from '../../src/studio/server/webBuild.js';
import { testStudio } from '../studio/helpers.js';

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-web-'));
let browser: Browser;

/** generate's 8-bit pixels for seeds 0-7 at psi 0.7 (StyleGAN2) with const noise; [image][y][x][c] flattened as RGB. */
async function generated(model: GanModel): Promise<Uint8Array[]> {
  const z = sampleZ(model, SEEDS);
  const img = model.architecture === 'stylegan2' ? await synthesize(model, await mapZ(model, z, { psi: 0.7 }), { noiseMode: 'const' }) : await synthesize(model, z);
  return toImages(img).map((im) => Uint8Array.from({ length: im.width * im.height * 3 }, (_, k) => im.data[Math.floor(k / 3) * im.channels + (im.channels === 1 ? 0 : k % 3)]));
}

/** A canvas's RGBA bytes (evaluated as a string: the test tsconfig has no DOM types). */
async function canvasPixels(page: Page, testId: string): Promise<number[]> {
  return (await page.evaluate(
    `(() => { const c = document.querySelector('[data-testid="${testId}"]'); return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); })()`,
  )) as number[];
}

/** The seed grid's canvas pixels, cut into tiles (8 columns at native resolution) as RGB. */
async function gridTiles(page: Page, res: number, count: number): Promise<Uint8Array[]> {
  const rgba = await canvasPixels(page, 'seed-grid');
  const width = 8 * res;
  return Array.from({ length: count }, (_, i) => {
    const out = new Uint8Array(res * res * 3);
    const x0 = (i % 8) * res;
    const y0 = Math.floor(i / 8) * res;
    for (let y = 0; y < res; y++)
      for (let x = 0; x < res; x++) for (let c = 0; c < 3; c++) out[(y * res + x) * 3 + c] = rgba[((y0 + y) * width + x0 + x) * 4 + c];
    return out;
  });
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Serves `dir`, opens the page, waits for its first render; records every request URL. */
async function open(dir: string, isolate = false): Promise<{ page: Page; origin: string; requests: string[]; close: () => Promise<void> }> {
  const server = await serveStatic(dir, { isolate });
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"], #status.error', { timeout: 180_000 });
  const status = await page.locator('#status').textContent();
  expect(await page.locator('#status.error').count(), status ?? '').toBe(0);
  return {
    page,
    origin: new URL(server.url).origin,
    requests,
    close: async () => {
      await page.close();
      await server.close();
    },
  };
}

/** Shows seeds 0-7 at psi 0.7 and checks them against generate's pixels. */
async function expectSeedsMatch(page: Page, model: GanModel): Promise<void> {
  const version = Number(await page.getByTestId('seed-grid').getAttribute('data-version'));
  await page.getByTestId('grid-count').fill('8');
  await page.getByTestId('grid-count').dispatchEvent('change');
  await expect.poll(async () => Number(await page.getByTestId('seed-grid').getAttribute('data-version')), { timeout: 60_000 }).toBeGreaterThan(version);
  const theirs = await gridTiles(page, model.resolution, 8);
  const ours = await generated(model);
  const diffs = ours.map((o, i) => maxDiff(o, theirs[i]));
  expect(Math.max(...diffs), `per-seed max |diff| ${diffs}`).toBeLessThanOrEqual(1);
}

describe.skipIf(!haveChromium)('exported graphs on onnxruntime-web in Chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the static StyleGAN2 explorer matches generate, stays on its origin, and its sliders move the image', async () => {
    const model = await loadModel(join(SHIPPED_MODELS, 'fmnist-stylegan2'));
    const dirs = join(tmp, 'sefa.safetensors');
    await writeDirections(dirs, sefa(model, {}).set);
    const out = join(tmp, 'sg2');
    await exportWeb(model, out, { directions: [dirs], webgpu: false });
    const { page, origin, requests, close } = await open(out);
    try {
      await expectSeedsMatch(page, model);
      const latent = page.getByTestId('latent');
      const pixels = async () => (await canvasPixels(page, 'latent')).join(',');
      const before = await pixels();
      const v = Number(await latent.getAttribute('data-version'));
      await page.getByTestId('slider-sefa-0').fill('3');
      await expect.poll(async () => Number(await latent.getAttribute('data-version')), { timeout: 60_000 }).toBeGreaterThan(v);
      expect(await pixels()).not.toBe(before);
      const v2 = Number(await latent.getAttribute('data-version'));
      await page.getByTestId('slider-sefa-0').fill('0');
      await expect.poll(async () => Number(await latent.getAttribute('data-version')), { timeout: 60_000 }).toBeGreaterThan(v2);
      expect(await pixels()).toBe(before); // back at 0: the same image
      const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
      expect(foreign).toEqual([]);
      expect(requests.some((u) => u.includes('/ort/ort-wasm-simd-threaded.wasm'))).toBe(true);
    } finally {
      await close();
    }
  });

  it('the DCGAN page, cross-origin isolated (wasm threads), matches generate', async () => {
    const model = await loadModel(join(SHIPPED_MODELS, 'fmnist-dcgan'));
    const out = join(tmp, 'dcgan');
    await exportWeb(model, out, { webgpu: false });
    const { page, close } = await open(out, true);
    try {
      expect(await page.evaluate('crossOriginIsolated')).toBe(true);
      expect(Number(await page.locator('body').getAttribute('data-threads'))).toBeGreaterThan(1);
      await expectSeedsMatch(page, model);
    } finally {
      await close();
    }
  });

  it.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))("fixture A's NVIDIA pickle, imported, matches generate in the page", async () => {
    const bundle = join(tmp, 'A-bundle');
    await writeBundle(bundle, await loadModel(fixtureCase('A_nvidia_sg2ada_uncond32').path('network-snapshot-000000.pkl')));
    const model = await loadModel(bundle);
    const out = join(tmp, 'A');
    await exportWeb(model, out, { webgpu: false });
    const { page, close } = await open(out);
    try {
      await expectSeedsMatch(page, model);
    } finally {
      await close();
    }
  });

  it("the studio's auto compute mode moves the 32-px model's renders into the page once its graphs load: grid, mixing and interpolation with the server's pixels", async () => {
    const studio = await testStudio({ webRoot: await ensureWebBuild() });
    const url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
    const page = await browser.newPage();
    try {
      const apiRequests: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/onnx/') || /\/api\/(grid|mix|interpolate)$/.test(r.url())) apiRequests.push(new URL(r.url()).pathname);
      });
      await page.goto(url); // no setting stored: auto
      await page.waitForSelector('body[data-ready="true"]');
      // auto: the first grid comes from the server while the graphs load in the background
      await expect.poll(() => apiRequests.includes('/api/grid'), { timeout: 60_000 }).toBe(true);
      await expect.poll(() => page.getByTestId('browser-compute-status').textContent(), { timeout: 180_000 }).toMatch(/fmnist-stylegan2: wasm × \d+ threads/);
      expect(await page.evaluate('crossOriginIsolated')).toBe(true); // the studio sends COOP/COEP
      expect(apiRequests.some((p) => /\/onnx\/[0-9a-f]{64}\/synthesis\.onnx$/.test(p))).toBe(true);

      /** The request the page answered last, made by the server too: both PNGs as grey pixels. */
      const localAndServer = async (testId: string, path: string) => {
        await expect.poll(async () => JSON.parse((await page.getByTestId('browser-compute-status').getAttribute('data-request')) ?? '{}').url, { timeout: 120_000 }).toBe(path);
        await expect.poll(async () => (await page.getByTestId(testId).getAttribute('src')) ?? '', { timeout: 60_000 }).toMatch(/^blob:/);
        const pngs = (await page.evaluate(`(async () => {
          const { url, body } = JSON.parse(document.querySelector('[data-testid="browser-compute-status"]').dataset.request);
          const local = await (await fetch(document.querySelector('[data-testid="${testId}"]').src)).arrayBuffer();
          const server = await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).arrayBuffer();
          return [Array.from(new Uint8Array(local)), Array.from(new Uint8Array(server))];
        })()`)) as number[][];
        return Promise.all(pngs.map((p) => sharp(Buffer.from(p)).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })));
      };
      const expectSame = ([a, b]: { data: Buffer; info: { width: number; height: number } }[]) => {
        expect([a.info.width, a.info.height]).toEqual([b.info.width, b.info.height]);
        expect(maxDiff(new Uint8Array(a.data), new Uint8Array(b.data))).toBeLessThanOrEqual(1);
      };
      const served = (path: string) => apiRequests.filter((p) => p === path).length;

      // style mixing (rows 1-4 x columns 10-13, coarse layers): made in the page, equal to the server's figure
      await page.getByTestId('mix-go').click();
      expectSame(await localAndServer('mix-image', '/api/mix'));
      expect(served('/api/mix')).toBe(1); // the comparison's own request, not the page's

      // an interpolation strip between two seeds (the shown seed 0, then seed 26 picked on the grid)
      await page.getByTestId('interp-add').click();
      const grid = page.getByTestId('seed-grid');
      const box = (await grid.boundingBox())!;
      await grid.click({ position: { x: (2.5 * box.width) / 8, y: box.height * 0.75 } }); // seed 26
      await expect.poll(() => page.getByTestId('latent-title').textContent(), { timeout: 60_000 }).toContain('seed 26');
      await page.getByTestId('interp-add').click();
      await expect.poll(() => page.getByTestId('keyframe').count(), { timeout: 30_000 }).toBe(2);
      for (const i of [0, 1]) // thumbnails drawn first, so the last request the page answers is the strip
        await expect.poll(() => page.getByTestId('keyframe').nth(i).locator('img').evaluate((im) => (im as unknown as { naturalWidth: number }).naturalWidth), { timeout: 60_000 }).toBeGreaterThan(0);
      await page.getByTestId('interp-preview').click();
      expectSame(await localAndServer('interp-strip', '/api/interpolate'));
      expect(served('/api/interpolate')).toBe(1);
    } finally {
      await page.close();
      await studio.app.close();
    }
  });
});
