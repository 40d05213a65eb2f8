import { encoderConfigFor } from '../../src/models/encoder/config.js';
import { Encoder, type EncoderManifest } from '../../src/models/encoder/encoder.js';
import { initEncoderWeights } from '../../src/models/encoder/network.js';
import type { GanModel } from '../../src/models/ganModel.js';

/**
 * A narrow random-init encoder for `model`'s generator (channelMax 16, hidden 32: fast to compile and
 * run), named `name`; `seed` and `headScale` go to initEncoderWeights.
 */
export function randomSmallEncoder(model: GanModel, name: string, seed = 0, headScale = 0.1): Encoder {
  const cfg = encoderConfigFor(model, { channelMax: 16, hidden: 32 });
  const tensors = initEncoderWeights(cfg, model.g.get('mapping.w_avg')!.toFloat32().data, seed, headScale);
  const manifest: EncoderManifest = {
    format: 'latentlab-encoder',
    version: 1,
    name,
    config: cfg,
    generator: { name: model.name, contentHash: model.manifest.contentHash },
    inputRange: [-1, 1],
    provenance: { format: 'random-init', source: 'test', created: new Date(0).toISOString() },
    contentHash: '',
    weightsDtype: 'float32',
  };
  return new Encoder(manifest, tensors);
}
