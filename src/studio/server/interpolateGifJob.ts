import { join } from 'node:path';
import { ArgumentError, formatCommand, INTERPOLATE_SPEC, interpolateVerb, writeVideo } from '../../index.js';
import type { JobDeps, StudioJobKind } from './types.js';
import type { InterpolateRequest } from '../shared/api.js';
import { interpolateOptions } from './exploration.js';
import { interpolateGifJobBody } from './schemas.js';

type GifParams = InterpolateRequest & { fps: number; video: 'none' | 'mp4' | 'webm' };

const GIF = 'interpolation.gif';
const STRIP = 'path.png';
const LATENT = 'path.latent.safetensors';

/** `interpolate --gif --save-latent [--video]` as the job asks for it, outputs under `dir`. */
function gifOptions(deps: JobDeps, p: GifParams, dir: string) {
  return interpolateOptions(deps, p, {
    outdir: dir,
    gif: join(dir, GIF),
    fps: p.fps,
    video: p.video === 'none' ? undefined : join(dir, `interpolation.${p.video}`),
    saveLatent: join(dir, LATENT),
  });
}

/**
 * 'interpolate-gif': `latentlab interpolate` with a GIF, rendered frame by frame (progress per batch):
 * interpolation.gif (and .mp4 / .webm when asked), path.png (the strip) and path.latent.safetensors
 * (every frame's latent).
 */
export function interpolateGifJob(deps: JobDeps): StudioJobKind {
  return {
    summary: 'an interpolation between keyframes as an animated GIF (latentlab interpolate --gif)',
    schema: interpolateGifJobBody,
    prepare(raw) {
      const p = raw as unknown as GifParams;
      if (p.video !== 'none' && !deps.capabilities?.ffmpeg)
        throw new ArgumentError(
          `interpolate: ${p.video.toUpperCase()} export needs ffmpeg, which this server did not find at start (GIF works)`,
        );
      return { command: formatCommand(INTERPOLATE_SPEC, gifOptions(deps, p, 'out/interpolate')) };
    },
    async run(raw, ctx) {
      const p = raw as unknown as GifParams;
      const o = gifOptions(deps, p, ctx.dir);
      const model = await deps.models.get(p.model);
      // the video goes through ffmpeg after the rest: a failure there keeps the GIF and the strip, and says why
      const r = await interpolateVerb(
        model,
        { ...o, video: null },
        {
          onProgress: (done, total) => {
            ctx.checkCancelled();
            ctx.report({ step: done, total, message: `${done}/${total} frames` });
          },
        },
      );
      let videoError: string | null = null;
      if (o.video !== null) {
        try {
          await writeVideo(o.video, r.frames, { fps: o.fps });
        } catch (e) {
          ctx.checkCancelled();
          videoError = `${p.video.toUpperCase()} not made: ${(e as Error).message.split(ctx.dir + '/').join('')}`;
        }
      }
      return {
        gif: GIF,
        video: o.video === null || videoError ? null : `interpolation.${p.video}`,
        videoError,
        strip: STRIP,
        latent: LATENT,
        frames: r.frames.length,
      };
    },
  };
}
