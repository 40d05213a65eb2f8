import { ArgumentError } from '../core/errors.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { Tensor } from '../core/tensor.js';
import { predict } from '../models/classifier/predict.js';
import type { GanModel } from '../models/ganModel.js';
import type { Progress } from './figure.js';
import { renderFrames } from './figure.js';
import { crossfadeImages, type FrameStep, type InterpolationMethod, interpolate } from './interpolate.js';
import { concatLatents, latentFromSeeds, type LatentSpace, selectRows } from './latent.js';

export interface PathConfidenceOptions {
  /** Seed pairs (seedStart + 2i, seedStart + 2i + 1). Default 100. */
  pairs?: number;
  seedStart?: number;
  /** Frames per path, endpoints excluded: the path has framesPerSegment + 1 frames (default 8; even). */
  framesPerSegment?: number;
  space?: LatentSpace;
  method?: InterpolationMethod;
  psi?: number;
  batchSize?: number;
  onProgress?: Progress;
}

export interface PathStats {
  /** Mean top-class probability at each frame position (0 = first keyframe). */
  perFrame: number[];
  /** Mean over pairs of the top-class probability at the middle frame. */
  mid: number;
  /** Mean top-class probability over the frames strictly between the endpoints. */
  interior: number;
  /** Mean over pairs of the lowest top-class probability along the path. */
  min: number;
  /** Fraction of middle frames whose top class is the class of one of the two endpoints. */
  midAgreesWithEndpoint: number;
}

export interface PathConfidence {
  model: string;
  classifier: string;
  pairs: number;
  frames: number;
  space: LatentSpace;
  method: InterpolationMethod;
  psi: number;
  latent: PathStats;
  pixel: PathStats;
}

function stats(probs: Float32Array, classes: number, pairs: number, frames: number): PathStats {
  const top = (row: number) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[row * classes + k] > probs[row * classes + best]) best = k;
    return best;
  };
  const conf = (row: number) => probs[row * classes + top(row)];
  const perFrame = new Array<number>(frames).fill(0);
  let min = 0;
  let agree = 0;
  const mid = Math.floor((frames - 1) / 2);
  for (let p = 0; p < pairs; p++) {
    let lo = 1;
    for (let f = 0; f < frames; f++) {
      const c = conf(p * frames + f);
      perFrame[f] += c / pairs;
      lo = Math.min(lo, c);
    }
    min += lo / pairs;
    const m = top(p * frames + mid);
    if (m === top(p * frames) || m === top(p * frames + frames - 1)) agree++;
  }
  const interior = perFrame.slice(1, -1).reduce((a, b) => a + b, 0) / Math.max(1, frames - 2);
  return { perFrame, mid: perFrame[mid], interior, min, midAgreesWithEndpoint: agree / pairs };
}

/**
 * How "on the manifold" interpolation paths stay, seen by a classifier: for random seed pairs, the top-class
 * probability along the latent path and along the pixel cross-fade between the same two images. Both
 * paths share their endpoint images, so the difference is in the frames between.
 */
export async function pathConfidence(model: GanModel, classifier: Classifier, opts: PathConfidenceOptions = {}): Promise<PathConfidence> {
  const pairs = opts.pairs ?? 100;
  const fps = opts.framesPerSegment ?? 8;
  if (!Number.isInteger(pairs) || pairs < 1) throw new ArgumentError(`pairs must be a positive integer, got ${pairs}`);
  if (fps % 2 !== 0) throw new ArgumentError(`framesPerSegment must be even so the path has a middle frame, got ${fps}`);
  const space = model.architecture === 'dcgan' ? 'z' : (opts.space ?? 'z');
  const method = opts.method ?? (space === 'z' ? 'slerp' : 'lerp');
  const start = opts.seedStart ?? 0;
  const psi = opts.psi ?? 1;
  const seeds = Array.from({ length: 2 * pairs }, (_, i) => start + i);
  const keys = await latentFromSeeds(model, seeds, { space, psi, classes: model.cDim ? seeds.map(() => 0) : undefined });
  const paths = [];
  let schedule: FrameStep[] = [];
  for (let p = 0; p < pairs; p++) {
    const path = await interpolate(model, selectRows(keys, [2 * p, 2 * p + 1]), { framesPerSegment: fps, method });
    paths.push(path.latent);
    schedule = path.schedule;
  }
  const frames = fps + 1;
  const total = pairs * frames + 2 * pairs;
  const report = (done: number) => opts.onProgress?.(done, total);
  const latentImages = await renderFrames(model, concatLatents(paths), { batchSize: opts.batchSize, onProgress: (d) => report(d) });
  const keyImages = await renderFrames(model, keys, { batchSize: opts.batchSize, onProgress: (d) => report(pairs * frames + d) });
  const px = keyImages.size / keyImages.shape[0];
  const pixel = latentImages.data.slice();
  for (let p = 0; p < pairs; p++) {
    const two = keyImages.data.subarray(2 * p * px, (2 * p + 2) * px);
    const fade = crossfadeImages(new Tensor('float32', [2, ...keyImages.shape.slice(1)], two), schedule);
    pixel.set(fade.data, p * frames * px);
  }
  const pixelImages = new Tensor('float32', latentImages.shape, pixel);
  const k = classifier.labelNames.length;
  const [a, b] = [await predict(classifier, latentImages), await predict(classifier, pixelImages)];
  return {
    model: model.name,
    classifier: classifier.name,
    pairs,
    frames,
    space,
    method,
    psi,
    latent: stats(a.probs.data, k, pairs, frames),
    pixel: stats(b.probs.data, k, pairs, frames),
  };
}
