import { spawnSync } from 'node:child_process';

/** What this studio can make, decided once at start: the web app offers only these. */
export interface Capabilities {
  /** ffmpeg answered `-version` at start: MP4 and WebM exports work. */
  ffmpeg: boolean;
  /** Export formats of an interpolation: always 'gif', plus 'mp4' and 'webm' with ffmpeg. */
  videoFormats: ('gif' | 'mp4' | 'webm')[];
  /** `--models` folders that do not exist (shown as a warning). */
  missingModelDirs: string[];
}

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
