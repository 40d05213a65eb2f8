import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moveIntoPlace, replaceFile, writeFileAtomic } from './atomicFiles.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'latentlab-atomic-'));
  dirs.push(d);
  return d;
}

describe('atomic file writes', () => {
  it('write and overwrite, creating the folder, and leave no temporaries', async () => {
    const dir = await scratch();
    const path = join(dir, 'sub', 'a.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two', { durable: true });
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'sub'))).toEqual(['a.json']);
  });

  it('a failed write keeps the old file and removes its temporary; the temporary keeps the extension', async () => {
    const dir = await scratch();
    const path = join(dir, 'clip.mp4');
    await writeFile(path, 'old');
    let seen = '';
    await expect(
      replaceFile(path, async (tmp) => {
        seen = tmp;
        await writeFile(tmp, 'half');
        throw new Error('encoder died');
      }),
    ).rejects.toThrow('encoder died');
    expect(extname(seen)).toBe('.mp4');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['clip.mp4']);
  });

  it('beforeRename runs with the temporary complete; throwing there keeps the old file', async () => {
    const dir = await scratch();
    const path = join(dir, 'ckpt.bin');
    await writeFile(path, 'old');
    let during: string[] = [];
    await expect(
      writeFileAtomic(path, 'new', {
        durable: true,
        beforeRename: async () => {
          during = await readdir(dir);
          throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(during).toHaveLength(2); // the old file and the finished temporary
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['ckpt.bin']);
  });

  it('moveIntoPlace replaces outputs in order, folders included, and skips what was not staged', async () => {
    const dir = await scratch();
    const staging = join(dir, '.staging');
    await mkdir(join(staging, 'a.frames'), { recursive: true });
    await writeFile(join(staging, 'a.frames', '0.png'), 'new frame');
    await writeFile(join(staging, 'a.metrics.json'), 'new');
    await mkdir(join(dir, 'a.frames'));
    await writeFile(join(dir, 'a.frames', 'stale.png'), 'old frame');
    await writeFile(join(dir, 'a.metrics.json'), 'old');
    await moveIntoPlace(staging, dir, ['a.frames', 'a.gif', 'a.metrics.json']);
    expect(await readdir(join(dir, 'a.frames'))).toEqual(['0.png']);
    expect(await readFile(join(dir, 'a.metrics.json'), 'utf8')).toBe('new');
    expect((await readdir(dir)).sort()).toEqual(['.staging', 'a.frames', 'a.metrics.json']);
    expect(await readdir(staging)).toEqual([]);
  });
});
