import { createHash } from 'node:crypto';
import { loadTorchFile } from '../formats/files.js';
import { stateDictFrom } from '../formats/stateDict.js';
import { inferVggConfig } from '../models/vgg/config.js';
import { Weights } from '../nn/weights.js';
import { IMAGE2STYLEGAN_LAYERS, type VggNet } from './losses.js';

/**
 * Reads a user-supplied torchvision VGG16 state dict (`vgg16(...).state_dict()` or just its
 * `features.*` keys, any float dtype) for the perceptual loss; `layers` default to Image2StyleGAN's.
 */
export async function loadVggNet(path: string, layers: readonly string[] = IMAGE2STYLEGAN_LAYERS): Promise<VggNet> {
  const tensors = stateDictFrom(await loadTorchFile(path), path);
  const weights = new Weights(tensors, 'constant', path);
  const config = inferVggConfig(weights);
  const hash = createHash('sha256');
  for (const key of [...tensors.keys()].sort()) {
    const t = tensors.get(key)!;
    hash.update(key).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return { weights, config, layers, id: hash.digest('hex').slice(0, 16) };
}
