/** NVIDIA's num_range, as the CLI parses it: '0-7,42' -> [0..7, 42]; throws with a message on bad input. */
export function parseSeeds(text: string, max = 64): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`'${part}' is not a seed or a range like 0-7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`range ${part} runs backwards`);
    if (out.length + b - a + 1 > max) throw new Error(`at most ${max} seeds`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (!out.length) throw new Error('no seeds');
  return out;
}
