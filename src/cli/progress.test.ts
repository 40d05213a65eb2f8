import { describe, expect, it } from 'vitest';
import { formatDuration } from '../index.js';
import { formatProgress, ProgressDisplay } from './progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (s: string) => chunks.push(s) } };
}

describe('progress display', () => {
  it('formats kimg, values, img/s and the ETA', () => {
    expect(formatProgress({ kimg: 12.34, values: { D: 0.5123, G: 2.3456 }, imgPerSec: 412.2 }, 100)).toBe(
      'kimg 12.3/100.0  D 0.512  G 2.346  412 img/s  ETA 3m33s',
    );
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(3600 * 5 + 120)).toBe('5h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });

  it('redraws one line in place on a TTY', () => {
    const { chunks, stream } = sink(true);
    let t = 0;
    const d = new ProgressDisplay({ totalKimg: 1, stream, now: () => t });
    d.update({ kimg: 0.1, values: { D: 1 }, imgPerSec: 10 });
    t += 10;
    d.update({ kimg: 0.2, values: { D: 1 }, imgPerSec: 10 }); // throttled
    t += 200;
    d.update({ kimg: 0.3, values: { D: 1 }, imgPerSec: 10 });
    d.message('checkpoint saved');
    d.done();
    expect(chunks.filter((c) => c.startsWith('\r')).length).toBe(4); // two draws, clear, redraw
    expect(chunks.join('')).toContain('checkpoint saved\n');
    expect(chunks.join('')).not.toContain('kimg 0.200');
    expect(chunks.at(-1)).toBe('\n');
  });

  it('prints a plain line every lineSeconds elsewhere', () => {
    const { chunks, stream } = sink(false);
    let t = 0;
    const d = new ProgressDisplay({ totalKimg: 1, stream, lineSeconds: 60, now: () => t });
    for (let i = 1; i <= 10; i++) {
      t += 20_000;
      d.update({ kimg: i / 10, values: {}, imgPerSec: 5 }, i === 10);
    }
    d.done();
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(chunks.length).toBe(4); // t = 20 s (first), 80 s, 140 s, and the forced last one
  });
});
