// The studio in Debian's Chromium (playwright-core, executablePath /usr/bin/chromium; no browser is ever
// downloaded). ONE browser for every check: the grid, the latent view with its own truncation, undo/redo
// restoring the exact image pixels, the direction explorer (10 InterFaceGAN classes reachable, named SeFa
// components, strips, typed values), dragging on the PCA plot, A/B, keyframes and in-page playback, crossing
// saved latents, two projections as two cards (each cancels its own job), the sketch tools, paged jobs
// with a 1000-seed export, DCGAN options, and a phone-width layout. The server runs as if ffmpeg were
// missing: MP4/WebM must not be offered. No console errors and no failed requests are allowed. Screenshots
// of every panel at 1280x800 and 390x844 go to test-artefacts/studio/.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import { ensureWebBuild } from '../../src/studio/server/webBuild.js';
import { ROOT, testStudio } from './helpers.js';

const CHROMIUM = process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-artefacts', 'studio');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium missing on CI: ${CHROMIUM} (apt-get install chromium)`);
const SG2 = 'fmnist-stylegan2';
/** expect.poll waits this long by default (the machine is shared and loaded: no timing assertions). */
const POLL = { timeout: 30_000 };
const PANELS = [
  'panel-seeds',
  'panel-saved',
  'panel-interp',
  'panel-mix',
  'panel-latent',
  'panel-directions',
  'panel-pca',
  'panel-project',
  'panel-jobs',
  'panel-import',
];

let studio: Studio;
let browser: Browser;
let page: Page;
let url: string;
let sefaPath: string;
let ifgPath: string;
const problems: string[] = [];

/** Console errors, page errors and failed requests of a page (a fetch the app aborted on purpose is not one). */
/**
 * Every image here comes from the server (the studio's auto mode would move 32-px renders into the page
 * once its graphs load; test/web/browser.test.ts covers that path), so the copied commands are the server's.
 */
async function serverCompute(p: Page): Promise<void> {
  await p.addInitScript("localStorage.setItem('latentlab.browserCompute', 'server')");
}

function watch(p: Page): void {
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  p.on('response', (r) => {
    if (r.status() >= 400)
      void r.text().then(
        (body) => problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()} ${body}`),
        () => problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`),
      );
  });
  p.on('dialog', (d) => void d.accept());
}

/** The page-side names pixelDigest uses (this tsconfig has no DOM types). */
type PageImage = { complete: boolean; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
type PageGlobals = {
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): { drawImage(img: PageImage, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
    };
  };
  crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8ClampedArray): Promise<ArrayBuffer> } };
};

/**
 * Digest of the pixels an <img> shows now: drawn into a canvas inside the page once the image is decoded,
 * and hashed there (SHA-256 of the RGBA bytes, with the size). Nothing fetches its blob: URL, so a newer
 * render revoking that URL cannot fail it; if the src changes while it decodes, it reads the newer image.
 */
async function srcDigest(selector: string): Promise<string> {
  let digest = null as string | null;
  const img = page.locator(selector);
  await expect
    .poll(async () => {
      digest = await img.evaluate(async (e) => {
        const im = e as unknown as PageImage;
        try {
          await im.decode(); // rejects when the src changes meanwhile (or the image is broken): read again
        } catch {
          return null;
        }
        const [w, h] = [im.naturalWidth, im.naturalHeight];
        if (!im.complete || w === 0) return null;
        const g = globalThis as unknown as PageGlobals;
        const canvas = g.document.createElement('canvas');
        [canvas.width, canvas.height] = [w, h];
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(im, 0, 0);
        const hash = new Uint8Array(await g.crypto.subtle.digest('SHA-256', ctx.getImageData(0, 0, w, h).data));
        return `${w}x${h}:${Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('')}`;
      });
      return digest !== null;
    }, POLL)
    .toBe(true);
  return digest!;
}

/**
 * Pixel size of an <img>'s current image, read from the element (naturalWidth x naturalHeight): no fetch
 * of its blob: URL, which a newer render may revoke between reading `src` and fetching it.
 */
