import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { makeNoise } from '../models/generate.js';
import { checkLatent, latentFromCodes, type Latent, toWs } from './latent.js';
import { type FrameStep, INTERPOLATION_METHODS, type InterpolationMethod, interpolateCodes, keyframeSchedule } from './paths.js';

export * from './paths.js';

/** Noise maps of the path: each map moves linearly between its keyframes' maps (exact at keyframes). */
function interpolateNoise(noise: Record<string, Tensor<'float32'>>, schedule: readonly FrameStep[]): Record<string, Tensor<'float32'>> {
  const out: Record<string, Tensor<'float32'>> = {};
  for (const [name, maps] of Object.entries(noise)) {
    out[name] = interpolateCodes(maps, schedule, { method: 'lerp', loop: false, spherical: false, vectorSize: maps.size / maps.shape[0] });
  }
  return out;
}

export interface InterpolateOptions {
  /** Frames per keyframe segment (the keyframe itself is the first of them). */
  framesPerSegment: number;
  /** Default: slerp in z, lerp in w and w+ (slerp there is allowed and acts per vector, but W is not Gaussian). */
  method?: InterpolationMethod;
  /** Close the path back to the first keyframe. */
  loop?: boolean;
  /** Only these ws rows move (StyleGAN2); the path is then in w+ and the other rows stay at keyframe 0. */
  layers?: readonly number[];
}

export interface InterpolationPath {
  latent: Latent;
  schedule: FrameStep[];
}

/**
 * A latent path through the rows of `keyframes` (one latent per keyframe, any space). Random noise without
 * stored maps is materialised first (the maps a batch render of the keyframes would use), so every frame
 * renders deterministically and keyframe frames equal the keyframes.
 */
export async function interpolate(model: GanModel, keyframes: Latent, opts: InterpolateOptions): Promise<InterpolationPath> {
  checkLatent(model, keyframes, 'keyframes');
  const k = keyframes.codes.shape[0];
  const schedule = keyframeSchedule(k, opts.framesPerSegment, opts.loop ?? false);
  const method = opts.method ?? (keyframes.space === 'z' ? 'slerp' : 'lerp');
  if (!INTERPOLATION_METHODS.includes(method)) throw new ArgumentError(`interpolation method '${method}' is not one of ${INTERPOLATION_METHODS.join(', ')}`);
  let space = keyframes.space;
  let codes = keyframes.codes;
  let moving: number[] | undefined;
  if (opts.layers) {
    codes = await toWs(model, keyframes);
    space = 'w+';
    moving = [...opts.layers];
  }
  if (space === 'z' && keyframes.classes && new Set(keyframes.classes).size > 1) {
    throw new ArgumentError('keyframes of different classes cannot be interpolated in z (the label enters the mapping); use w or w+');
  }
  const vectorSize = space === 'w+' ? codes.shape[2] : codes.shape[1];
  const pathCodes = interpolateCodes(codes, schedule, { method, loop: opts.loop ?? false, spherical: space === 'z', vectorSize, moving });
  let noise = keyframes.noise;
  if (!noise && keyframes.noiseMode === 'random') noise = makeNoise(model, k, keyframes.noiseSeed ?? 0);
  const latent = latentFromCodes(model, space, pathCodes, {
    psi: keyframes.psi,
    cutoff: keyframes.cutoff,
    noiseMode: keyframes.noiseMode,
    noise: noise ? interpolateNoise(noise, schedule) : undefined,
    classes: keyframes.classes ? schedule.map((s) => keyframes.classes![s.t < 0.5 ? s.from : s.to]) : undefined,
    provenance: {
      kind: 'interpolation',
      method,
      loop: opts.loop ?? false,
      framesPerSegment: opts.framesPerSegment,
      layers: moving ?? null,
      keyframes: keyframes.provenance,
    },
  });
  return { latent, schedule };
}

/** The naive alternative: images cross-faded in pixel space along the same schedule ([K,C,H,W] -> [F,C,H,W]). */
export function crossfadeImages(keyImages: Tensor, schedule: readonly FrameStep[]): Tensor<'float32'> {
  const imgs = keyImages.toFloat32();
  const size = imgs.size / imgs.shape[0];
  return interpolateCodes(imgs, schedule, { method: 'lerp', loop: false, spherical: false, vectorSize: size });
}
