import { ArgumentError } from '../core/errors.js';
import { concatRows, Tensor } from '../core/tensor.js';
import { makeGrid, type RgbImage, toImages, upscale } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyph, textWidth } from '../formats/font.js';
import { type Latent, renderLatent, selectRows } from './latent.js';

export type Progress = (done: number, total: number) => void;

/**
 * Renders a latent in chunks of `batchSize` rows, reporting progress after each chunk. Explicit noise maps
 * are split with the rows; a latent with unmaterialised random noise renders in one call (its maps depend
 * on the whole batch).
 */
export async function renderFrames(model: GanModel, latent: Latent, opts: { batchSize?: number; onProgress?: Progress } = {}): Promise<Tensor<'float32'>> {
  const n = latent.codes.shape[0];
  const batch = opts.batchSize ?? 8;
  if (latent.noiseMode === 'random' && !latent.noise) {
    const out = await renderLatent(model, latent, { batchSize: batch });
    opts.onProgress?.(n, n);
    return out;
  }
  const parts: Tensor<'float32'>[] = [];
  for (let at = 0; at < n; at += batch) {
    const rows = Array.from({ length: Math.min(batch, n - at) }, (_, i) => at + i);
    parts.push(await renderLatent(model, selectRows(latent, rows), { batchSize: batch }));
    opts.onProgress?.(at + rows.length, n);
  }
  return parts.length === 1 ? parts[0] : concatRows(parts);
}

/** Generator output -> 8-bit images, each upscaled by `factor` (nearest neighbour). */
export function imagesOf(batch: Tensor, factor = 1): RgbImage[] {
  return toImages(batch).map((im) => upscale(im, factor));
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
