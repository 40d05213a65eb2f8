import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from './imageFolder.js';

let dir: string;

/** A w×h RGB PNG: left half `a`, right half `b`. */
async function png(path: string, w: number, h: number, a: number[], b: number[]): Promise<void> {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < w / 2 ? a : b, (y * w + x) * 3);
  await writeFile(
    path,
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentlab-folder-'));
  await mkdir(join(dir, 'zebra'));
  await mkdir(join(dir, 'apple'));
  await png(join(dir, 'zebra', 'b.png'), 16, 8, [255, 255, 255], [0, 0, 0]);
  await png(join(dir, 'zebra', 'a.png'), 8, 8, [0, 0, 255], [0, 0, 255]);
  await png(join(dir, 'apple', 'x.png'), 8, 16, [255, 0, 0], [255, 0, 0]);
  await writeFile(join(dir, 'apple', 'notes.txt'), 'not an image');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadImageFolder', () => {
  it('labels by sorted sub-folder, resizes with a centre crop, scales to [-1, 1] CHW', async () => {
    const ds = await loadImageFolder(dir, { size: 4, channels: 3 });
    expect([ds.size, ds.channels, ds.resolution, ds.numClasses]).toEqual([3, 3, 4, 2]);
    expect(ds.labelNames).toEqual(['apple', 'zebra']);
    expect([ds.label(0), ds.label(1), ds.label(2)]).toEqual([0, 1, 1]);
    const red = ds.image(0);
    expect(Array.from(red.subarray(0, 16)).every((v) => v === 1)).toBe(true); // R plane
    expect(Array.from(red.subarray(16, 48)).every((v) => v === -1)).toBe(true); // G, B planes
    // zebra/a.png sorts before b.png; b.png (16×8, white|black) is cropped to its centre 8×8.
    const blue = ds.image(1);
    expect(blue[32]).toBe(1);
    const split = ds.image(2).subarray(0, 16); // R plane of white|black, row 0
    expect(split[0]).toBe(1);
    expect(split[3]).toBe(-1);
  });

  it('reads greyscale and unlabelled folders', async () => {
    const ds = await loadImageFolder(join(dir, 'zebra'), { size: 2, channels: 1 });
    expect([ds.size, ds.channels, ds.numClasses]).toEqual([2, 1, 0]);
    expect(ds.image(0).length).toBe(4);
  });

  it('refuses mixed layouts and empty folders', async () => {
    await png(join(dir, 'loose.png'), 4, 4, [0, 0, 0], [0, 0, 0]);
    await expect(loadImageFolder(dir, { size: 4 })).rejects.toThrow(
      /both class sub-folders .* and loose images/,
    );
    await rm(join(dir, 'loose.png'));
    const empty = await mkdtemp(join(tmpdir(), 'latentlab-empty-'));
    await expect(loadImageFolder(empty, { size: 4 })).rejects.toThrow(/no images/);
    await rm(empty, { recursive: true });
  });
});
