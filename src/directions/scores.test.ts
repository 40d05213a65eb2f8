import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScores } from './scores.js';

const dir = mkdtempSync(join(tmpdir(), 'latentlab-scores-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('score files for InterFaceGAN', () => {
  it('reads CSV (quoted header), and the three JSON layouts alike', async () => {
    const csv = await readScores(file('s.csv', '"smile",age\n0.5,30\n-1,41\n'));
    expect(csv.names).toEqual(['smile', 'age']);
    expect(Array.from(csv.columns[1])).toEqual([30, 41]);
    const columns = await readScores(file('c.json', '{"smile": [0.5, -1], "age": [30, 41]}'));
    const rows = await readScores(file('r.json', '[{"smile": 0.5, "age": 30}, {"smile": -1, "age": 41}]'));
    for (const t of [columns, rows]) {
      expect(t.names).toEqual(['smile', 'age']);
      expect(Array.from(t.columns[0])).toEqual([0.5, -1]);
      expect(t.rows).toBe(2);
    }
    const single = await readScores(file('a.json', '[1, 2, 3]'));
    expect(single.names).toEqual(['score']);
  });

  it('names the bad cell, ragged row or layout', async () => {
    await expect(readScores(file('bad.csv', 'a,b\n1,x\n'))).rejects.toThrow(/row 1, column 'b'/);
    await expect(readScores(file('ragged.csv', 'a,b\n1\n'))).rejects.toThrow(/line 2 has 1 cells/);
    await expect(readScores(file('bad.json', '{"a": 1}'))).rejects.toThrow(/expected an array/);
    await expect(readScores(file('len.json', '{"a": [1], "b": [1, 2]}'))).rejects.toThrow(/differ in length/);
    await expect(readScores(file('s.txt', '1'))).rejects.toThrow(/\.csv or \.json/);
  });
});
