import { join } from 'node:path';
import {
  ArgumentError,
  encodeGif,
  encodeLatent,
  encodePng,
  imagesOf,
  labelledGrid,
  renderFrames,
  writeVideo,
  shellWord,
} from '../../index.js';
import type { JobDeps, StudioJobKind } from './types.js';
import { type InterpolateRequest, interpolationPath } from './exploration.js';

import { interpolateGifJobBody } from './schemas.js';
import { writeFileAtomic } from './workspace.js';

type GifParams = InterpolateRequest & { fps: number; video: 'none' | 'mp4' | 'webm' };

/**
 * 'interpolate-gif': the interpolation path between keyframes rendered frame by frame (progress per batch)
 * into interpolation.gif (and .mp4 / .webm when asked), with path.png (the strip) and path.latent.safetensors
 * (every frame's latent).
 */
export function interpolateGifJob(deps: JobDeps): StudioJobKind {
  return {
    summary: 'an interpolation between keyframes as an animated GIF (latentlab interpolate --gif)',
    schema: interpolateGifJobBody,
    async prepare(raw) {
      const p = raw as unknown as GifParams;
      if (p.video !== 'none' && !deps.capabilities?.ffmpeg)
        throw new ArgumentError(
          `interpolate: ${p.video.toUpperCase()} export needs ffmpeg, which this server did not find at start (GIF works)`,
        );
      const { args } = await interpolationPath(deps, p);
      args.push('--gif', 'out/interpolate/interpolation.gif', '--fps', String(p.fps));
      if (p.video !== 'none') args.push('--video', `out/interpolate/interpolation.${p.video}`);
      return { command: args.map(shellWord).join(' ') };
    },
    async run(raw, ctx) {
      const p = raw as unknown as GifParams;
      const { model, path } = await interpolationPath(deps, p);
      const n = path.latent.codes.shape[0];
      ctx.report({ step: 0, total: n, message: `rendering ${n} frames` });
      const images = await renderFrames(model, path.latent, {
        onProgress: (done, total) => {
          ctx.checkCancelled();
          ctx.report({ step: done, total, message: `${done}/${total} frames` });
        },
      });
      const frames = imagesOf(images, p.scale);
      await writeFileAtomic(join(ctx.dir, 'interpolation.gif'), encodeGif(frames, { delayMs: 1000 / p.fps }));
      // MP4 / WebM through ffmpeg: a failure there keeps the GIF and the strip, and says why (no server paths)
      let videoError: string | null = null;
      if (p.video !== 'none') {
        try {
          await writeVideo(join(ctx.dir, `interpolation.${p.video}`), frames, { fps: p.fps });
        } catch (e) {
          ctx.checkCancelled();
          videoError = `${p.video.toUpperCase()} not made: ${(e as Error).message.split(ctx.dir + '/').join('')}`;
        }
      }
      await writeFileAtomic(
        join(ctx.dir, 'path.png'),
        await encodePng(labelledGrid(frames, { columns: Math.min(frames.length, 16) })),
      );
      await writeFileAtomic(join(ctx.dir, 'path.latent.safetensors'), encodeLatent(path.latent));
      return {
        gif: 'interpolation.gif',
        video: p.video === 'none' || videoError ? null : `interpolation.${p.video}`,
        videoError,
        strip: 'path.png',
        latent: 'path.latent.safetensors',
        frames: n,
      };
    },
  };
}
