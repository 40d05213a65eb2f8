// The studio in Debian's Chromium (playwright-core, executablePath /usr/bin/chromium; no browser is ever
// downloaded): open it, generate a grid, open a latent, move a slider and see the image change, save the
// latent, run an export job and watch its progress. Screenshots go to test-artefacts/studio/.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import { ensureWebBuild } from '../../src/studio/server/webBuild.js';
import { ROOT, testStudio } from './helpers.js';

const CHROMIUM = process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-artefacts', 'studio');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium missing on CI: ${CHROMIUM} (apt-get install chromium)`);

let studio: Studio;
let browser: Browser;
let page: Page;
let url: string;

/** An <img>'s PNG (fetched inside the page from its blob: URL): size and a digest of its decoded pixels. */
async function pixelDigest(selector: string): Promise<string> {
  const src = (await page.locator(selector).getAttribute('src'))!;
  const bytes = await page.evaluate(
    async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())),
    src,
  );
  const { data, info } = await sharp(Buffer.from(bytes)).raw().toBuffer({ resolveWithObject: true });
  return `${info.width}x${info.height}:${createHash('sha256').update(data).digest('hex')}`;
}

/** Waits until the <img> has shown a newer response than `after` (imageRequests bumps data-version). */
async function nextVersion(testId: string, after: number): Promise<number> {
  const loc = page.getByTestId(testId);
  await expect
    .poll(async () => Number((await loc.getAttribute('data-version')) ?? 0), { timeout: 30_000 })
    .toBeGreaterThan(after);
  return Number(await loc.getAttribute('data-version'));
}

describe.skipIf(!haveChromium)('studio in Chromium', () => {
  beforeAll(async () => {
    const webRoot = await ensureWebBuild();
    studio = await testStudio({ webRoot, concurrency: 1 });
    url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.app.close();
  });

  it('opens and draws the seed grid of the first shipped model', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).toBe('fmnist-stylegan2');
    await nextVersion('seed-grid', 0);
    expect(await pixelDigest('[data-testid="seed-grid"]')).toMatch(/^768x384:/); // 32 seeds, 8 columns, 32 px × 3
    await expect
      .poll(() => page.getByTestId('grid-command-text').textContent())
      .toContain('--seeds 0-31 --trunc 0.7');
    await page.screenshot({ path: join(SHOTS, '1-grid.png'), fullPage: true });
  });

  it('regenerates the grid for typed seeds', async () => {
    const v = Number(await page.getByTestId('seed-grid').getAttribute('data-version'));
    await page.getByTestId('seeds-input').fill('100-115');
    await page.getByTestId('generate').click();
    await nextVersion('seed-grid', v);
    expect(await pixelDigest('[data-testid="seed-grid"]')).toMatch(/^768x192:/);
  });

  it('opens a clicked latent; moving the truncation slider changes its image', async () => {
    const grid = page.getByTestId('seed-grid');
    const box = (await grid.boundingBox())!;
    const v0 = Number((await page.getByTestId('latent-image').getAttribute('data-version')) ?? 0);
    await grid.click({ position: { x: (2.5 * box.width) / 8, y: box.height * 0.75 } }); // column 2, row 1: seed 110
    await expect.poll(() => page.getByTestId('latent-title').textContent()).toContain('seed 110');
    const v1 = await nextVersion('latent-image', v0);
    const before = await pixelDigest('[data-testid="latent-image"]');
    await page.getByTestId('latent-psi').focus();
    await page.keyboard.press('Home'); // ψ = 0: every seed becomes the average image
    await expect.poll(() => page.locator('[data-testid="latent-psi"] + output').textContent()).toBe('0.00');
    await nextVersion('latent-image', v1);
    const after = await pixelDigest('[data-testid="latent-image"]');
    expect(after).not.toBe(before);
    await expect
      .poll(() => page.getByTestId('latent-command-text').textContent())
      .toContain('--seeds 110 --trunc 0');
    await page.screenshot({ path: join(SHOTS, '2-latent-psi0.png'), fullPage: true });
    for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowRight'); // back to ψ = 0.70 in steps of 0.05
    await expect.poll(() => page.locator('[data-testid="latent-psi"] + output').textContent()).toBe('0.70');
  });

  it('saves the latent to the workspace and lists it', async () => {
    await page.getByTestId('latent-name').fill('boot-110');
    await page.getByTestId('latent-save').click();
    await expect.poll(() => page.getByTestId('saved-latent').count()).toBe(1);
    expect(existsSync(join(studio.workspace.root, 'latents', 'boot-110.latent.safetensors'))).toBe(true);
  });

  it('resamples the noise of the fine layers and sees the image change', async () => {
    const v = Number(await page.getByTestId('latent-image').getAttribute('data-version'));
    const before = await pixelDigest('[data-testid="latent-image"]');
    await page.getByTestId('noise-layers').selectOption('fine');
    await page.getByTestId('noise-resample').click();
    await nextVersion('latent-image', v);
    expect(await pixelDigest('[data-testid="latent-image"]')).not.toBe(before);
    await expect
      .poll(() => page.getByTestId('latent-command-text').textContent())
      .toContain('latentlab noise');
    await page.getByTestId('noise-reset').click();
  });

  it('interpolates between two latents and exports the path as a GIF', async () => {
    await page.getByTestId('interp-add').click(); // seed 110, the shown latent
    const grid = page.getByTestId('seed-grid');
    const box = (await grid.boundingBox())!;
    await grid.click({ position: { x: (0.5 * box.width) / 8, y: box.height * 0.25 } }); // seed 100
    await expect.poll(() => page.getByTestId('latent-title').textContent()).toContain('seed 100');
    await page.getByTestId('interp-add').click();
    await page.getByTestId('interp-preview').click();
    await nextVersion('interp-strip', 0);
    await expect
      .poll(() => page.getByTestId('interp-command-text').textContent())
      .toContain('latentlab interpolate');
    await page.getByTestId('interp-gif').click();
    const job = page.getByTestId('job').first();
    await expect.poll(() => job.locator('strong').textContent()).toBe('interpolate-gif');
    await expect.poll(() => job.getByTestId('job-state').textContent(), { timeout: 60_000 }).toBe('done');
    const gifSrc = await job.locator('img.thumb').getAttribute('src');
    expect(gifSrc).toMatch(/interpolation\.gif$/);
    const gif = await page.evaluate(
      async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer()).subarray(0, 6)),
      gifSrc!,
    );
    expect(String.fromCharCode(...gif)).toBe('GIF89a');
    await page.getByTestId('panel-interp').screenshot({ path: join(SHOTS, '3-interpolation.png') });
  });

  it('draws the style-mixing matrix', async () => {
    await page.getByTestId('mix-go').click();
    await nextVersion('mix-image', 0);
    await expect.poll(() => page.getByTestId('mix-command-text').textContent()).toContain('--layers coarse');
    await page.getByTestId('panel-mix').screenshot({ path: join(SHOTS, '4-style-mixing.png') });
  });

  it('runs an export job and shows its progress and result', async () => {
    await page.getByTestId('export-seeds').fill('0-199');
    await page.getByTestId('export-start').click();
    const job = page.getByTestId('job').first();
    await expect
      .poll(async () => Number(await job.locator('progress').getAttribute('value')), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, '5-job-running.png'), fullPage: true });
    await expect.poll(() => job.getByTestId('job-state').textContent(), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => job.locator('img.thumb').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '6-job-done.png'), fullPage: true });
  });
});
