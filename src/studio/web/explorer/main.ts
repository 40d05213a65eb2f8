// The static explorer `latentlab export MODEL --web DIR` writes: everything runs in the page on
// onnxruntime-web (wasm, or WebGPU when the browser has it); no latentlab server. It reads
// explorer.json (what the export holds), model/ (the ONNX export) and ort/ (onnxruntime-web's files).
import { encodeGif } from '../../../formats/gifEncode.js';
import { BrowserGenerator, toRgba } from '../src/engine/generator.js';
import { latestOnly } from '../src/engine/latestOnly.js';
import { loadWebRuntime } from '../src/engine/ortWeb.js';
import { parseSeeds } from '../src/ranges.js';
import type { DirectionSetJson, ExplorerJson } from '../../shared/explorer.js';

const app = document.getElementById('app')!;
const statusLine = document.getElementById('status')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function numberInput(testId: string, value: number, attrs: Record<string, string> = {}): HTMLInputElement {
  return el('input', { type: 'number', value: String(value), 'data-testid': testId, ...attrs });
}

/** Draws [C, R, R] images into a canvas as a grid (native resolution; CSS scales it up). */
function drawGrid(canvas: HTMLCanvasElement, images: Float32Array[], cols: number, g: BrowserGenerator, scale: number): void {
  const r = g.resolution;
  const rows = Math.ceil(images.length / cols);
  canvas.width = cols * r;
  canvas.height = rows * r;
  canvas.style.width = `${cols * r * scale}px`;
  const ctx = canvas.getContext('2d')!;
  images.forEach((img, i) => ctx.putImageData(new ImageData(toRgba(img, g.info.dims.channels, r), r, r), (i % cols) * r, Math.floor(i / cols) * r));
  canvas.dataset.version = String(Number(canvas.dataset.version ?? 0) + 1);
}

