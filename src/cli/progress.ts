import { formatDuration, type ProgressSink, type ProgressUpdate } from '../index.js';

/**
 * A one-line training status on stderr: `kimg 12.3/100.0  D 0.512  G 2.345  412 img/s  ETA 3m34s`.
 * On a TTY the line is redrawn in place (at most `redrawMs` apart); elsewhere (CI logs, files) it is
 * printed as a plain line every `lineSeconds`, so logs stay short. The training loop sees it as a
 * ProgressSink; only the CLI draws one.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Run length in kimg (for the fraction and the ETA). */
  totalKimg: number;
  /** Where to write; default process.stderr. */
  stream?: ProgressStream;
  /** Overrides `stream.isTTY`. */
  tty?: boolean;
  /** Non-TTY: seconds between printed lines (default 60). */
  lineSeconds?: number;
  /** TTY: least milliseconds between redraws (default 100). */
  redrawMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a >= 100 ? 1 : 3);
}

/** The status line for an update (no newline). */
export function formatProgress(u: ProgressUpdate, totalKimg: number): string {
  const digits = totalKimg < 10 ? 3 : 1;
  const parts = [`kimg ${u.kimg.toFixed(digits)}/${totalKimg.toFixed(digits)}`];
  for (const [k, v] of Object.entries(u.values)) parts.push(`${k} ${formatValue(v)}`);
  parts.push(`${u.imgPerSec >= 100 ? u.imgPerSec.toFixed(0) : u.imgPerSec.toFixed(1)} img/s`);
  const eta = u.imgPerSec > 0 ? ((totalKimg - u.kimg) * 1000) / u.imgPerSec : Number.NaN;
  parts.push(`ETA ${formatDuration(Math.max(0, eta))}`);
  return parts.join('  ');
}

export class ProgressDisplay implements ProgressSink {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastLine = '';
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    this.now = opts.now ?? (() => performance.now());
  }

  /** Shows `u`, throttled; `force` draws now (ticks, the end of a run). */
  update(u: ProgressUpdate, force = false): void {
    const line = formatProgress(u, this.opts.totalKimg);
    this.lastLine = line;
    const t = this.now();
    const gap = this.tty ? (this.opts.redrawMs ?? 100) : (this.opts.lineSeconds ?? 60) * 1000;
    if (!force && t - this.lastDraw < gap) return;
    this.lastDraw = t;
    this.draw(line);
  }

  /** Prints a message on its own line without losing the status line. */
  message(text: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    this.drawn = false;
    if (this.tty && this.lastLine) this.draw(this.lastLine);
  }

  /** Ends the status line (leaves the last state visible). */
  done(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  private draw(line: string): void {
    if (this.tty) {
      const width = this.stream.columns ?? 0;
      const text = width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
      this.stream.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}
