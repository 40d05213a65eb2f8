import { CheckpointError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Weights } from '../../nn/weights.js';

/**
 * torchvision VGG `features` (an nn.Sequential), read from `features.<index>.*` keys:
 * Conv3×3(pad 1, bias) [BatchNorm] ReLU, with MaxPool2d(2, 2) closing each block. Layers are
 * named like the perceptual-loss literature: conv3_2 / relu3_2 is block 3's second conv (VGG16
 * `features[12]` / `features[13]`), pool3 closes block 3.
 */

export interface VggLayer {
  /** Sequential index of the conv (`features.<index>.weight`). */
  index: number;
  /** `conv<block>_<k>`. */
  name: string;
  /** `relu<block>_<k>`: the post-activation tap perceptual losses use. */
  relu: string;
  /** 1-based block (resolution level). */
  block: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  /** Sequential index of the BatchNorm after the conv (vgg*_bn), null for plain VGG. */
  batchNorm: number | null;
  /** Sequential index of the ReLU. */
  reluIndex: number;
  /** `pool<block>` when a max-pool follows this layer's ReLU, else null. */
  pool: string | null;
}

/** A VGG feature extractor: the conv stack in forward order. */
export interface VggConfig {
  /** Input channels (3 for ImageNet VGG). */
  inChannels: number;
  layers: readonly VggLayer[];
}

/** Every tap name of a config in forward order (convX_Y, reluX_Y, poolX). */
export function vggTapNames(cfg: VggConfig): string[] {
  return cfg.layers.flatMap((l) => (l.pool ? [l.name, l.relu, l.pool] : [l.name, l.relu]));
}

/**
 * Reads the layer list from `<prefix>.<index>.weight` (prefix 'features' by default). Pools are
 * where the index sequence skips one (`relu, pool, conv`); torchvision ends `features` with a pool.
 */
export function inferVggConfig(w: Weights, prefix = 'features'): VggConfig {
  const key = (i: number, name: string) => `${prefix}.${i}.${name}`;
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.weight$`);
  const convs: number[] = [];
  for (const [k, t] of w.tensors) {
    const m = re.exec(k);
    if (m && t.rank === 4) convs.push(Number(m[1]));
  }
  convs.sort((a, b) => a - b);
  if (!convs.length || convs[0] !== 0)
    throw new CheckpointError(w.source, `not a VGG features state dict: no 4-D ${key(0, 'weight')}`);
  const layers: VggLayer[] = [];
  let block = 1;
  let k = 1;
  for (const [l, index] of convs.entries()) {
    const t = w.tensor(key(index, 'weight'));
    const [outChannels, inChannels, kh, kw] = t.shape;
    if (kh !== kw || kh % 2 !== 1)
      throw new CheckpointError(
        w.source,
        `${key(index, 'weight')} has shape ${formatShape(t.shape)}; expected odd square kernels`,
      );
    if (l > 0 && inChannels !== layers[l - 1].outChannels) {
      throw new CheckpointError(
        w.source,
        `${key(index, 'weight')} takes ${inChannels} channels, the previous conv gives ${layers[l - 1].outChannels}`,
      );
    }
    const batchNorm = w.has(key(index + 1, 'running_mean')) ? index + 1 : null;
    const reluIndex = (batchNorm ?? index) + 1;
    const next = convs[l + 1];
    const gap = next === undefined ? 2 : next - reluIndex;
    if (gap !== 1 && gap !== 2) {
      throw new CheckpointError(
        w.source,
        `${prefix}: ${next - index} modules between convs ${index} and ${next}; expected [BN,] ReLU[, MaxPool]`,
      );
    }
    const pool = gap === 2 ? `pool${block}` : null;
    layers.push({
      index,
      name: `conv${block}_${k}`,
      relu: `relu${block}_${k}`,
      block,
      inChannels,
      outChannels,
      kernel: kh,
      batchNorm,
      reluIndex,
      pool,
    });
    if (pool) {
      block++;
      k = 1;
    } else k++;
  }
  return { inChannels: layers[0].inChannels, layers };
}
