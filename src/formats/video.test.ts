import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from './image.js';
import { VideoEncoderMissing, writeVideo } from './video.js';

const haveFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'video-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const frames: RgbImage[] = Array.from({ length: 6 }, (_, i) => ({
  width: 33,
  height: 17,
  channels: 1,
  data: new Uint8Array(33 * 17).map((_, p) => ((p % 33) * 7 + i * 40) % 256),
}));

describe('video', () => {
  it('names the missing encoder clearly', async () => {
    await expect(writeVideo(join(dir, 'x.mp4'), frames, { ffmpeg: 'no-such-ffmpeg-here' })).rejects.toThrow(VideoEncoderMissing);
    await expect(writeVideo(join(dir, 'x.avi'), frames)).rejects.toThrow(/videos are .mp4 or .webm/);
  });

  it.skipIf(!haveFfmpeg)('writes MP4 and WebM that ffprobe reads with the frame count, padded even size and rate', async () => {
    for (const name of ['a.mp4', 'a.webm']) {
      const path = join(dir, name);
      await writeVideo(path, frames, { fps: 12 });
      expect((await stat(path)).size).toBeGreaterThan(100);
      const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,nb_read_frames,r_frame_rate', '-of', 'csv=p=0', path], { encoding: 'utf8' });
      expect(probe.stdout.trim(), name).toBe('34,18,12/1,6');
    }
  });
});
