// Laying images out as figures: grids, nearest-neighbour upscaling, labels in the bitmap font. Pure
// (no encoder, no Node API), so the studio page composes the same figures as the server, pixel for pixel.
import { ArgumentError } from '../core/errors.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyph, textWidth } from './font.js';
import type { RgbImage } from './image.js';

/** Tiles images into a grid (row-major), `gap` pixels of `background` between cells. */
export function makeGrid(images: readonly RgbImage[], columns?: number, gap = 0, background = 0): RgbImage {
  const { width: w, height: h, channels: c } = images[0];
  const cols = Math.max(1, Math.min(columns ?? Math.ceil(Math.sqrt(images.length)), images.length));
  const rows = Math.ceil(images.length / cols);
  const W = cols * w + (cols - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const data = new Uint8Array(W * H * c).fill(background);
  images.forEach((img, i) => {
    const x0 = (i % cols) * (w + gap);
    const y0 = Math.floor(i / cols) * (h + gap);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * c, (y + 1) * w * c), ((y0 + y) * W + x0) * c);
  });
  return { width: W, height: H, channels: c, data };
}

/** Nearest-neighbour upscaling by an integer factor (small 28-32 px images are unreadable at 1x). */
export function upscale(img: RgbImage, factor: number): RgbImage {
  if (factor === 1) return img;
  const { width: w, height: h, channels: c } = img;
  const W = w * factor;
  const data = new Uint8Array(W * h * factor * c);
  for (let y = 0; y < h * factor; y++) {
    for (let x = 0; x < W; x++) {
      const s = (Math.floor(y / factor) * w + Math.floor(x / factor)) * c;
      data.set(img.data.subarray(s, s + c), (y * W + x) * c);
    }
  }
  return { width: W, height: h * factor, channels: c, data };
}

/** Draws `text` with its top-left corner at (x, y) in `value` (every channel), `scale` pixels per font pixel. */
export function drawText(img: RgbImage, text: string, x: number, y: number, scale = 1, value = 255): void {
  const { width: w, height: h, channels: c, data } = img;
  [...text].forEach((ch, k) => {
    const g = glyph(ch);
    if (!g) return;
    g.forEach((row, r) =>
      row.forEach((on, col) => {
        if (!on) return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (k * GLYPH_ADVANCE + col) * scale + dx;
            const py = y + r * scale + dy;
            if (px >= 0 && py >= 0 && px < w && py < h) data.fill(value, (py * w + px) * c, (py * w + px + 1) * c);
          }
        }
      }),
    );
  });
}

export interface LabelledGridOptions {
  columns: number;
  /** Text above each column / left of each row (the bitmap font: digits, capitals, + - . = ( ) / : %). */
  columnLabels?: readonly string[];
  rowLabels?: readonly string[];
  /** Pixels between cells (default 2). */
  gap?: number;
  /** Font scale (default: 1 for cells under 64 px, else cell width / 64). */
  textScale?: number;
}

/** A grid of equally sized images with optional column and row labels (black background, white text). */
export function labelledGrid(cells: readonly RgbImage[], opts: LabelledGridOptions): RgbImage {
  if (cells.length === 0) throw new ArgumentError('labelledGrid: no images');
  const gap = opts.gap ?? 2;
  const grid = makeGrid(cells, opts.columns, gap);
  const cw = cells[0].width;
  const ch = cells[0].height;
  const scale = opts.textScale ?? Math.max(1, Math.floor(cw / 64));
  const fits = (s: string) => {
    let t = s.toUpperCase();
    while (t.length > 1 && textWidth(t, scale) > cw) t = t.slice(0, -1);
    return t;
  };
  const top = opts.columnLabels ? (GLYPH_HEIGHT + 4) * scale : 0;
  const rowTexts = opts.rowLabels?.map((s) => s.toUpperCase()) ?? [];
  const left = opts.rowLabels ? Math.max(...rowTexts.map((s) => textWidth(s, scale))) + 4 * scale : 0;
  const c = grid.channels;
  const W = grid.width + left;
  const H = grid.height + top;
  const out: RgbImage = { width: W, height: H, channels: c, data: new Uint8Array(W * H * c) };
  for (let y = 0; y < grid.height; y++) out.data.set(grid.data.subarray(y * grid.width * c, (y + 1) * grid.width * c), ((y + top) * W + left) * c);
  opts.columnLabels?.forEach((label, j) => {
    const t = fits(label);
    const x = left + j * (cw + gap) + Math.floor((cw - textWidth(t, scale)) / 2);
    drawText(out, t, x, 2 * scale, scale);
  });
  rowTexts.forEach((t, i) => {
    const y = top + i * (ch + gap) + Math.floor((ch - GLYPH_HEIGHT * scale) / 2);
    drawText(out, t, 2 * scale, y, scale);
  });
  return out;
}

/** Places images side by side (all the same height and channels), `gap` pixels apart. */
export function sideBySide(images: readonly RgbImage[], gap = 2): RgbImage {
  return makeGrid(images, images.length, gap);
}

/** A blank (black) image the size of `like`. */
export function blankLike(like: RgbImage): RgbImage {
  return { ...like, data: new Uint8Array(like.data.length) };
}
