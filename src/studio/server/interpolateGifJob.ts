import { join } from 'node:path';
import {
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
      // MP4 / WebM through ffmpeg (a clear VideoEncoderMissing failure where it is not installed)
      if (p.video !== 'none')
        await writeVideo(join(ctx.dir, `interpolation.${p.video}`), frames, { fps: p.fps });
      await writeFileAtomic(
        join(ctx.dir, 'path.png'),
        await encodePng(labelledGrid(frames, { columns: Math.min(frames.length, 16) })),
      );
      await writeFileAtomic(join(ctx.dir, 'path.latent.safetensors'), encodeLatent(path.latent));
      return {
        gif: 'interpolation.gif',
        video: p.video === 'none' ? null : `interpolation.${p.video}`,
        strip: 'path.png',
        latent: 'path.latent.safetensors',
        frames: n,
      };
    },
  };
}
