import { h } from '../dom.js';

/** 1, 2, 5 × 10^k ticks covering [lo, hi]. */
function niceTicks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

const fmtLoss = (v: number) =>
  v >= 0.01 && v < 1000 ? String(Number(v.toPrecision(2))) : v.toExponential(0);

/**
 * A loss-per-step line chart with axes: steps along x (to the planned total), the loss on a log scale
 * along y with decade ticks; redrawn as points arrive (once per frame at most).
 */
export function lossChart(opts: { width?: number; height?: number; testId?: string } = {}): {
  el: HTMLElement;
  push(step: number, loss: number): void;
  reset(total?: number): void;
  points(): number;
} {
  const width = opts.width ?? 320;
  const height = opts.height ?? 140;
  const canvas = h('canvas', {
    width: String(width),
    height: String(height),
    class: 'chart',
    role: 'img',
    'aria-label': 'loss by step',
    'data-testid': opts.testId,
  });
  const caption = h('span', { class: 'caption' });
  const data: [number, number][] = [];
  let total = 0;
  let queued = false;
  const L = 44;
  const R = 14;
  const T = 8;
  const B = 30;

  const draw = () => {
    queued = false;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#6b6b70';
    ctx.strokeStyle = '#bdbdc2';
    ctx.beginPath();
    ctx.moveTo(L + 0.5, T);
    ctx.lineTo(L + 0.5, height - B + 0.5);
    ctx.lineTo(width - R, height - B + 0.5);
    ctx.stroke();
    ctx.textAlign = 'center';
    ctx.fillText('step', (L + width - R) / 2, height - 3);
    const maxStep = Math.max(total, data.length ? data[data.length - 1][0] : 1, 1);
    const x = (s: number) => L + ((width - L - R) * s) / maxStep;
    const ticks = niceTicks(0, maxStep, 4);
    for (const t of ticks) {
      ctx.textAlign = x(t) > width - R - 12 ? 'right' : 'center';
      ctx.fillText(String(t), Math.min(x(t), width - 1), height - B + 12);
      ctx.beginPath();
      ctx.moveTo(x(t) + 0.5, height - B);
      ctx.lineTo(x(t) + 0.5, height - B + 3);
      ctx.stroke();
    }
    ctx.save();
    ctx.translate(10, (T + height - B) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('loss (log)', 0, 0);
    ctx.restore();
    if (data.length < 1) return;
    const logs = data.map(([, l]) => Math.log10(Math.max(l, 1e-12)));
    let lo = Math.min(...logs);
    let hi = Math.max(...logs);
    if (hi - lo < 0.3) {
      lo -= 0.15;
      hi += 0.15;
    }
    const y = (v: number) => height - B - ((height - B - T) * (v - lo)) / (hi - lo || 1);
    ctx.textAlign = 'right';
    const decades = niceTicks(lo, hi, 3);
    for (const d of decades) {
      ctx.fillText(fmtLoss(10 ** d), L - 4, y(d) + 3);
      ctx.strokeStyle = '#eeeeee';
      ctx.beginPath();
      ctx.moveTo(L + 1, y(d) + 0.5);
      ctx.lineTo(width - R, y(d) + 0.5);
      ctx.stroke();
    }
    ctx.strokeStyle = '#3454d1';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    data.forEach(([s], i) => (i ? ctx.lineTo(x(s), y(logs[i])) : ctx.moveTo(x(s), y(logs[i]))));
    ctx.stroke();
    ctx.lineWidth = 1;
    const [s, l] = data[data.length - 1];
    caption.textContent = `loss ${l.toPrecision(4)} at step ${s}`;
  };
  const queue = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  };
  queue();
  return {
    el: h('div', { class: 'chart-box' }, canvas, caption),
    push(step, loss) {
      if (!Number.isFinite(loss)) return;
      data.push([step, loss]);
      queue();
    },
    reset(t = 0) {
      data.length = 0;
      total = t;
      caption.textContent = '';
      queue();
    },
    points: () => data.length,
  };
}