async function main(): Promise<void> {
  const cfg = (await (await fetch('explorer.json')).json()) as ExplorerJson;
  document.getElementById('title')!.textContent = `latentlab explorer: ${cfg.name}`;
  const started = performance.now();
  const runtime = await loadWebRuntime();
  const g = await BrowserGenerator.load(cfg.model, runtime);
  const loadMs = performance.now() - started;
  const scale = Math.max(1, Math.floor(128 / g.resolution));
  statusLine.textContent = `${g.info.architecture} ${g.resolution}×${g.resolution}, onnxruntime-web ${runtime.device}${runtime.device === 'wasm' ? ` (${runtime.threads} thread${runtime.threads > 1 ? 's' : ''})` : ''}${cfg.fp16 ? ', fp16 weights' : ''}; ${(g.bytes / 1e6).toFixed(1)} MB of graphs loaded in ${(loadMs / 1000).toFixed(1)} s`;
  document.body.dataset.device = runtime.device;
  document.body.dataset.threads = String(runtime.threads);

  // Seed grid
  const start = numberInput('grid-start', 0, { min: '0' });
  const count = numberInput('grid-count', Number(new URLSearchParams(location.search).get('grid')) || 16, { min: '1', max: '64' });
  const psi = el('input', { type: 'range', min: '0', max: '1.5', step: '0.05', value: '0.7', 'data-testid': 'psi' });
  const psiText = el('span', {}, '0.7');
  const grid = el('canvas', { 'data-testid': 'seed-grid' });
  app.append(
    el('section', { class: 'grid' }, el('h2', {}, 'Seeds'), el('div', { class: 'row' }, 'first seed', start, 'count', count, ...(g.isStyleGan ? ['truncation ψ', psi, psiText] : [])), grid),
  );
  let selected = 0;
  const drawSeeds = latestOnly(async () => {
    const first = Math.max(0, Math.floor(Number(start.value)));
    const n = Math.min(64, Math.max(1, Math.floor(Number(count.value))));
    const images: Float32Array[] = [];
    for (let s = first; s < first + n; s++) images.push(await g.seedImage(s, Number(psi.value)));
    drawGrid(grid, images, 8, g, scale);
  });
  grid.addEventListener('click', (e) => {
    const r = grid.getBoundingClientRect();
    const col = Math.floor(((e.clientX - r.left) / r.width) * (grid.width / g.resolution));
    const row = Math.floor(((e.clientY - r.top) / r.height) * (grid.height / g.resolution));
    selected = Math.max(0, Math.floor(Number(start.value))) + row * 8 + col;
    seedInput.value = String(selected);
    void drawLatent();
  });

  // The selected latent, with direction sliders
  const seedInput = numberInput('latent-seed', 0, { min: '0' });
  const noise = el('select', { 'data-testid': 'noise' }, el('option', { value: 'const' }, 'const'), el('option', { value: 'none' }, 'none'));
  const big = el('canvas', { 'data-testid': 'latent' });
  const sliders: { set: DirectionSetJson; index: number; input: HTMLInputElement }[] = [];
  const sliderBox = el('div', { class: 'sliders' });
  for (const set of cfg.directions) {
    if (set.space === 'w' && !g.isStyleGan) continue;
    sliderBox.append(el('h3', {}, set.name));
    set.labels.slice(0, 8).forEach((label, index) => {
      const input = el('input', { type: 'range', min: '-5', max: '5', step: '0.1', value: '0', 'data-testid': `slider-${set.name}-${index}` });
      const value = el('span', {}, '0');
      input.addEventListener('input', () => {
        value.textContent = input.value;
        void drawLatent();
      });
      sliders.push({ set, index, input });
      sliderBox.append(el('label', {}, `${label} (${set.units[index] === 'sigma' ? 'σ' : 'L2'})`, input, value));
    });
  }
  app.append(el('section', {}, el('h2', {}, 'Latent'), el('div', { class: 'row' }, 'seed', seedInput, ...(g.isStyleGan ? ['noise', noise] : [])), big, sliderBox));

  /** The latent of a seed with the slider edits: ws (StyleGAN2) or z (DCGAN). */
  async function editedLatent(seed: number): Promise<Float32Array> {
    const z = g.z(seed);
    for (const { set, index, input } of sliders) {
      const s = Number(input.value);
      if (set.space === 'z' && s) set.steps[index].forEach((v, j) => (z[j] += s * v));
    }
    if (!g.isStyleGan) return z;
    const ws = await g.ws(z, Number(psi.value));
    for (const { set, index, input } of sliders) {
      const s = Number(input.value);
      if (set.space !== 'w' || !s) continue;
      const [a, b] = set.layers ?? [0, g.numWs];
      for (let r = a; r < b; r++) set.steps[index].forEach((v, j) => (ws[r * g.wDim + j] += s * v));
    }
    return ws;
  }
  const drawLatent = latestOnly(async () => {
    const t0 = performance.now();
    const img = await g.render(await editedLatent(Math.max(0, Math.floor(Number(seedInput.value)))), noise.value as 'const' | 'none');
    drawGrid(big, [img], 1, g, Math.max(1, Math.floor(256 / g.resolution)));
    big.dataset.ms = (performance.now() - t0).toFixed(1);
  });
  seedInput.addEventListener('change', () => void drawLatent());
  noise.addEventListener('change', () => void drawLatent());
  psi.addEventListener('input', () => {
    psiText.textContent = psi.value;
    void drawSeeds();
    void drawLatent();
  });
  start.addEventListener('change', () => void drawSeeds());
  count.addEventListener('change', () => void drawSeeds());

  // Style mixing (NVIDIA's matrix: rows take the columns' ws rows [from, to))
  if (g.isStyleGan) {
    const rowSeeds = el('input', { value: '0-3', 'data-testid': 'mix-rows' });
    const colSeeds = el('input', { value: '4-7', 'data-testid': 'mix-cols' });
    const from = numberInput('mix-from', 0, { min: '0', max: String(g.numWs - 1) });
    const to = numberInput('mix-to', Math.min(4, g.numWs), { min: '1', max: String(g.numWs) });
    const mix = el('canvas', { 'data-testid': 'mix' });
    const drawMix = latestOnly(async () => {
      const rows = parseSeeds(rowSeeds.value, 256).slice(0, 8);
      const cols = parseSeeds(colSeeds.value, 256).slice(0, 8);
      const a = Math.max(0, Number(from.value));
      const b = Math.min(g.numWs, Number(to.value));
      const p = Number(psi.value);
      const rowWs = await Promise.all(rows.map(async (s) => g.ws(g.z(s), p)));
      const colWs = await Promise.all(cols.map(async (s) => g.ws(g.z(s), p)));
      const images: Float32Array[] = [new Float32Array(g.info.dims.channels * g.resolution ** 2).fill(1)];
      for (const w of colWs) images.push(await g.render(w));
      for (const w of rowWs) {
        images.push(await g.render(w));
        for (const c of colWs) {
          const mixed = w.slice();
          mixed.set(c.subarray(a * g.wDim, b * g.wDim), a * g.wDim);
          images.push(await g.render(mixed));
        }
      }
      drawGrid(mix, images, cols.length + 1, g, scale);
    });
    const button = el('button', { 'data-testid': 'mix-run' }, 'mix');
    button.addEventListener('click', () => void drawMix().catch(showError));
    app.append(el('section', {}, el('h2', {}, 'Style mixing'), el('div', { class: 'row' }, 'rows', rowSeeds, 'columns', colSeeds, 'ws rows from', from, 'to', to, button), mix));
  }

  // Interpolation (lerp in W for StyleGAN2, in z for DCGAN), played in the page, downloadable as a GIF
  const keys = el('input', { value: '0,1,2', 'data-testid': 'interp-seeds' });
  const steps = numberInput('interp-steps', 12, { min: '2', max: '60' });
  const player = el('canvas', { 'data-testid': 'interp' });
  const play = el('button', { 'data-testid': 'interp-run' }, 'play');
  const gif = el('button', { 'data-testid': 'interp-gif' }, 'download GIF');
  async function frames(): Promise<Float32Array[]> {
    const seeds = parseSeeds(keys.value, 256);
    const codes = await Promise.all(seeds.map(async (s) => (g.isStyleGan ? g.ws(g.z(s), Number(psi.value)) : g.z(s))));
    const n = Math.max(2, Math.floor(Number(steps.value)));
    const out: Float32Array[] = [];
    for (let k = 0; k + 1 < codes.length; k++)
      for (let i = 0; i < n; i++) {
        const t = i / n;
        out.push(await g.render(codes[k].map((v, j) => v + t * (codes[k + 1][j] - v))));
      }
    out.push(await g.render(codes[codes.length - 1]));
    return out;
  }
  play.addEventListener('click', () =>
    void frames()
      .then(async (fs) => {
        for (const f of fs) {
          drawGrid(player, [f], 1, g, scale);
          await new Promise((r) => setTimeout(r, 60));
        }
      })
      .catch(showError),
  );
  gif.addEventListener('click', () =>
    void frames()
      .then((fs) => {
        const r = g.resolution;
        const c = g.info.dims.channels as 1 | 3;
        const up = Math.max(1, Math.floor(256 / r));
        const images = fs.map((f) => {
          const rgba = toRgba(f, c, r);
          const data = new Uint8Array(r * up * r * up * c);
          for (let y = 0; y < r * up; y++)
            for (let x = 0; x < r * up; x++)
              for (let ch = 0; ch < c; ch++) data[(y * r * up + x) * c + ch] = rgba[(Math.floor(y / up) * r + Math.floor(x / up)) * 4 + ch];
          return { width: r * up, height: r * up, channels: c, data };
        });
        const blob = new Blob([encodeGif(images, { delayMs: 60 }) as Uint8Array<ArrayBuffer>], { type: 'image/gif' });
        const a = el('a', { href: URL.createObjectURL(blob), download: `${cfg.name}-interpolation.gif` });
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      })
      .catch(showError),
  );
  app.append(el('section', {}, el('h2', {}, 'Interpolation'), el('div', { class: 'row' }, 'seeds', keys, 'frames per segment', steps, play, gif), player));

  await drawSeeds();
  await drawLatent();
  document.body.dataset.ready = 'true';
}

function showError(err: unknown): void {
  statusLine.textContent = String((err as Error).message ?? err);
  statusLine.className = 'error';
}

main().catch(showError);
