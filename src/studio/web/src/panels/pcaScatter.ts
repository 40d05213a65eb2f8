import { api, type EditRequest, type PcaView } from '../api.js';
import { panel, statusLine } from '../components/controls.js';
import { h } from '../dom.js';
import { renderRequest, type StudioStore } from '../state.js';

const SIZE = 320;
/** Arrow keys on the focused plot move the latent by this many sigma along pc0 / pc1. */
const KEY_STEP = 0.25;

/**
 * W-space PCA: sampled w on the first two components, the shown latent (red) and its edit path (blue).
 * Drag the red point (or use the arrow keys) to move the latent along pc0/pc1: the move becomes edits
 * along the plot's own components (a direction file the server writes), so undo, saving and the CLI
 * command see it like any other edit.
 */
export function pcaScatterPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const canvas = h('canvas', {
    width: String(SIZE),
    height: String(SIZE),
    class: 'scatter',
    tabindex: '0',
    role: 'slider',
    'aria-label': 'the shown latent on pc0 × pc1: drag it, or use the arrow keys',
    'data-testid': 'pca-canvas',
  });
  const caption = h('span', { class: 'caption', 'data-testid': 'pca-caption' });
  let controller: AbortController | null = null;
  let timer: number | undefined;
  let view: PcaView | null = null;
  let lim = 1;
  let drag: { start: [number, number]; base: EditRequest[]; at: [number, number] } | null = null;
  let lastPublish = 0;

  const px = (x: number) => SIZE / 2 + (x / lim) * (SIZE / 2 - 6);
  const py = (y: number) => SIZE / 2 - (y / lim) * (SIZE / 2 - 6);
  const unpx = (X: number) => ((X - SIZE / 2) / (SIZE / 2 - 6)) * lim;
  const unpy = (Y: number) => (-(Y - SIZE / 2) / (SIZE / 2 - 6)) * lim;

  const draw = () => {
    const v = view;
    if (!v) return;
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (!drag) {
      const all = [...v.points, ...v.path];
      lim = Math.max(...all.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.15 || 1;
    }
    ctx.strokeStyle = '#e4e4e4';
    ctx.beginPath();
    ctx.moveTo(0, SIZE / 2);
    ctx.lineTo(SIZE, SIZE / 2);
    ctx.moveTo(SIZE / 2, 0);
    ctx.lineTo(SIZE / 2, SIZE);
    ctx.stroke();
    ctx.fillStyle = '#6b6b70';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('pc0 →', SIZE - 40, SIZE / 2 - 4);
    ctx.fillText('pc1 ↑', SIZE / 2 + 4, 12);
    ctx.fillStyle = 'rgba(80, 80, 90, 0.35)';
    for (const [x, y] of v.points) ctx.fillRect(px(x) - 1, py(y) - 1, 2, 2);
    if (v.path.length > 1) {
      ctx.strokeStyle = '#3454d1';
      ctx.lineWidth = 2;
      ctx.beginPath();
      v.path.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    const [cx, cy] = drag ? drag.at : v.current;
    ctx.fillStyle = '#d1342f';
    ctx.beginPath();
    ctx.arc(px(cx), py(cy), drag ? 7 : 5, 0, 2 * Math.PI);
    ctx.fill();
    const pct = (e: number) => `${(100 * e).toFixed(1)} %`;
    caption.textContent = `${v.samples} sampled w on pc0 (${pct(v.explained[0])}) × pc1 (${pct(v.explained[1])}); red: the shown latent (mean of its ws rows) — drag it; blue: its edit path`;
    canvas.dataset.current = v.current.join(',');
  };

  /** The base edits plus a move of (dx, dy) in plot units, as sigma along the plot's pc0 / pc1. */
  const movedEdits = (base: EditRequest[], dx: number, dy: number): EditRequest[] => {
    const v = view!;
    const file = v.directions;
    const prior = (k: number) => base.find((e) => e.directions === file && e.component === k)?.strength ?? 0;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const s0 = round(prior(0) + dx / v.stdev[0]);
    const s1 = round(prior(1) + dy / v.stdev[1]);
    const clamp = (x: number) => Math.max(-100, Math.min(100, x));
    const rest = base.filter((e) => e.directions !== file);
    return [
      ...rest,
      ...(s0 ? [{ directions: file, component: 0, strength: clamp(s0) }] : []),
      ...(s1 ? [{ directions: file, component: 1, strength: clamp(s1) }] : []),
    ];
  };

  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [unpx(((e.clientX - r.left) * SIZE) / r.width), unpy(((e.clientY - r.top) * SIZE) / r.height)];
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (!view) return;
    canvas.setPointerCapture(e.pointerId);
    drag = { start: at(e), base: store.get().edits, at: view.current };
    canvas.classList.add('dragging');
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag || !view) return;
    const p = at(e);
    const dx = p[0] - drag.start[0];
    const dy = p[1] - drag.start[1];
    drag.at = [view.current[0] + dx, view.current[1] + dy];
    draw();
    // the image follows while dragging (newest request wins), at most every 120 ms
    if (performance.now() - lastPublish > 120) {
      lastPublish = performance.now();
      store.set({ edits: movedEdits(drag.base, dx, dy) });
    }
  });
  const end = (e: PointerEvent) => {
    if (!drag || !view) return;
    const p = at(e);
    const edits = movedEdits(drag.base, p[0] - drag.start[0], p[1] - drag.start[1]);
    drag = null;
    canvas.classList.remove('dragging');
    store.set({ edits });
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('keydown', (e) => {
    if (!view) return;
    const step = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
    if (!step) return;
    e.preventDefault();
    store.set({
      edits: movedEdits(
        store.get().edits,
        step[0] * KEY_STEP * view.stdev[0],
        step[1] * KEY_STEP * view.stdev[1],
      ),
    });
  });

  const update = () => {
    const s = store.get();
    const req = renderRequest(s);
    if (!req || s.model?.architecture !== 'stylegan2') return;
    controller?.abort();
    const c = new AbortController();
    controller = c;
    api.pca({ ...req, samples: 2000 }, c.signal).then(
      (v) => {
        view = v;
        status.clear();
        if (!drag) draw();
      },
      (e: Error) => {
        if (!c.signal.aborted) status.error(e.message);
      },
    );
  };
  const el = panel('W space (PCA)', 'panel-pca', canvas, caption, status.el).el;
  store.watch(
    ['model', 'selectedSeed', 'selectedFile', 'latentPsi', 'noiseMode', 'noiseSeed', 'edits'],
    (s) => {
      el.classList.toggle('hidden', s.model?.architecture !== 'stylegan2');
      clearTimeout(timer);
      timer = window.setTimeout(update, 120);
    },
  );
  return el;
}
