import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { input } from '../graph/value.js';
import { type Latent, latentFromCodes } from '../latent/latent.js';
import { assertShape } from '../core/shape.js';
import { batchRows, mapBatches } from '../models/batching.js';
import type { GanModel } from '../models/ganModel.js';
import { compile } from '../runtime/compile.js';
import type { Encoder } from '../models/encoder/encoder.js';
import { encodeGraph } from '../models/encoder/network.js';

export interface EncodeOptions {
  /** Images per ORT run (default 16). */
  batchSize?: number;
  /** Called once when `model` is not the generator the encoder was trained for (see Encoder.checkModel). */
  onWarning?: (message: string) => void;
  /** Extra provenance fields (e.g. the source file names). */
  provenance?: Record<string, unknown>;
}

/** Encoder forward only: images [N, C, R, R] in [-1, 1] -> ws [N, numWs, wDim]. */
export async function encodeWs(encoder: Encoder, images: Tensor, batchSize = 16): Promise<Tensor<'float32'>> {
  const cfg = encoder.config;
  assertShape('images', images.shape, [-1, cfg.imgChannels, cfg.resolution, cfg.resolution]);
  const n = images.shape[0];
  if (n === 0) throw new ArgumentError('encode: no images');
  const x32 = images.toFloat32();
  const [ws] = await mapBatches(n, batchSize, async (start, count, size) => {
    const exe = await encoder.program(`encode:${size}`, () => {
      const x = input('x', [size, cfg.imgChannels, cfg.resolution, cfg.resolution]);
      return compile({ inputs: [x], outputs: [encodeGraph(encoder.weights().at(''), cfg, x)], outputNames: ['ws'] });
    });
    return [(await exe.runNamed({ x: batchRows(x32, start, count, size) })).ws];
  });
  return ws as Tensor<'float32'>;
}

/**
 * Encodes images into a W+ latent of `model` (constant noise, as the encoder was trained), with
 * provenance naming the encoder. A model other than the one the encoder was trained for is
 * accepted with a warning when its sizes fit (a newer snapshot), refused when they do not.
 */
export async function encode(encoder: Encoder, model: GanModel, images: Tensor, opts: EncodeOptions = {}): Promise<Latent> {
  const warning = encoder.checkModel(model);
  if (warning) opts.onWarning?.(warning);
  const ws = await encodeWs(encoder, images, opts.batchSize);
  return latentFromCodes(model, 'w+', ws, {
    noiseMode: 'const',
    provenance: {
      kind: 'encoder',
      encoder: encoder.name,
      encoderHash: encoder.manifest.contentHash,
      trainedFor: encoder.manifest.generator.contentHash,
      ...opts.provenance,
    },
  });
}

/** A [N, C, R, R] float32 tensor from a list of [C, R, R] arrays (helper for folder inputs). */
export function stackImages(images: readonly Float32Array[], c: number, r: number): Tensor<'float32'> {
  const t = Tensor.float32([images.length, c, r, r]);
  images.forEach((img, i) => t.data.set(img, i * c * r * r));
  return t;
}
