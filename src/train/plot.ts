import { ArgumentError } from '../core/errors.js';
import type { RgbImage } from '../formats/image.js';
import { writePng } from '../formats/image.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyph, textWidth } from '../formats/font.js';
import type { LogRecord } from './types.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** matplotlib's tab10: distinct on white, the colours people expect on loss curves. */
export const SERIES_COLOURS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** A white RGB raster with the drawing primitives plots need. */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  fillRect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = Math.round(y0); y < Math.round(y0 + h); y++)
      for (let x = Math.round(x0); x < Math.round(x0 + w); x++) this.set(x, y, c);
  }

  /** A line from (x0, y0) to (x1, y1), Bresenham, `thickness` pixels square pen. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    let ax = Math.round(x0);
    let ay = Math.round(y0);
    const bx = Math.round(x1);
    const by = Math.round(y1);
    const dx = Math.abs(bx - ax);
    const dy = -Math.abs(by - ay);
    const sx = ax < bx ? 1 : -1;
    const sy = ay < by ? 1 : -1;
    let err = dx + dy;
    const lo = -Math.floor((thickness - 1) / 2);
    for (;;) {
      for (let i = lo; i < lo + thickness; i++)
        for (let j = lo; j < lo + thickness; j++) this.set(ax + i, ay + j, c);
      if (ax === bx && ay === by) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        ax += sx;
      }
      if (e2 <= dx) {
        err += dx;
        ay += sy;
      }
    }
  }

  /** Text with its top-left corner at (x, y). */
  text(x: number, y: number, s: string, c: Rgb, scale = 1): void {
    for (const [k, ch] of [...s].entries()) {
      const g = glyph(ch);
      if (!g) continue;
      for (const [r, row] of g.entries()) {
        for (const [col, on] of row.entries()) {
          if (on) this.fillRect(x + (k * GLYPH_ADVANCE + col) * scale, y + r * scale, scale, scale, c);
        }
      }
    }
  }

  toImage(): RgbImage {
    return { width: this.width, height: this.height, channels: 3, data: this.data };
  }
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  // Integer multiples of the step, rounded to 12 significant digits (0.1·3 prints as 0.3).
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v) || 1;
  if (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3)) return v.toExponential(1);
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export interface PlotOptions {
  width?: number;
  height?: number;
  /** Series to draw (names in LogRecord.values); default every name that appears, in first-seen order. */
  keys?: readonly string[];
  /** Clip the y range to these quantiles of all values so a spike does not flatten the rest (default [0.01, 0.99]). */
  quantiles?: readonly [number, number];
  title?: string;
  /** Also mark every point (sparse series such as per-snapshot metrics). */
  markers?: boolean;
}

const AXIS: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];

/** Loss curves (x = kimg) with axes, ticks and a colour legend, as an RGB image. */
export function plotLosses(records: readonly LogRecord[], options: PlotOptions = {}): RgbImage {
  const W = options.width ?? 800;
  const H = options.height ?? 400;
  if (W < 200 || H < 120) throw new ArgumentError(`plotLosses: ${W}×${H} is too small (at least 200×120)`);
  const keys = options.keys ?? [...new Set(records.flatMap((r) => Object.keys(r.values)))];
  const raster = new Raster(W, H);
  const left = 64;
  const right = W - 12;
  const top = options.title ? 24 : 12;
  const bottom = H - 32;
  if (options.title) raster.text(left, 8, options.title, AXIS);

  const finite = records.flatMap((r) =>
    keys.map((k) => r.values[k]).filter((v): v is number => Number.isFinite(v)),
  );
  const xs = records.map((r) => r.kimg);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x1 <= x0) [x0, x1] = [x0 - 0.5, x0 + 0.5];
  let [y0, y1] = [0, 1];
  if (finite.length) {
    const sorted = [...finite].sort((a, b) => a - b);
    const [qlo, qhi] = options.quantiles ?? [0.01, 0.99];
    y0 = sorted[Math.floor(qlo * (sorted.length - 1))];
    y1 = sorted[Math.ceil(qhi * (sorted.length - 1))];
    const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.1 || 0.5;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

  const xt = niceTicks(x0, x1, Math.floor((right - left) / 90));
  const yt = niceTicks(y0, y1, Math.floor((bottom - top) / 50));
  for (const v of xt) {
    raster.line(px(v), top, px(v), bottom, GRID);
    const s = tickLabel(v, xt);
    raster.text(px(v) - textWidth(s) / 2, bottom + 6, s, AXIS);
  }
  for (const v of yt) {
    raster.line(left, py(v), right, py(v), GRID);
    const s = tickLabel(v, yt);
    raster.text(left - 6 - textWidth(s), py(v) - 3, s, AXIS);
  }
  raster.text((left + right) / 2 - textWidth('kimg') / 2, bottom + 18, 'kimg', AXIS);
  raster.line(left, top, left, bottom, AXIS);
  raster.line(left, bottom, right, bottom, AXIS);

  // Curves clip to the plot area: points beyond the quantile range are drawn at its edge.
  const clampY = (y: number) => Math.min(bottom, Math.max(top, py(y)));
  keys.forEach((k, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
    let prev: [number, number] | null = null;
    for (const r of records) {
      const v = r.values[k];
      if (!Number.isFinite(v)) {
        prev = null;
        continue;
      }
      const p: [number, number] = [px(r.kimg), clampY(v)];
      if (prev) raster.line(prev[0], prev[1], p[0], p[1], colour, 2);
      else raster.fillRect(p[0] - 1, p[1] - 1, 2, 2, colour);
      if (options.markers) raster.fillRect(p[0] - 3, p[1] - 3, 7, 7, colour);
      prev = p;
    }
  });

  // Legend: a swatch and the name per series, top right, on a white box.
  if (keys.length) {
    const boxW = 28 + Math.max(...keys.map((k) => textWidth(k)));
    const boxH = keys.length * (GLYPH_HEIGHT + 6) + 6;
    const bx = right - boxW - 6;
    const by = top + 6;
    raster.fillRect(bx, by, boxW, boxH, [255, 255, 255]);
    raster.line(bx, by, bx + boxW, by, GRID);
    raster.line(bx, by + boxH, bx + boxW, by + boxH, GRID);
    raster.line(bx, by, bx, by + boxH, GRID);
    raster.line(bx + boxW, by, bx + boxW, by + boxH, GRID);
    keys.forEach((k, i) => {
      const y = by + 6 + i * (GLYPH_HEIGHT + 6);
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
      raster.fillRect(bx + 6, y + 2, 14, 3, colour);
      raster.text(bx + 24, y, k, AXIS);
    });
  }
  return raster.toImage();
}

/** Plots `records` to a PNG file (written atomically). */
export async function writeLossPlot(
  path: string,
  records: readonly LogRecord[],
  options?: PlotOptions,
): Promise<void> {
  await writePng(path, plotLosses(records, options));
}
