import { h } from '../dom.js';

/**
 * A drawing surface: white strokes on black (Fashion-MNIST's look). `toBlobs` returns the drawing and a
 * mask that is white where strokes were drawn, for a projection whose loss counts only there.
 */
export function sketchCanvas(opts: { size?: number; testId?: string } = {}): {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  clear(): void;
  isEmpty(): boolean;
  toBlobs(): Promise<{ image: Blob; mask: Blob }>;
} {
  const size = opts.size ?? 256;
  const canvas = h('canvas', {
    width: String(size),
    height: String(size),
    class: 'sketch',
    'data-testid': opts.testId,
  });
  const mask = document.createElement('canvas');
  mask.width = size;
  mask.height = size;
  const brush = h('input', {
    type: 'range',
    min: '4',
    max: '40',
    step: '1',
    value: '16',
    title: 'brush size',
  });
  const ink = h('input', {
    type: 'range',
    min: '0',
    max: '255',
    step: '1',
    value: '255',
    title: 'brightness',
  });
  let drawing = false;
  let empty = true;
  let last: [number, number] | null = null;

  const fill = () => {
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, size, size);
    const m = mask.getContext('2d')!;
    m.fillStyle = '#000';
    m.fillRect(0, 0, size, size);
    empty = true;
  };
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * size) / r.width, ((e.clientY - r.top) * size) / r.height];
  };
  const stroke = (from: [number, number], to: [number, number]) => {
    const v = Number(ink.value);
    for (const [ctx, colour] of [
      [canvas.getContext('2d')!, `rgb(${v},${v},${v})`],
      [mask.getContext('2d')!, '#fff'],
    ] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = Number(brush.value);
      ctx.lineCap = 'round';
      ctx.beginPath();
      ctx.moveTo(...from);
      ctx.lineTo(...to);
      ctx.stroke();
    }
    empty = false;
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing || !last) return;
    const p = at(e);
    stroke(last, p);
    last = p;
  });
  canvas.addEventListener('pointerup', () => {
    drawing = false;
    last = null;
  });
  fill();
  const blob = (c: HTMLCanvasElement) =>
    new Promise<Blob>((resolve, reject) =>
      c.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the sketch'))), 'image/png'),
    );
  return {
    el: h(
      'div',
      { class: 'sketch-box' },
      canvas,
      h(
        'div',
        { class: 'row' },
        h('label', { class: 'field' }, h('span', { class: 'label' }, 'brush'), brush),
        h('label', { class: 'field' }, h('span', { class: 'label' }, 'ink'), ink),
      ),
    ),
    canvas,
    clear: fill,
    isEmpty: () => empty,
    toBlobs: async () => ({ image: await blob(canvas), mask: await blob(mask) }),
  };
}
