// path.png of `interpolate` (and of the studio's strip, made on the server or in the page): pure, so the
// web app draws the same figure.
import { blankLike, labelledGrid } from '../formats/imageGrid.js';
import type { RgbImage } from '../formats/image.js';
import type { FrameStep } from './paths.js';

/** A short label for a path frame: the keyframe's number at keyframes, else nothing. */
export function frameLabel(step: FrameStep): string {
  return step.t === 0 ? `K${step.from}` : step.t === 1 ? `K${step.to}` : '';
}

/**
 * path.png: the frames `columns` to a row (keyframes labelled when they fit in one row); with a cross-fade,
 * each row of latent frames is followed by the same frames cross-faded in pixels.
 */
export function pathFigure(
  frames: readonly RgbImage[],
  fades: readonly RgbImage[] | null,
  schedule: readonly FrameStep[],
  columns: number | null,
): RgbImage {
  const cols = Math.min(columns ?? frames.length, frames.length);
  const rows: RgbImage[][] = [];
  for (let at = 0; at < frames.length; at += cols) {
    rows.push(frames.slice(at, at + cols));
    if (fades) rows.push(fades.slice(at, at + cols));
  }
  // a short row is padded with blanks when another row follows it
  const cells = rows.flatMap((r, i) =>
    i === rows.length - 1
      ? r
      : [...r, ...Array.from({ length: cols - r.length }, () => blankLike(frames[0]))],
  );
  return labelledGrid(cells, {
    columns: cols,
    columnLabels: cols === frames.length ? schedule.map(frameLabel) : undefined,
    rowLabels: fades ? rows.map((_, i) => (i % 2 === 0 ? 'latent' : 'pixel')) : undefined,
  });
}
