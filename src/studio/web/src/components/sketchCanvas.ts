import { h } from '../dom.js';

const UNDO_DEPTH = 30;

/**
 * A drawing surface: strokes on black (Fashion-MNIST's look), with brush size, ink brightness, an eraser,
 * undo and clear. `toBlobs` returns the drawing and a mask that is white where strokes were drawn (the eraser
 * takes strokes back out of it), for a projection whose loss counts only there.
 */
export function sketchCanvas(opts: { size?: number; testId?: string } = {}): {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  clear(): void;
  isEmpty(): boolean;
  toBlobs(): Promise<{ image: Blob; mask: Blob }>;
} {
  const size = opts.size ?? 256;
  const id = opts.testId ?? 'sketch';
  const canvas = h('canvas', {
    width: String(size),
    height: String(size),
    class: 'sketch',
    'data-testid': id,
    'aria-label': 'sketch canvas',
  });
  const mask = document.createElement('canvas');
  mask.width = size;
  mask.height = size;
  const brush = h('input', {
    type: 'range',
    min: '2',
    max: '48',
    step: '1',
    value: '16',
    'data-testid': `${id}-brush`,
  });
  const ink = h('input', {
    type: 'range',
    min: '0',
    max: '255',
    step: '1',
    value: '255',
    'data-testid': `${id}-ink`,
  });
  const eraser = h('input', { type: 'checkbox', 'data-testid': `${id}-eraser` });
  const undoBtn = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': `${id}-undo` },
    'undo stroke',
  );
  const clearBtn = h('button', { type: 'button', class: 'secondary', 'data-testid': `${id}-clear` }, 'clear');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const mctx = mask.getContext('2d', { willReadFrequently: true })!;
  const undo: { image: ImageData; mask: ImageData; empty: boolean }[] = [];
  let drawing = false;
  let empty = true;
  let last: [number, number] | null = null;

  const sync = () => {
    undoBtn.disabled = !undo.length;
    clearBtn.disabled = empty;
    canvas.dataset.empty = String(empty);
    canvas.classList.toggle('erasing', eraser.checked);
  };
  const fill = () => {
    for (const c of [ctx, mctx]) {
      c.fillStyle = '#000';
      c.fillRect(0, 0, size, size);
    }
    empty = true;
    sync();
  };
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * size) / r.width, ((e.clientY - r.top) * size) / r.height];
  };
  const stroke = (from: [number, number], to: [number, number]) => {
    const v = Number(ink.value);
    const erase = eraser.checked;
    for (const [c, colour] of [
      [ctx, erase ? '#000' : `rgb(${v},${v},${v})`],
      [mctx, erase ? '#000' : '#fff'],
    ] as const) {
      c.strokeStyle = colour;
      c.lineWidth = Number(brush.value);
      c.lineCap = 'round';
      c.beginPath();
      c.moveTo(...from);
      c.lineTo(...to);
      c.stroke();
    }
    if (!erase) empty = false;
  };
  canvas.addEventListener('pointerdown', (e) => {
    undo.push({
      image: ctx.getImageData(0, 0, size, size),
      mask: mctx.getImageData(0, 0, size, size),
      empty,
    });
    if (undo.length > UNDO_DEPTH) undo.shift();
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
  const up = () => {
    drawing = false;
    last = null;
    sync();
  };
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  undoBtn.addEventListener('click', () => {
    const prev = undo.pop();
    if (!prev) return;
    ctx.putImageData(prev.image, 0, 0);
    mctx.putImageData(prev.mask, 0, 0);
    empty = prev.empty;
    sync();
  });
  clearBtn.addEventListener('click', () => {
    undo.push({
      image: ctx.getImageData(0, 0, size, size),
      mask: mctx.getImageData(0, 0, size, size),
      empty,
    });
    fill();
  });
  eraser.addEventListener('change', sync);
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
        h('label', { class: 'field' }, eraser, h('span', {}, 'eraser')),
        undoBtn,
        clearBtn,
      ),
    ),
    canvas,
    clear: fill,
    isEmpty: () => empty,
    toBlobs: async () => ({ image: await blob(canvas), mask: await blob(mask) }),
  };
}
