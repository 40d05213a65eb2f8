import { CheckpointError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Weights } from '../../nn/weights.js';

/**
 * pytorch/examples dcgan/main.py networks, read from their state dicts. Both are one
 * `main = nn.Sequential(...)`, so checkpoint keys are `main.<index>.<param>`:
 *   netG: ConvT(nz→·, 4, 1, 0) BN ReLU, [ConvT(·→·, 4, 2, 1) BN ReLU]*, ConvT(ngf→nc, 4, 2, 1) Tanh
 *   netD: Conv(nc→ndf, 4, 2, 1) LReLU, [Conv(·→·, 4, 2, 1) BN LReLU]*, Conv(·→1, 4, 1, 0) Sigmoid
 * Every stride-2 layer doubles (G) or halves (D) the resolution around the 4×4 core, so a network
 * with L conv layers makes or reads 4·2^(L−1)-pixel images: main.py's 64×64 has L = 5.
 */

/** One (transposed) convolution of the stack, with the BatchNorm that follows it. */
export interface DcganLayer {
  /** Sequential index of the conv (`main.<index>.weight`). */
  index: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  /** Whether the checkpoint has `main.<index>.bias` (main.py uses bias=False). */
  bias: boolean;
  /** Sequential index of the BatchNorm after the conv, null where there is none. */
  batchNorm: number | null;
}

interface DcganCommon {
  /** Image channels (`nc`). */
  nc: number;
  /** Image side in pixels (main.py's `imageSize`): 4·2^(depth−1). */
  imageSize: number;
  /** Number of conv layers (5 for main.py's 64×64). */
  depth: number;
  /** The conv stack in forward order. */
  layers: readonly DcganLayer[];
}

/** netG: z [N, nz, 1, 1] → image [N, nc, imageSize, imageSize] in (−1, 1). */
export interface DcganGeneratorConfig extends DcganCommon {
  net: 'generator';
  /** Latent size (`nz`). */
  nz: number;
  /** Base width (`ngf`): channels of the last hidden layer; the first has ngf·2^(depth−2). */
  ngf: number;
}

/** netD: image → probability [N] after the sigmoid. */
export interface DcganDiscriminatorConfig extends DcganCommon {
  net: 'discriminator';
  /** Base width (`ndf`): channels of the first layer. */
  ndf: number;
}

export type DcganConfig = DcganGeneratorConfig | DcganDiscriminatorConfig;

/** `main.<i>.weight` indices of 4-D tensors (convs), ascending. */
function convIndices(w: Weights, prefix: string): number[] {
  const head = prefix ? `${prefix.replace(/\./g, '\\.')}\\.` : '';
  const re = new RegExp(`^${head}main\\.(\\d+)\\.weight$`);
  const found: number[] = [];
  for (const [k, t] of w.tensors) {
    const m = re.exec(k);
    if (m && t.rank === 4) found.push(Number(m[1]));
  }
  return found.sort((a, b) => a - b);
}

/**
 * Reads a DCGAN generator or discriminator configuration from its state dict (optionally under a
 * scope `prefix`, e.g. 'netG' for `netG.main.0.weight`). Which one it is follows from main.0: netG puts a BatchNorm right after
 * its first layer, netD a LeakyReLU. Channel counts, depth and image size come from the shapes.
 */
export function inferDcganConfig(w: Weights, prefix = ''): DcganConfig {
  const key = (i: number, name: string) => `${prefix ? `${prefix}.` : ''}main.${i}.${name}`;
  const convs = convIndices(w, prefix);
  if (convs.length < 2 || convs[0] !== 0) {
    throw new CheckpointError(
      w.source,
      `not a DCGAN state dict: expected 4-D conv weights ${key(0, 'weight')}, main.<i>.weight...`,
    );
  }
  const net = w.has(key(1, 'running_mean')) ? 'generator' : 'discriminator';
  const depth = convs.length;
  const layers: DcganLayer[] = [];
  let prevOut = -1;
  for (const [l, index] of convs.entries()) {
    const t = w.tensor(key(index, 'weight'));
    // ConvTranspose2d weights are [in, out, k, k]; Conv2d weights [out, in, k, k].
    const [inChannels, outChannels] =
      net === 'generator' ? [t.shape[0], t.shape[1]] : [t.shape[1], t.shape[0]];
    if (t.shape[2] !== 4 || t.shape[3] !== 4) {
      throw new CheckpointError(
        w.source,
        `${key(index, 'weight')} has shape ${formatShape(t.shape)}; DCGAN convs are 4×4`,
      );
    }
    if (l > 0 && inChannels !== prevOut) {
      throw new CheckpointError(
        w.source,
        `${key(index, 'weight')} takes ${inChannels} channels, the previous layer gives ${prevOut}`,
      );
    }
    const bnIndex = index + 1;
    const hasBn = w.has(key(bnIndex, 'running_mean'));
    if (hasBn) w.tensor(key(bnIndex, 'weight'), [outChannels]);
    const last = l === depth - 1;
    // The 1×1 ↔ 4×4 layer (first of G, last of D) has stride 1 and no padding.
    const core = net === 'generator' ? l === 0 : last;
    layers.push({
      index,
      inChannels,
      outChannels,
      kernel: 4,
      stride: core ? 1 : 2,
      padding: core ? 0 : 1,
      bias: w.has(key(index, 'bias')),
      batchNorm: hasBn ? bnIndex : null,
    });
    prevOut = outChannels;
  }
  const imageSize = 4 * 2 ** (depth - 1);
  if (net === 'generator') {
    return {
      net,
      nz: layers[0].inChannels,
      ngf: layers[depth - 2].outChannels,
      nc: layers[depth - 1].outChannels,
      imageSize,
      depth,
      layers,
    };
  }
  if (layers[depth - 1].outChannels !== 1) {
    throw new CheckpointError(
      w.source,
      `${key(layers[depth - 1].index, 'weight')}: a DCGAN discriminator ends in one channel`,
    );
  }
  return { net, ndf: layers[0].outChannels, nc: layers[0].inChannels, imageSize, depth, layers };
}

export function inferDcganGenerator(w: Weights, prefix = ''): DcganGeneratorConfig {
  const cfg = inferDcganConfig(w, prefix);
  if (cfg.net !== 'generator')
    throw new CheckpointError(w.source, 'expected a DCGAN generator (netG) state dict, got a discriminator');
  return cfg;
}

export function inferDcganDiscriminator(w: Weights, prefix = ''): DcganDiscriminatorConfig {
  const cfg = inferDcganConfig(w, prefix);
  if (cfg.net !== 'discriminator')
    throw new CheckpointError(w.source, 'expected a DCGAN discriminator (netD) state dict, got a generator');
  return cfg;
}
