import { ArgumentError } from '../core/errors.js';

/** NVIDIA's num_range: '0-7,42' -> [0..7, 42]. Bounded so a typo cannot ask for billions of seeds. */
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
