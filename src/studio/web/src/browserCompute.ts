// "Compute in the browser": interactive renders (the seed grid, a seed's view with truncation, noise
// const/none and edits along loaded directions, style mixing and interpolation strips of seeds) run in the
// page on onnxruntime-web from the model's ONNX graphs, downloaded once (content-addressed URLs, kept in
// the Cache API). Everything else — saved latents, resampled noise, truncation cutoffs, projection and
// discovery jobs — goes to the server as before. Three settings: browser, server, or auto (the default):
// the browser for models up to AUTO_MAX_RESOLUTION px, where a move measured 3.5x faster in the page than
// the server round trip, the server above it (a 256-px model was 3.6x slower on wasm; README "In the browser").
// The only hook into the rest of the app: api.ts asks `tryLocal` before posting an image request.
import type { RgbImage } from '../../../formats/image.js';
import type { InterpolateRequest, ModelSummary, RenderedImage } from './api.js';
import { interpolationStrip, mixFigure } from './browserFigures.js';
import { BrowserGenerator, toRgba } from './engine/generator.js';
import { loadWebRuntime, type WebRuntime } from './engine/ortWeb.js';

interface Steps {
  space: 'z' | 'w';
  steps: number[][];
  layers: [number, number] | null;
}
interface SeedBody {
  model: string;
  psi?: number;
  cutoff?: number | null;
  noiseMode?: string;
  scale?: number;
}
interface GridBody extends SeedBody {
  seeds: number[];
  columns?: number;
}
interface RenderBody extends SeedBody {
  seed?: number;
  latent?: string;
  row?: number;
  resampleNoise?: unknown;
  edits?: { directions: string; component: number; strength: number; layers?: [number, number] }[];
}

interface MixBody extends SeedBody {
  rows?: number[];
  cols?: number[];
  rowLatents?: string[];
  colLatents?: string[];
  layers?: string;
}

/** Largest model side that auto mode renders in the page. */
export const AUTO_MAX_RESOLUTION = 64;

export type ComputeMode = 'auto' | 'browser' | 'server';
const KEY = 'latentlab.browserCompute';
const stored = localStorage.getItem(KEY);
let mode: ComputeMode = stored === 'on' || stored === 'browser' ? 'browser' : stored === 'off' || stored === 'server' ? 'server' : 'auto';
let summaries: Promise<ModelSummary[]> | null = null;
/** Models whose graphs are loaded in the page / failed to load (auto mode then keeps the server). */
const ready = new Set<string>();
const failed = new Set<string>();

/**
 * Whether renders of `model` run in the page under the current mode: the page's engine runs
 * unconditional StyleGAN2 and DCGAN exports; auto also wants a small model, and until its graphs are
 * loaded (started in the background on its first request) the server answers, so the first images
 * never wait for the download.
 */
async function inBrowser(model: string): Promise<boolean> {
  if (mode === 'server') return false;
  summaries ??= fetch('/api/models').then((r) => r.json() as Promise<ModelSummary[]>);
  const m = (await summaries.catch(() => [])).find((x) => x.name === model);
  if (!m || m.architecture === 'stylegan3' || m.cDim !== 0) return false;
  if (mode === 'browser') return true;
  if (m.resolution > AUTO_MAX_RESOLUTION || failed.has(model)) return false;
  if (ready.has(model)) return true;
  generator(model).catch(() => {});
  return false;
}

let runtime: Promise<WebRuntime> | null = null;
const generators = new Map<string, Promise<BrowserGenerator>>();
const stepSets = new Map<string, Promise<Steps>>();
let statusEl: HTMLElement | null = null;

function status(text: string): void {
  if (statusEl) statusEl.textContent = text;
}

