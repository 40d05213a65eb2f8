// "Compute in the browser": interactive renders (the seed grid, a seed's view with truncation, noise
// const/none and edits along loaded directions) run in the page on onnxruntime-web from the model's ONNX
// graphs, downloaded once (content-addressed URLs, kept in the Cache API). Everything else — saved
// latents, resampled noise, truncation cutoffs, mixing, interpolation strips, projection and discovery
// jobs — goes to the server as before. Off by default (see README "In the browser" for the measurements).
// The only hook into the rest of the app: api.ts asks `tryLocal` before posting an image request.
import type { RenderedImage } from './api.js';
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

const KEY = 'latentlab.browserCompute';
let enabled = localStorage.getItem(KEY) === 'on';
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
      status(`${model}: ${rt.device}${rt.device === 'wasm' ? ` × ${rt.threads} threads` : ''}, ${(gen.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return gen;
    })();
    generators.set(model, g);
    g.catch((err: Error) => {
      generators.delete(model);
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

const simpleNoise = (b: SeedBody) => (b.noiseMode ?? 'const') === 'const' || b.noiseMode === 'none';
const simpleSeed = (b: SeedBody) => (b.cutoff ?? null) === null && simpleNoise(b);

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
  if (!enabled) return null;
  try {
    if (url === '/api/grid') {
      const b = body as GridBody;
      if (!simpleSeed(b)) return null;
      const g = await generator(b.model);
      const images: Float32Array[] = [];
      for (const s of b.seeds) images.push(await g.render(await latentOf(g, b, s), b.noiseMode === 'none' ? 'none' : 'const'));
      return { url: await png(g, images, b.columns ?? 8, b.scale ?? 4), command: `(computed in the browser) latentlab generate --seeds ${b.seeds.join(',')} --trunc ${b.psi ?? 1} --grid` };
    }
    if (url === '/api/render') {
      const b = body as RenderBody;
      if (b.seed === undefined || b.latent !== undefined || b.resampleNoise !== undefined || !simpleSeed(b)) return null;
      const g = await generator(b.model);
      const img = await g.render(await latentOf(g, b, b.seed), b.noiseMode === 'none' ? 'none' : 'const');
      return { url: await png(g, [img], 1, b.scale ?? 8), command: `(computed in the browser) latentlab generate --seeds ${b.seed} --trunc ${b.psi ?? 1}` };
    }
  } catch (err) {
    status(`browser compute failed: ${(err as Error).message} (using the server)`);
  }
  return null;
}

/** The header toggle: a checkbox (remembered in localStorage) and a status line. */
export function browserComputeToggle(onChange: () => void): HTMLElement {
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = enabled;
  box.dataset.testid = 'browser-compute';
  statusEl = document.createElement('span');
  statusEl.className = 'hint';
  statusEl.dataset.testid = 'browser-compute-status';
  box.addEventListener('change', () => {
    enabled = box.checked;
    localStorage.setItem(KEY, enabled ? 'on' : 'off');
    status(enabled ? 'on: renders run in this page' : '');
    onChange();
  });
  const label = document.createElement('label');
  label.title = 'Render seeds, truncation and edits in this page (onnxruntime-web); jobs stay on the server';
  label.append(box, ' compute in the browser ', statusEl);
  return label;
}
