import { h } from '../dom.js';

/** A small line chart of a loss per step (log scale), redrawn as points arrive. */
export function lossChart(opts: { width?: number; height?: number; testId?: string } = {}): {
  el: HTMLElement;
  push(step: number, loss: number): void;
  reset(): void;
  points(): number;
} {
  const width = opts.width ?? 320;
  const height = opts.height ?? 120;
  const canvas = h('canvas', {
    width: String(width),
    height: String(height),
    class: 'chart',
    'data-testid': opts.testId,
  });
  const caption = h('span', { class: 'caption' });
  const data: [number, number][] = [];
  let queued = false;

  const draw = () => {
    queued = false;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#dcdcdc';
    ctx.strokeRect(0.5, 0.5, width - 1, height - 1);
    if (data.length < 2) return;
    const logs = data.map(([, l]) => Math.log10(Math.max(l, 1e-12)));
    const lo = Math.min(...logs);
    const hi = Math.max(...logs);
    const maxStep = data[data.length - 1][0] || 1;
    const x = (s: number) => 4 + ((width - 8) * s) / maxStep;
    const y = (v: number) => height - 4 - ((height - 8) * (v - lo)) / (hi - lo || 1);
    ctx.strokeStyle = '#3454d1';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    data.forEach(([s], i) => (i ? ctx.lineTo(x(s), y(logs[i])) : ctx.moveTo(x(s), y(logs[i]))));
    ctx.stroke();
    caption.textContent = `loss ${data[data.length - 1][1].toPrecision(4)} at step ${data[data.length - 1][0]} (log scale ${lo.toFixed(1)}…${hi.toFixed(1)})`;
  };

  return {
    el: h('div', { class: 'chart-box' }, canvas, caption),
    push(step, loss) {
      if (!Number.isFinite(loss)) return;
      data.push([step, loss]);
      if (!queued) {
        queued = true;
        requestAnimationFrame(draw);
      }
    },
    reset() {
      data.length = 0;
      caption.textContent = '';
      requestAnimationFrame(draw);
    },
    points: () => data.length,
  };
}