function generator(model: string): Promise<BrowserGenerator> {
  let g = generators.get(model);
  if (!g) {
    g = (async () => {
      const started = performance.now();
      status(`loading ${model}…`);
      runtime ??= loadWebRuntime();
      const rt = await runtime;
      const { base } = (await (await fetch(`/api/models/${encodeURIComponent(model)}/onnx`)).json()) as { base: string };
      const gen = await BrowserGenerator.load(base, rt);
      ready.add(model);
      status(`${model}: ${rt.device}${rt.device === 'wasm' ? ` × ${rt.threads} threads` : ''}, ${(gen.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return gen;
    })();
    generators.set(model, g);
    g.catch((err: Error) => {
      generators.delete(model);
      failed.add(model);
      status(`browser compute failed: ${err.message} (using the server)`);
    });
  }
  return g;
}

function steps(model: string, path: string): Promise<Steps> {
  const key = `${model}\n${path}`;
  let s = stepSets.get(key);
  if (!s) {
    s = fetch(`/api/directions/steps?model=${encodeURIComponent(model)}&path=${encodeURIComponent(path)}`).then(async (r) => {
      if (!r.ok) throw new Error(`directions ${path}: HTTP ${r.status}`);
      return (await r.json()) as Steps;
    });
    stepSets.set(key, s);
    s.catch(() => stepSets.delete(key));
  }
  return s;
}

/**
 * Tiles [C, R, R] images into a PNG exactly as `generate --grid` lays out grid.png: nearest-neighbour
 * upscaled by `scale`, tiles `scale` pixels apart on black.
 */
async function png(g: BrowserGenerator, images: Float32Array[], columns: number, scale: number): Promise<string> {
  const r = g.resolution;
  const tile = r * scale;
  const cols = Math.max(1, Math.min(columns, images.length));
  const rows = Math.ceil(images.length / cols);
  const W = cols * tile + (cols - 1) * scale;
  const out = new ImageData(W, rows * tile + (rows - 1) * scale);
  for (let i = 3; i < out.data.length; i += 4) out.data[i] = 255; // opaque black gaps
  images.forEach((img, i) => {
    const rgba = toRgba(img, g.info.dims.channels, r);
    const x0 = (i % cols) * (tile + scale);
    const y0 = Math.floor(i / cols) * (tile + scale);
    for (let y = 0; y < r * scale; y++)
      for (let x = 0; x < r * scale; x++) {
        const src = (Math.floor(y / scale) * r + Math.floor(x / scale)) * 4;
        out.data.set(rgba.subarray(src, src + 4), ((y0 + y) * W + x0 + x) * 4);
      }
  });
  const canvas = new OffscreenCanvas(out.width, out.height);
  canvas.getContext('2d')!.putImageData(out, 0, 0);
  return URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
}

/** An 8-bit figure (1 or 3 channels) as a PNG object URL. */
async function pngOf(img: RgbImage): Promise<string> {
  const out = new ImageData(img.width, img.height);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++) out.data[p * 4 + c] = img.data[p * img.channels + (img.channels === 1 ? 0 : c)];
    out.data[p * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(out.width, out.height);
  canvas.getContext('2d')!.putImageData(out, 0, 0);
  return URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
}

const simpleNoise = (b: SeedBody) => (b.noiseMode ?? 'const') === 'const' || b.noiseMode === 'none';
const simpleSeed = (b: SeedBody) => (b.cutoff ?? null) === null && simpleNoise(b);
const noiseOf = (b: SeedBody): 'none' | 'const' => (b.noiseMode === 'none' ? 'none' : 'const');

async function latentOf(g: BrowserGenerator, body: RenderBody, seed: number): Promise<Float32Array> {
  const z = g.z(seed);
  const sets = await Promise.all((body.edits ?? []).map(async (e) => ({ e, set: await steps(body.model, e.directions) })));
  for (const { e, set } of sets) if (set.space === 'z') set.steps[e.component].forEach((v, j) => (z[j] += e.strength * v));
  if (!g.isStyleGan) return z;
  const ws = await g.ws(z, body.psi ?? 1);
  for (const { e, set } of sets) {
    if (set.space !== 'w') continue;
    const [a, b] = e.layers ?? set.layers ?? [0, g.numWs];
    for (let r = a; r < b; r++) set.steps[e.component].forEach((v, j) => (ws[r * g.wDim + j] += e.strength * v));
  }
  return ws;
}

/** The image of an API request computed here, or null when the server should make it. */
export async function tryLocal(url: string, body: unknown): Promise<RenderedImage | null> {
  const made = await renderLocally(url, body);
  // the request the page answered itself, on the status line (hover) and for tests: POST it to the server to compare
  if (made && statusEl) statusEl.dataset.request = JSON.stringify({ url, body });
  return made;
}

async function renderLocally(url: string, body: unknown): Promise<RenderedImage | null> {
  const model = (body as { model?: string } | null)?.model;
  if (!model || !(await inBrowser(model))) return null;
  try {
    if (url === '/api/grid') {
      const b = body as GridBody;
      if (!simpleSeed(b)) return null;
      const g = await generator(b.model);
      const images: Float32Array[] = [];
      for (const s of b.seeds) images.push(await g.render(await latentOf(g, b, s), noiseOf(b)));
      return { url: await png(g, images, b.columns ?? 8, b.scale ?? 4), command: `(computed in the browser) latentlab generate --seeds ${b.seeds.join(',')} --trunc ${b.psi ?? 1} --grid` };
    }
    if (url === '/api/render') {
      const b = body as RenderBody;
      if (b.seed === undefined || b.latent !== undefined || b.resampleNoise !== undefined || !simpleSeed(b)) return null;
      const g = await generator(b.model);
      const img = await g.render(await latentOf(g, b, b.seed), noiseOf(b));
      return { url: await png(g, [img], 1, b.scale ?? 8), command: `(computed in the browser) latentlab generate --seeds ${b.seed} --trunc ${b.psi ?? 1}` };
    }
    if (url === '/api/mix') {
      const b = body as MixBody;
      if (b.rowLatents?.length || b.colLatents?.length || !b.rows?.length || !b.cols?.length || !simpleSeed(b)) return null;
      const g = await generator(b.model);
      if (!g.isStyleGan) return null;
      const figure = await mixFigure(g, { rows: b.rows, cols: b.cols, layers: b.layers ?? 'coarse', psi: b.psi ?? 1, noise: noiseOf(b), scale: b.scale ?? 2 });
      return { url: await pngOf(figure), command: `(computed in the browser) latentlab mix --rows ${b.rows.join(',')} --cols ${b.cols.join(',')} --layers ${b.layers ?? 'coarse'} --trunc ${b.psi ?? 1}` };
    }
    if (url === '/api/interpolate') {
      const b = body as InterpolateRequest;
      if (b.keys.some((k) => k.seed === undefined) || !simpleSeed(b)) return null;
      const g = await generator(b.model);
      const seeds = b.keys.map((k) => k.seed!);
      const { figure, frames } = await interpolationStrip(g, { seeds, steps: b.steps ?? 8, method: b.method, loop: b.loop ?? false, layers: b.layers, psi: b.psi ?? 1, noise: noiseOf(b), scale: b.scale ?? 2 });
      return { url: await pngOf(figure), frames, command: `(computed in the browser) latentlab interpolate --seeds ${seeds.join(',')} --steps ${b.steps ?? 8} --trunc ${b.psi ?? 1}` };
    }
  } catch (err) {
    status(`browser compute failed: ${(err as Error).message} (using the server)`);
  }
  return null;
}

/** The header control: auto | browser | server (remembered in localStorage), and a status line. */
export function browserComputeToggle(onChange: () => void): HTMLElement {
  const choice = document.createElement('select');
  choice.dataset.testid = 'browser-compute';
  for (const [value, text] of [
    ['auto', `auto (page for models ≤ ${AUTO_MAX_RESOLUTION} px)`],
    ['browser', 'in this page'],
    ['server', 'on the server'],
  ] as const) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    o.selected = value === mode;
    choice.append(o);
  }
  statusEl = document.createElement('span');
  statusEl.className = 'hint';
  statusEl.dataset.testid = 'browser-compute-status';
  choice.addEventListener('change', () => {
    mode = choice.value as ComputeMode;
    localStorage.setItem(KEY, mode);
    status(mode === 'server' ? '' : mode === 'browser' ? 'renders run in this page' : '');
    onChange();
  });
  const label = document.createElement('label');
  label.title = 'Where seeds, truncation, edits, mixing and interpolation strips are rendered (onnxruntime-web in the page, or the server); jobs stay on the server';
  label.append('compute ', choice, ' ', statusEl);
  return label;
}
