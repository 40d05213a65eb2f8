// The studio in Debian's Chromium (playwright-core, executablePath /usr/bin/chromium; no browser is ever
// downloaded): open it, generate a grid, open a latent, move a slider and see the image change, save the
// latent, run an export job and watch its progress. Screenshots go to test-artefacts/studio/.
import { spawnSync } from 'node:child_process';
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
const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium missing on CI: ${CHROMIUM} (apt-get install chromium)`);

let studio: Studio;
let browser: Browser;
let page: Page;
let url: string;

/** An <img>'s PNG (fetched inside the page from its blob: URL): size and a digest of its decoded pixels. */
async function pixelDigest(selector: string): Promise<string> {
  // a newer render may revoke the blob: URL between reading src and fetching it; read again then
  for (let attempt = 0; ; attempt++) {
    const src = (await page.locator(selector).getAttribute('src'))!;
    try {
      const bytes = await page.evaluate(
        async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())),
        src,
      );
      const { data, info } = await sharp(Buffer.from(bytes)).raw().toBuffer({ resolveWithObject: true });
      return `${info.width}x${info.height}:${createHash('sha256').update(data).digest('hex')}`;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
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
    if (HAVE_FFMPEG) await page.getByTestId('interp-video').selectOption('mp4');
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
    if (HAVE_FFMPEG)
      expect(await job.locator('video.thumb').getAttribute('src')).toMatch(/interpolation\.mp4$/);
    await page.getByTestId('panel-interp').screenshot({ path: join(SHOTS, '3-interpolation.png') });
  });

  it('draws the style-mixing matrix', async () => {
    await page.getByTestId('mix-go').click();
    await nextVersion('mix-image', 0);
    await expect.poll(() => page.getByTestId('mix-command-text').textContent()).toContain('--layers coarse');
    await page.getByTestId('panel-mix').screenshot({ path: join(SHOTS, '4-style-mixing.png') });
  });

  it('discovers SeFa directions; a direction slider and the layer range change the image and the PCA path', async () => {
    await page.getByTestId('discover-sefa').click();
    await expect.poll(() => page.getByTestId('direction-0').count(), { timeout: 60_000 }).toBe(1);
    const v0 = Number(await page.getByTestId('latent-image').getAttribute('data-version'));
    const before = await pixelDigest('[data-testid="latent-image"]');
    const pcaBefore = await page.getByTestId('pca-canvas').getAttribute('data-current');
    await page.getByTestId('direction-0').focus();
    await page.keyboard.press('End'); // +5 sigma along sefa0
    const v1 = await nextVersion('latent-image', v0);
    const edited = await pixelDigest('[data-testid="latent-image"]');
    expect(edited).not.toBe(before);
    await expect
      .poll(() => page.getByTestId('latent-command-text').textContent())
      .toMatch(/latentlab edit .* --component 0 .* --strengths 5 /);
    await expect.poll(() => page.getByTestId('pca-canvas').getAttribute('data-current')).not.toBe(pcaBefore);
    await page.getByTestId('layers-to').selectOption('1'); // only ws rows 0-1 (4 px)
    await nextVersion('latent-image', v1);
    expect(await pixelDigest('[data-testid="latent-image"]')).not.toBe(edited);
    await expect.poll(() => page.getByTestId('latent-command-text').textContent()).toContain('--layers 0-1');
    await page.getByTestId('panel-directions').screenshot({ path: join(SHOTS, '5-directions.png') });
    await page.getByTestId('panel-pca').screenshot({ path: join(SHOTS, '6-pca.png') });
    await page.getByTestId('directions-reset').click();
  });

  it('projects an uploaded image with live progress, then opens the result to edit', async () => {
    const target = await studio.app.inject({
      method: 'POST',
      url: '/api/render',
      payload: { model: 'fmnist-stylegan2', seed: 12, psi: 0.7, scale: 1 },
    });
    await page
      .getByTestId('project-file')
      .setInputFiles({ name: 'shoe.png', mimeType: 'image/png', buffer: target.rawPayload });
    await page.getByTestId('project-steps').focus();
    await page.keyboard.press('Home'); // 10 steps
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight'); // 60 steps
    await page.getByTestId('project-start').click();
    const panelEl = page.getByTestId('panel-project');
    // progress arrives while it runs: the bar moves, the chart gets points, frames replace the image
    await expect
      .poll(async () => Number(await panelEl.locator('progress').getAttribute('value')), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('project-frame').getAttribute('src'), { timeout: 30_000 })
      .toMatch(/^data:image\/png;base64,/);
    await expect
      .poll(() => panelEl.locator('.chart-box .caption').textContent(), { timeout: 30_000 })
      .toMatch(/^loss \S+ at step \d+/);
    await page.getByTestId('panel-project').screenshot({ path: join(SHOTS, '7-projection.png') });
    await expect.poll(() => page.getByTestId('project-edit').isVisible(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('project-edit').click();
    await expect
      .poll(() => page.getByTestId('latent-title').textContent())
      .toContain('projected.latent.safetensors');
  });

  it('projects a sketch under its mask', async () => {
    await page.getByTestId('project-source').selectOption('sketch');
    const canvas = page.getByTestId('sketch');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('project-start').click();
    await expect
      .poll(() => page.getByTestId('project-command-text').textContent(), { timeout: 30_000 })
      .toMatch(/--prior 0\.01 --mask \S+uploads\/[0-9a-f]+\.png$/);
    await expect.poll(() => page.getByTestId('project-edit').isVisible(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('panel-project').screenshot({ path: join(SHOTS, '8-sketch-projection.png') });
  });

  it('switches to the DCGAN: the grid redraws in z, StyleGAN2-only panels hide', async () => {
    const v = Number(await page.getByTestId('seed-grid').getAttribute('data-version'));
    await page.getByTestId('model-picker').selectOption('fmnist-dcgan');
    await nextVersion('seed-grid', v);
    await expect
      .poll(() => page.getByTestId('grid-command-text').textContent())
      .toContain('--model models/fmnist-dcgan');
    for (const id of ['panel-directions', 'panel-pca', 'panel-mix'])
      expect(await page.getByTestId(id).isVisible()).toBe(false);
    await page.getByTestId('model-card').locator('summary').click();
    await expect.poll(() => page.getByTestId('model-card').textContent()).toMatch(/fmnist-dcgan: dcgan[\s\S]*fcd \d/);
    await page.screenshot({ path: join(SHOTS, '9-model-card.png') });
    await page.getByTestId('model-card').locator('summary').click();
    await expect.poll(() => page.getByTestId('project-space').isDisabled()).toBe(true);
    await page.getByTestId('model-picker').selectOption('fmnist-stylegan2');
    await expect.poll(() => page.getByTestId('panel-directions').isVisible()).toBe(true);
  });

  it('runs an export job and shows its progress and result', async () => {
    await page.getByTestId('export-seeds').fill('0-199');
    await page.getByTestId('export-start').click();
    const job = page.getByTestId('job').first();
    await expect
      .poll(async () => Number(await job.locator('progress').getAttribute('value')), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, '9-job-running.png'), fullPage: true });
    await expect.poll(() => job.getByTestId('job-state').textContent(), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => job.locator('img.thumb').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '10-job-done.png'), fullPage: true });
  });
});
