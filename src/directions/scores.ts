import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ArgumentError, FormatError } from '../core/errors.js';

/** Attribute scores per latent, read from a file: one column per attribute, one row per latent. */
export interface ScoreTable {
  names: string[];
  /** columns[a][i] = score of attribute a for latent i. */
  columns: Float64Array[];
  rows: number;
}

function table(file: string, names: string[], rows: number[][]): ScoreTable {
  const columns = names.map((_, a) => Float64Array.from(rows, (r) => r[a]));
  columns.forEach((c, a) =>
    c.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new FormatError(`${file}: row ${i + 1}, column '${names[a]}' is not a number`);
    }),
  );
  return { names, columns, rows: rows.length };
}

function parseCsv(text: string, file: string): ScoreTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new FormatError(`${file}: a CSV needs a header and at least one row`);
  const split = (l: string) => l.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = split(lines[0]);
  const rows = lines.slice(1).map((l, i) => {
    const cells = split(l);
    if (cells.length !== header.length) throw new FormatError(`${file}: line ${i + 2} has ${cells.length} cells, the header ${header.length}`);
    return cells.map((c) => (c === '' ? Number.NaN : Number(c)));
  });
  return table(file, header, rows);
}

/**
 * JSON scores: `[0.1, 0.7, ...]` (one attribute named 'score'), `{"smile": [...], "age": [...]}`
 * or `[{"smile": 0.1, "age": 30}, ...]`.
 */
function parseJson(text: string, file: string): ScoreTable {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${file}: invalid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return table(file, ['score'], v.map((x) => [x]));
  if (Array.isArray(v) && v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
    const names = Object.keys(v[0] as object);
    return table(
      file,
      names,
      v.map((r) => names.map((n) => Number((r as Record<string, unknown>)[n]))),
    );
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length && entries.every(([, c]) => Array.isArray(c))) {
      const n = (entries[0][1] as unknown[]).length;
      if (entries.some(([, c]) => (c as unknown[]).length !== n)) throw new FormatError(`${file}: score columns differ in length`);
      return table(
        file,
        entries.map(([k]) => k),
        Array.from({ length: n }, (_, i) => entries.map(([, c]) => Number((c as unknown[])[i]))),
      );
    }
  }
  throw new FormatError(`${file}: expected an array of numbers, {name: [scores]} or [{name: score}]`);
}

/** Reads a .csv (header row of attribute names) or .json score file. */
export async function readScores(file: string): Promise<ScoreTable> {
  if (!existsSync(file)) throw new ArgumentError(`${file}: no such score file`);
  const text = await readFile(file, 'utf8');
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return parseCsv(text, file);
  if (ext === '.json') return parseJson(text, file);
  throw new FormatError(`${file}: scores must be .csv or .json`);
}
