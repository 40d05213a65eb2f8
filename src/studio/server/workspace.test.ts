import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../index.js';
import { Workspace, writeFileAtomic } from './workspace.js';

describe('Workspace.resolve', () => {
  const ws = new Workspace('/srv/ws');

  it('maps relative paths inside the workspace', () => {
    expect(ws.resolve('latents/a.latent.safetensors')).toBe('/srv/ws/latents/a.latent.safetensors');
    expect(ws.resolve('jobs/x/../y/grid.png')).toBe('/srv/ws/jobs/y/grid.png');
  });

  it.each([
    ['../etc/passwd'],
    ['latents/../../etc/passwd'],
    ['/etc/passwd'],
    ['C:/Windows/win.ini'],
    ['.'],
    ['latents/\0x'],
    ['.partial/abc/out/seed0000.png'],
    ['jobs/.hidden'],
    [''],
  ])('refuses %j', (p) => {
    expect(() => ws.resolve(p)).toThrow(ArgumentError);
  });

  it('checks client-chosen names', () => {
    expect(Workspace.checkName('shoe-3_v2.latent')).toBe('shoe-3_v2.latent');
    for (const bad of ['../x', 'a/b', '.x', '', 'a b', 'x'.repeat(101)])
      expect(() => Workspace.checkName(bad)).toThrow(ArgumentError);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'll-ws-'));
    const path = join(dir, 'a.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['a.json']);
  });
});
