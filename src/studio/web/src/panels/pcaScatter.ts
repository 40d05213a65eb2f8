import { api, type PcaView, hasWSpace } from '../api.js';
import { panel, statusLine } from '../components/controls.js';
import { h } from '../dom.js';
import { renderRequest, type StudioStore } from '../state.js';

const SIZE = 320;

/** W-space PCA: sampled w on the first two components, the shown latent (red) and its edit path (blue). */
export function pcaScatterPanel(store: StudioStore): HTMLElement {
  const status = statusLine();
  const canvas = h('canvas', {
    width: String(SIZE),
    height: String(SIZE),
    class: 'scatter',
    'data-testid': 'pca-canvas',
  });
  const caption = h('span', { class: 'caption', 'data-testid': 'pca-caption' });
  let controller: AbortController | null = null;
  let timer: number | undefined;

  const draw = (v: PcaView) => {
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, SIZE, SIZE);
    const all = [...v.points, ...v.path];
    const lim = Math.max(...all.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.05 || 1;
    const px = (x: number) => SIZE / 2 + (x / lim) * (SIZE / 2 - 6);
    const py = (y: number) => SIZE / 2 - (y / lim) * (SIZE / 2 - 6);
    ctx.strokeStyle = '#e4e4e4';
    ctx.beginPath();
    ctx.moveTo(0, SIZE / 2);
    ctx.lineTo(SIZE, SIZE / 2);
    ctx.moveTo(SIZE / 2, 0);
    ctx.lineTo(SIZE / 2, SIZE);
    ctx.stroke();
    ctx.fillStyle = 'rgba(80, 80, 90, 0.35)';
    for (const [x, y] of v.points) ctx.fillRect(px(x) - 1, py(y) - 1, 2, 2);
    if (v.path.length > 1) {
      ctx.strokeStyle = '#3454d1';
      ctx.lineWidth = 2;
      ctx.beginPath();
      v.path.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
    }
    ctx.fillStyle = '#d1342f';
    ctx.beginPath();
    ctx.arc(px(v.current[0]), py(v.current[1]), 5, 0, 2 * Math.PI);
    ctx.fill();
    const pct = (e: number) => `${(100 * e).toFixed(1)} %`;
    caption.textContent = `${v.samples} sampled w on pc0 (${pct(v.explained[0])}) × pc1 (${pct(v.explained[1])}); red: the shown latent (mean of its ws rows), blue: its edit path`;
    canvas.dataset.current = v.current.join(',');
  };

  const update = () => {
    const s = store.get();
    const req = renderRequest(s);
    if (!req || !hasWSpace(s.model)) return;
    controller?.abort();
    const c = new AbortController();
    controller = c;
    api.pca({ ...req, samples: 2000 }, c.signal).then(draw, (e: Error) => {
      if (!c.signal.aborted) status.error(e.message);
    });
  };
  const el = panel('W space (PCA)', 'panel-pca', canvas, caption, status.el).el;
  store.watch(['model', 'selectedSeed', 'selectedFile', 'psi', 'noiseMode', 'edits'], (s) => {
    el.classList.toggle('hidden', !hasWSpace(s.model));
    clearTimeout(timer);
    timer = window.setTimeout(update, 120);
  });
  return el;
}
