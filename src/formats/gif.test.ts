import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { colourIndex, colourPalette, encodeGif } from './gif.js';
import type { RgbImage } from './image.js';

/** Decodes every frame with libvips (sharp), an independent GIF decoder: [frames][pixel * 4] RGBA. */
async function decode(gif: Uint8Array): Promise<{ frames: Uint8Array[]; width: number; height: number; loop: number | undefined; delay: number[] | undefined }> {
  const img = sharp(gif, { animated: true });
  const meta = await img.metadata();
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const pages = meta.pages ?? 1;
  const h = info.height / pages;
  const size = info.width * h * 4;
  const frames = Array.from({ length: pages }, (_, i) => new Uint8Array(data.buffer, data.byteOffset + i * size, size));
  return { frames, width: info.width, height: h, loop: meta.loop, delay: meta.delay };
}

function noiseImage(seed: number, w: number, h: number, channels: 1 | 3): RgbImage {
  const rng = new RandomState(seed);
  const data = Uint8Array.from(rng.standardNormalFloat32([w * h * channels]), (x) => Math.max(0, Math.min(255, Math.round(128 + 80 * x))));
  return { width: w, height: h, channels, data };
}

describe('GIF encoder', () => {
  it('grayscale frames round-trip losslessly (random pixels overflow the 4096-entry LZW table)', async () => {
    const frames = [noiseImage(1, 97, 61, 1), noiseImage(2, 97, 61, 1), { width: 97, height: 61, channels: 1 as const, data: new Uint8Array(97 * 61).fill(7) }];
    const out = await decode(encodeGif(frames, { delayMs: 40 }));
    expect([out.width, out.height, out.frames.length]).toEqual([97, 61, 3]);
    expect(out.loop).toBe(0);
    expect(out.delay).toEqual([40, 40, 40]);
    out.frames.forEach((f, i) => {
      for (let p = 0; p < 97 * 61; p++) if (f[p * 4] !== frames[i].data[p] || f[p * 4 + 1] !== frames[i].data[p]) throw new Error(`frame ${i} pixel ${p} differs`);
    });
  });

  it('colour frames decode to their palette colours, within half a cube step of the input', async () => {
    const frame = noiseImage(3, 40, 30, 3);
    const palette = colourPalette();
    const out = await decode(encodeGif([frame], { loop: false }));
    expect(out.loop).toBe(1); // libvips reports "play once" as 1
    for (let p = 0; p < 40 * 30; p++) {
      const [r, g, b] = frame.data.subarray(p * 3, p * 3 + 3);
      const k = colourIndex(r, g, b, p % 40, Math.floor(p / 40), false);
      expect([...out.frames[0].subarray(p * 4, p * 4 + 3)]).toEqual([...palette.subarray(k * 3, k * 3 + 3)]);
      // cube steps: 51 (red, blue), 42.5 (green)
      expect(Math.abs(out.frames[0][p * 4] - r)).toBeLessThanOrEqual(26);
      expect(Math.abs(out.frames[0][p * 4 + 1] - g)).toBeLessThanOrEqual(22);
    }
  });

  it('ordered dithering keeps the local mean of a flat colour closer than plain quantisation', async () => {
    const flat: RgbImage = { width: 16, height: 16, channels: 3, data: new Uint8Array(16 * 16 * 3).fill(0).map((_, i) => [70, 150, 30][i % 3]) };
    const mean = async (dither: boolean) => {
      const f = (await decode(encodeGif([flat], { dither }))).frames[0];
      let s = 0;
      for (let p = 0; p < 256; p++) s += f[p * 4];
      return s / 256;
    };
    expect(Math.abs((await mean(true)) - 70)).toBeLessThan(Math.abs((await mean(false)) - 70));
  });

  it('refuses frames of different sizes', () => {
    expect(() => encodeGif([noiseImage(1, 4, 4, 1), noiseImage(1, 5, 4, 1)])).toThrow(/frame 1 is 5x4, frame 0 is 4x4/);
  });
});
