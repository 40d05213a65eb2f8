import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLog, readLog, TrainingLog } from './log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentlab-log-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const rec = (step: number) => ({
  kimg: step / 10,
  step,
  seconds: step,
  imgPerSec: 100,
  values: { D: 1 / step },
});

describe('TrainingLog', () => {
  it('appends JSON lines, and a resumed run drops records past its checkpoint', async () => {
    const path = join(dir, 'log.jsonl');
    const log = await TrainingLog.open(path);
    for (const s of [1, 2, 3, 4]) await log.append(rec(s));
    await appendFile(path, '{"kimg": 0.5, "st'); // a line cut by kill -9
    expect((await readLog(path)).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    const resumed = await TrainingLog.open(path, { resumeStep: 2 });
    expect(resumed.records.map((r) => r.step)).toEqual([1, 2]);
    await resumed.append(rec(3));
    expect((await readFile(path, 'utf8')).trim().split('\n').length).toBe(3);
    const fresh = await TrainingLog.open(path);
    expect(fresh.records).toEqual([]);
    expect(await readLog(path)).toEqual([]);
  });

  it('parseLog skips junk and reads a missing file as empty', async () => {
    expect(parseLog('not json\n{"a":1}\n\n').length).toBe(0);
    expect(await readLog(join(dir, 'absent.jsonl'))).toEqual([]);
  });
});
