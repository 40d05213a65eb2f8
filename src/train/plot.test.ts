import { describe, expect, it } from 'vitest';
import { niceTicks, plotLosses, SERIES_COLOURS } from './plot.js';

function count(img: { data: Uint8Array }, c: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 3)
    if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) n++;
  return n;
}

describe('plotLosses', () => {
  it('draws one coloured curve per series, axes and a legend', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      kimg: i * 0.5,
      step: i,
      seconds: i,
      imgPerSec: 1,
      values: { D: 1 / (1 + i), G: 1 + Math.sin(i / 5), spike: i === 25 ? 1e6 : 0.5 },
    }));
    const img = plotLosses(records, { width: 400, height: 200 });
    expect([img.width, img.height, img.channels, img.data.length]).toEqual([400, 200, 3, 400 * 200 * 3]);
    for (const c of SERIES_COLOURS.slice(0, 3)) expect(count(img, c)).toBeGreaterThan(40);
    expect(count(img, SERIES_COLOURS[3])).toBe(0);
    expect(count(img, [40, 40, 40])).toBeGreaterThan(400); // axes, ticks, text
  });

  it('copes with no records, one record and non-finite values', () => {
    expect(plotLosses([]).width).toBe(800);
    const one = [{ kimg: 1, step: 1, seconds: 1, imgPerSec: 1, values: { D: Number.NaN, G: 2 } }];
    expect(count(plotLosses(one), SERIES_COLOURS[1])).toBeGreaterThan(0);
  });

  it('niceTicks picks 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.52, 4)).toEqual([0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});
