import { spawnSync } from 'node:child_process';
import type { Capabilities } from '../shared/api.js';

/** Runs `ffmpeg -version` once (LATENTLAB_FFMPEG names another binary), unless `ffmpeg` is given. */
export function probeCapabilities(ffmpeg: boolean | undefined, missingModelDirs: string[]): Capabilities {
  const exe = process.env.LATENTLAB_FFMPEG ?? 'ffmpeg';
  const found = ffmpeg ?? spawnSync(exe, ['-version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return {
    ffmpeg: found,
    videoFormats: found ? ['gif', 'mp4', 'webm'] : ['gif'],
    missingModelDirs,
  };
}
