import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { ArgumentError, FormatError, LatentlabError } from '../core/errors.js';
import type { RgbImage } from './image.js';
import { replaceFile } from './atomicFiles.js';

/** ffmpeg is not installed (or not on PATH): videos need it; GIF and PNG frames do not. */
export class VideoEncoderMissing extends LatentlabError {}

export interface VideoOptions {
  /** Frames per second (default 24). */
  fps?: number;
  /** ffmpeg executable (default `ffmpeg`, or $LATENTLAB_FFMPEG). */
  ffmpeg?: string;
  /** Constant-quality setting: x264 CRF / VP9 CRF (default 18 / 30: visually lossless for these images). */
  crf?: number;
}

const CODECS: Record<string, (crf: number | undefined) => string[]> = {
  '.mp4': (crf) => [
    '-c:v',
    'libx264',
    '-preset',
    'medium',
    '-crf',
    String(crf ?? 18),
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ],
  '.webm': (crf) => ['-c:v', 'libvpx-vp9', '-crf', String(crf ?? 30), '-b:v', '0', '-pix_fmt', 'yuv420p'],
};

export const VIDEO_EXTENSIONS = Object.keys(CODECS);

/**
 * Encodes frames as MP4 (H.264) or WebM (VP9) by piping raw frames into ffmpeg; the container is chosen
 * by the extension. yuv420p needs even sizes, so odd frames are padded by one pixel. Throws
 * VideoEncoderMissing when ffmpeg cannot be started, FormatError with ffmpeg's last lines when it fails.
 */
export async function writeVideo(
  path: string,
  frames: readonly RgbImage[],
  opts: VideoOptions = {},
): Promise<void> {
  const ext = extname(path).toLowerCase();
  const codec = CODECS[ext];
  if (!codec) throw new ArgumentError(`${path}: videos are ${VIDEO_EXTENSIONS.join(' or ')}`);
  if (frames.length === 0) throw new ArgumentError('writeVideo: no frames');
  const { width: w, height: h, channels } = frames[0];
  frames.forEach((f, i) => {
    if (f.width !== w || f.height !== h || f.channels !== channels)
      throw new ArgumentError(`writeVideo: frame ${i} differs in size or channels from frame 0`);
  });
  const fps = opts.fps ?? 24;
  if (!(fps > 0 && fps <= 240)) throw new ArgumentError(`writeVideo: fps must be in (0, 240], got ${fps}`);
  const pixFmt = channels === 1 ? 'gray' : channels === 3 ? 'rgb24' : 'rgba';
  const exe = opts.ffmpeg ?? process.env.LATENTLAB_FFMPEG ?? 'ffmpeg';
  await replaceFile(path, (tmp) =>
    runFfmpeg(exe, path, frames, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixFmt,
      '-s',
      `${w}x${h}`,
      '-r',
      String(fps),
      '-i',
      'pipe:0',
      '-vf',
      'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      ...codec(opts.crf),
      tmp,
    ]),
  );
}

/** Pipes raw frames into ffmpeg; `path` names the destination in errors. */
function runFfmpeg(exe: string, path: string, frames: readonly RgbImage[], args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(exe, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(
          new VideoEncoderMissing(
            `cannot write ${path}: '${exe}' was not found. Install ffmpeg (Debian: apt-get install ffmpeg) or write a GIF / PNG frames instead`,
          ),
        );
      } else reject(new FormatError(`cannot run ${exe}: ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new FormatError(
            `${exe} failed writing ${path} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
    child.stdin.on('error', () => {}); // a dying ffmpeg closes the pipe; 'close' reports why
    (async () => {
      for (const f of frames) {
        if (!child.stdin.write(f.data)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })().catch(() => child.stdin.destroy());
  });
}
