import { ArgumentError } from './errors.js';

/**
 * NVIDIA's num_range: '0-7,42' -> [0..7, 42]. Bounded so a typo cannot ask for billions of seeds.
 * The one seed-range parser (CLI flags, studio requests, the web app's fields).
 */
export function parseRange(text: string, what = 'seeds', maxCount = 100_000): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ArgumentError(`--${what}: '${part}' is not a number or a range like 0-7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new ArgumentError(`--${what}: range ${part} runs backwards`);
    if (out.length + (b - a + 1) > maxCount)
      throw new ArgumentError(`--${what}: more than ${maxCount} values`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (!out.length) throw new ArgumentError(`--${what}: no values in '${text}'`);
  return out;
}

/** [0,1,2,3,7] -> '0-3,7' (what `parseRange` reads back, order kept). */
export function formatRange(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}