async function pngSize(selector: string): Promise<string> {
  type Img = { complete: boolean; naturalWidth: number; naturalHeight: number };
  const img = page.locator(selector);
  await expect.poll(() => img.evaluate((e) => (e as unknown as Img).complete && (e as unknown as Img).naturalWidth > 0), POLL).toBe(true);
  return img.evaluate((e) => `${(e as unknown as Img).naturalWidth}x${(e as unknown as Img).naturalHeight}`);
}

const version = async (testId: string) =>
  Number((await page.getByTestId(testId).first().getAttribute('data-version')) ?? 0);

/** Waits until the <img> has shown a newer response than `after` (data-version counts them). */
async function nextVersion(testId: string, after: number): Promise<number> {
  await expect.poll(() => version(testId), { timeout: 30_000 }).toBeGreaterThan(after);
  return version(testId);
}

/** Waits for the latent image to settle (no newer render for a moment) and returns its pixels' digest. */
async function settledLatent(): Promise<string> {
  let v = await version('latent-image');
  for (;;) {
    await page.waitForTimeout(400);
    const now = await version('latent-image');
    if (now === v) return srcDigest('[data-testid="latent-image"]');
    v = now;
  }
}

describe.skipIf(!haveChromium)('studio in Chromium', () => {
  beforeAll(async () => {
    const webRoot = await ensureWebBuild();
    studio = await testStudio({ webRoot, concurrency: 1, ffmpeg: false });
    // direction sets made the quick way (few samples), so the explorer has files from the start
    const sefa = await studio.jobs.submit('directions', {
      model: SG2,
      method: 'sefa',
      components: 16,
      num: 200,
    });
    const ifg = await studio.jobs.submit('directions', { model: SG2, method: 'interfacegan', num: 300 });
    url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await serverCompute(page);
    watch(page);
    await mkdir(SHOTS, { recursive: true });
    for (const j of [sefa, ifg]) expect((await studio.jobs.wait(j.id)).state).toBe('done');
    sefaPath = `jobs/${sefa.id}/directions.safetensors`;
    ifgPath = `jobs/${ifg.id}/directions.safetensors`;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await studio?.app.close();
  });

  it('opens without broken images; the grid and the latent have their own truncation', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), POLL).toBe(SG2);
    await nextVersion('seed-grid', 0);
    await nextVersion('latent-image', 0);
    // 32 seeds, 8 columns of 32 px × 3, 3 px apart: exactly `generate --grid --grid-columns 8 --upscale 3`
    expect(await pngSize('[data-testid="seed-grid"]')).toBe('789x393');
    await expect
      .poll(() => page.getByTestId('grid-command-text').textContent(), POLL)
      .toContain('--seeds 0-31 --trunc 0.7');
    // every <img> that has a source shows it; none without one takes space as a broken icon
    const broken = await page
      .locator('img[src]')
      .evaluateAll((imgs) =>
        (imgs as unknown as { complete: boolean; naturalWidth: number; alt: string }[])
          .filter((i) => i.complete && i.naturalWidth === 0)
          .map((i) => i.alt),
      );
    expect(broken).toEqual([]);
    const grid = await version('seed-grid');
    const v = await version('latent-image');
    await page.getByTestId('latent-psi').focus();
    await page.keyboard.press('Home'); // latent ψ = 0
    await nextVersion('latent-image', v);
    await expect
      .poll(() => page.getByTestId('latent-command-text').textContent(), POLL)
      .toMatch(/latentlab render .*--seed 0 --trunc 0( |$)/);
    await page.waitForTimeout(500);
    expect(await version('seed-grid')).toBe(grid); // the grid did not re-render
    for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.locator('[data-testid="latent-psi"] + output').textContent(), POLL)
      .toBe('0.70');
    await page.screenshot({ path: join(SHOTS, 'desktop-full.png'), fullPage: true });
  });

  it('refuses a latent name with spaces in words, saves, renames and lists latents', async () => {
    await page.getByTestId('latent-name').fill('my boot');
    await page.getByTestId('latent-save').click();
    await expect
      .poll(() => page.getByTestId('panel-latent').locator('.status').textContent())
      .toContain("name 'my boot': use letters, digits");
    await page.getByTestId('latent-name').fill('first');
    await page.getByTestId('latent-save').click();
    await expect.poll(() => page.getByTestId('saved-latent').count(), POLL).toBe(1);
    const grid = page.getByTestId('seed-grid');
    const box = (await grid.boundingBox())!;
    await grid.click({ position: { x: (2.5 * box.width) / 8, y: box.height * 0.75 } }); // seed 26
    await expect.poll(() => page.getByTestId('latent-title').textContent(), POLL).toContain('seed 26');
    await page.getByTestId('latent-name').fill('boot-26');
    await page.getByTestId('latent-save').click();
    await expect.poll(() => page.getByTestId('saved-latent').count(), POLL).toBe(2);
    await page
      .locator(
        '[data-testid="saved-latent"][data-path="latents/first.latent.safetensors"] [data-testid="saved-rename"]',
      )
      .click();
    await page.getByTestId('saved-rename-input').fill('seed-zero');
    await page.getByTestId('saved-rename-input').press('Enter');
    await expect
      .poll(() =>
        page
          .locator('[data-testid="saved-latent"][data-path="latents/seed-zero.latent.safetensors"]')
          .count(),
      )
      .toBe(1);
  });

  it('reaches all 10 InterFaceGAN classes by name; a typed value, a strip and a reset', async () => {
    await page.getByTestId('directions-file').selectOption(ifgPath);
    await expect.poll(() => page.locator('[data-testid^="direction-row-"]').count(), POLL).toBe(10);
    const names = await page
      .locator('input.dir-name')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(names).toContain('Bag');
    expect(names[9]).toBe('Ankle boot');
    const before = await settledLatent();
    const v = await version('latent-image');
    await page.getByTestId('direction-9').focus();
    await page.keyboard.press('End'); // +5 sigma toward "Ankle boot"
    await nextVersion('latent-image', v);
    expect(await settledLatent()).not.toBe(before);
    await expect
      .poll(() => page.getByTestId('latent-command-text').textContent(), POLL)
      .toMatch(/latentlab render .* --edit [^ ]*directions\.safetensors,9,5( |$)/);
    await expect.poll(() => page.getByTestId('direction-9-value').inputValue(), POLL).toBe('5');
    await nextVersion('direction-strip-9', 0);
    expect(await pngSize('[data-testid="direction-strip-9"]')).toBe('320x64'); // 5 tiles of 32 px × 2
    await page.getByTestId('direction-3-value').fill('-1.5');
    await page.getByTestId('direction-3-value').press('Enter');
    await expect.poll(() => page.getByTestId('latent-title').textContent(), POLL).toContain('2 edit(s)');
    await page.getByTestId('direction-3-reset').click();
    await expect.poll(() => page.getByTestId('latent-title').textContent(), POLL).toContain('1 edit(s)');
    await page
      .getByTestId('panel-directions')
      .screenshot({ path: join(SHOTS, 'directions-interfacegan.png') });
    await page.getByTestId('directions-reset').click();
    await expect.poll(() => page.getByTestId('latent-title').textContent(), POLL).not.toContain('edit(s)');
    await page.getByTestId('directions-file').selectOption(sefaPath);
    await expect.poll(() => page.locator('[data-testid^="direction-row-"]').count(), POLL).toBe(16);
    expect(await page.getByTestId('direction-name-3').inputValue()).toMatch(/^sefa3 \(\d+\.\d %\)$/);
    await page.getByTestId('direction-name-3').fill('heel height');
    await page.getByTestId('direction-name-3').press('Enter');
  });

  it('undo and redo restore the exact image pixels', async () => {
    const before = await settledLatent();
    await page.getByTestId('direction-0').focus();
    await page.keyboard.press('End');
    await page.waitForTimeout(700); // one history step after the change settles
    const edited = await settledLatent();
    expect(edited).not.toBe(before);
    await page.getByTestId('undo').click();
    await expect.poll(() => page.getByTestId('direction-0-value').inputValue(), POLL).toBe('0');
    expect(await settledLatent()).toBe(before);
    await page.getByTestId('redo').click();
    await expect.poll(() => page.getByTestId('direction-0-value').inputValue(), POLL).toBe('5');
    expect(await settledLatent()).toBe(edited);
    await page.getByTestId('directions-reset').click();
  });

  it('dragging the latent on the PCA plot moves it along pc0/pc1 and changes the image', async () => {
    const canvas = page.getByTestId('pca-canvas');
    await canvas.scrollIntoViewIfNeeded();
    await expect.poll(() => canvas.getAttribute('data-current'), { timeout: 30_000 }).toBeTruthy();
    await page.waitForTimeout(500);
    const start = await canvas.getAttribute('data-current');
    const before = await settledLatent();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 - 30, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('latent-command-text').textContent(), POLL).toContain('pca-w-');
    expect(await settledLatent()).not.toBe(before);
    await expect.poll(() => canvas.getAttribute('data-current'), POLL).not.toBe(start);
    const [x0] = start!.split(',').map(Number);
    await expect
      .poll(async () => Number((await canvas.getAttribute('data-current'))!.split(',')[0]), POLL)
      .toBeGreaterThan(x0);
    await page.getByTestId('panel-pca').screenshot({ path: join(SHOTS, 'pca-drag.png') });
    await page.getByTestId('undo').click();
  });

  it('compares A and B side by side', async () => {
    await page.getByTestId('compare-pin').click();
    await nextVersion('compare-image', 0);
    await page.getByTestId('direction-1').focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('compare-image').isVisible(), POLL).toBe(true);
    await page.waitForTimeout(500);
    expect(await settledLatent()).not.toBe(await srcDigest('[data-testid="compare-image"]'));
    await page.getByTestId('panel-latent').screenshot({ path: join(SHOTS, 'latent-compare.png') });
    await page.getByTestId('compare-clear').click();
    await page.getByTestId('directions-reset').click();
  });

  it('builds keyframes from saved latents, reorders them, plays the path; no MP4 without ffmpeg', async () => {
    const formats = await page
      .getByTestId('interp-video')
      .locator('option')
      .evaluateAll((o) => o.map((e) => (e as unknown as { value: string }).value));
    expect(formats).toEqual(['none']);
    await page.getByTestId('interp-add-saved').selectOption('latents/seed-zero.latent.safetensors');
    await page.getByTestId('interp-add-saved').selectOption('latents/boot-26.latent.safetensors');
    await page.getByTestId('interp-add').click(); // the shown latent (seed 26)
    await expect.poll(() => page.getByTestId('keyframe').count(), POLL).toBe(3);
    await page.getByTestId('keyframe').first().getByTestId('key-right').click();
    await expect
      .poll(() => page.getByTestId('keyframe').first().locator('.caption').textContent(), POLL)
      .toBe('1. boot-26');
    await expect
      .poll(
        () =>
          page
            .getByTestId('keyframe')
            .first()
            .locator('img')
            .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
        POLL,
      )
      .toBeGreaterThan(0);
    await page.getByTestId('interp-preview').click();
    await nextVersion('interp-strip', 0);
    const player = page.getByTestId('interp-player');
    await expect
      .poll(async () => Number(await player.getAttribute('data-shown')), { timeout: 10_000 })
      .toBeGreaterThan(3);
    const f1 = await player.getAttribute('data-frame');
    await page.waitForTimeout(300);
    expect(await player.getAttribute('data-frame')).not.toBe(f1); // still playing
    await page.getByTestId('interp-gif').click();
    const job = page.getByTestId('job').first();
    await expect.poll(() => job.getAttribute('data-kind'), POLL).toBe('interpolate-gif');
    await expect.poll(() => job.getByTestId('job-state').textContent(), { timeout: 60_000 }).toBe('done');
    await page.getByTestId('panel-interp').screenshot({ path: join(SHOTS, 'interpolation.png') });
  });

  it('crosses saved latents in the style-mixing matrix', async () => {
    await page.getByTestId('mix-rows').fill('1-2');
    await page.getByTestId('mix-row-latents').selectOption(['latents/boot-26.latent.safetensors']);
    await page.getByTestId('mix-go').click();
    await nextVersion('mix-image', 0);
    await expect
      .poll(() => page.getByTestId('mix-command-text').textContent(), POLL)
      .toContain('--row-latents');
  });

  it('runs two projections as two cards; each cancels its own job', async () => {
    const target = await studio.app.inject({
      method: 'POST',
      url: '/api/render',
      payload: { model: SG2, seed: 12, psi: 0.7, scale: 1 },
    });
    await page
      .getByTestId('project-file')
      .setInputFiles({ name: 'shoe.png', mimeType: 'image/png', buffer: target.rawPayload });
    await page.getByTestId('project-steps').focus();
    await page.keyboard.press('End'); // 5000 steps: far longer than the checks below take
    await page.getByTestId('project-start').click();
    await expect.poll(() => page.getByTestId('project-card').count(), POLL).toBe(1);
    await page.getByTestId('project-start').click();
    await expect.poll(() => page.getByTestId('project-card').count(), POLL).toBe(2);
    const [second, first] = [
      page.getByTestId('project-card').nth(0),
      page.getByTestId('project-card').nth(1),
    ];
    const ids = [await first.getAttribute('data-job'), await second.getAttribute('data-job')];
    expect(ids[0]).not.toBe(ids[1]);
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    expect(await second.getAttribute('data-state')).toBe('queued');
    await expect
      .poll(() => first.getByTestId('card-metrics').textContent(), { timeout: 30_000 })
      .toMatch(/^PSNR \d+\.\d\d dB · SSIM 0?\.\d{3}$/);
    await expect
      .poll(
        () =>
          first
            .getByTestId('card-target')
            .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
        POLL,
      )
      .toBe(128);
    await second.getByTestId('card-cancel').click();
    await expect.poll(() => second.getAttribute('data-state'), POLL).toBe('cancelled');
    expect(await first.getAttribute('data-state')).toBe('running');
    await first.getByTestId('card-cancel').click();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    for (const id of ids) expect(studio.jobs.get(id!).state).toBe('cancelled');
    expect(await first.getByTestId('card-edit').isVisible()).toBe(false);
    // a short one to the end: PSNR/SSIM of the result, and "edit the result" opens exactly its latent
    await page.getByTestId('project-steps').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.getByTestId('project-start').click();
    const third = page.getByTestId('project-card').first();
    await expect.poll(() => third.getAttribute('data-state'), { timeout: 90_000 }).toBe('done');
    await expect
      .poll(() => third.getByTestId('card-metrics').textContent(), POLL)
      .toMatch(/^PSNR \d+\.\d\d dB/);
    await page.getByTestId('panel-project').screenshot({ path: join(SHOTS, 'projection-cards.png') });
    await third.getByTestId('card-edit').click();
    const id = await third.getAttribute('data-job');
    await expect
      .poll(() => page.getByTestId('latent-title').textContent(), POLL)
      .toContain(`jobs/${id}/projected.latent.safetensors`);
    await expect.poll(() => page.getByTestId('saved-projection').count(), POLL).toBe(1);
  });

  it('sketch: undo, eraser and clear', async () => {
    await page.getByTestId('project-source').selectOption('sketch');
    const canvas = page.getByTestId('sketch');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const strokeAt = async (fx: number) => {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.8, { steps: 6 });
      await page.mouse.up();
    };
    await strokeAt(0.3);
    expect(await canvas.getAttribute('data-empty')).toBe('false');
    await page.getByTestId('sketch-undo').click();
    expect(await canvas.getAttribute('data-empty')).toBe('true');
    await strokeAt(0.3);
    await strokeAt(0.7);
    await page.getByTestId('sketch-eraser').check();
    await strokeAt(0.7);
    await page.getByTestId('sketch-eraser').uncheck();
    await page.getByTestId('panel-project').screenshot({ path: join(SHOTS, 'sketch.png') });
    await page.getByTestId('sketch-clear').click();
    expect(await canvas.getAttribute('data-empty')).toBe('true');
    await page.getByTestId('project-source').selectOption('upload');
  });

  it('a 1000-seed export shows its grid and links; jobs are paged, titled, deletable', async () => {
    // a few one-image exports, so the list runs past one page
    for (let i = 0; i < 4; i++)
      await studio.app.inject({
        method: 'POST',
        url: '/api/jobs/render-seeds',
        payload: { model: SG2, seeds: [i] },
      });
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByTestId('export-seeds').fill('0-999');
    await page.getByTestId('export-start').click();
    const job = page.getByTestId('job').first();
    await expect
      .poll(() => job.getByTestId('job-title').textContent(), POLL)
      .toBe('export · 1000 seeds (0-999) · ψ 0.7');
    await expect.poll(() => job.getByTestId('job-state').textContent(), { timeout: 120_000 }).toBe('done');
    await expect.poll(() => job.locator('img.thumb').count(), POLL).toBe(1);
    // the grid is generate --grid's: every seed (the job's command says so)
    await expect.poll(() => job.textContent(), POLL).toContain('--seeds 0-999 --trunc 0.7 --grid');
    const zip = await job.getByTestId('job-zip').getAttribute('href');
    const head = await page.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), zip!);
    expect(head).toBe('application/zip');
    const total = Number((await page.getByTestId('job-pager').textContent())!.match(/of (\d+)/)![1]);
    expect(total).toBeGreaterThan(8);
    expect(await page.getByTestId('job').count()).toBe(8);
    expect(await page.getByTestId('jobs-next').isEnabled()).toBe(true);
    await page.getByTestId('panel-jobs').screenshot({ path: join(SHOTS, 'jobs.png') });
    await page.getByTestId('jobs-next').click(); // the oldest: the two direction sets, told apart by their titles
    await expect
      .poll(
        async () =>
          (await page.getByTestId('job-title').allTextContents())
            .filter((t) => t.startsWith('directions'))
            .sort(),
        POLL,
      )
      .toEqual([
        'directions · InterFaceGAN · classes · 300 samples',
        'directions · SeFa · 16 components · 200 samples',
      ]);
    await page.getByTestId('jobs-prev').click();
    const last = page.getByTestId('job').last();
    const lastId = await last.getAttribute('data-id');
    await last.locator('summary').click();
    await last.getByTestId('job-delete').click();
    await expect
      .poll(
        async () => Number((await page.getByTestId('job-pager').textContent())!.match(/of (\d+)/)![1]),
        POLL,
      )
      .toBe(total - 1);
    expect(existsSync(join(studio.workspace.root, 'jobs', lastId!))).toBe(false);
  });

  it('offers only what the model has: no 64-px range on a 32-px model, no W starts on the DCGAN', async () => {
    const ranges = await page.getByTestId('noise-layers').locator('option').allTextContents();
    expect(ranges.join('|')).not.toContain('64');
    expect(ranges).toContain('fine (32 px, rows 5–7)');
    for (const id of PANELS)
      await page.getByTestId(id).screenshot({ path: join(SHOTS, `desktop-${id}.png`) });
    await page.getByTestId('model-picker').selectOption('fmnist-dcgan');
    await expect
      .poll(() => page.getByTestId('grid-command-text').textContent(), POLL)
      .toContain('--model models/fmnist-dcgan');
    const inits = await page.getByTestId('project-init').locator('option').allTextContents();
    expect(inits.join('|')).not.toMatch(/mean w|encoder/);
    for (const id of ['panel-directions', 'panel-pca', 'panel-mix'])
      expect(await page.getByTestId(id).isVisible()).toBe(false);
    await page.getByTestId('model-picker').selectOption(SG2);
    await expect.poll(() => page.getByTestId('panel-directions').isVisible(), POLL).toBe(true);
  });

  it('works at phone width (390x844): nothing wider than the screen; every panel shot', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await serverCompute(phone);
    watch(phone);
    await phone.goto(url);
    await phone.waitForSelector('body[data-ready="true"]');
    await expect
      .poll(() => phone.getByTestId('latent-image').getAttribute('data-version'), { timeout: 30_000 })
      .toBeTruthy();
    const wide = await phone.evaluate('document.documentElement.scrollWidth');
    expect(wide).toBeLessThanOrEqual(390);
    for (const id of PANELS) await phone.getByTestId(id).screenshot({ path: join(SHOTS, `phone-${id}.png`) });
    await phone.close();
  });

  it('saw no console errors and no failed requests', () => {
    expect(problems).toEqual([]);
  });
});
