import { CheckpointError, ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, mul, sqrt, sub } from '../../graph/ops/elementwise.js';
import { concat, expand, reshape } from '../../graph/ops/movement.js';
import { reduceMean, reduceSum } from '../../graph/ops/reduce.js';
import type { Value } from '../../graph/value.js';
import { type Activation, biasAct, fullyConnected } from '../../nn/functional.js';
import { downsample2d, filter2d, setupFilter } from '../../nn/fir.js';
import type { Scope, Weights } from '../../nn/weights.js';
import type { SynthesisArchitecture } from './config.js';
import { mapToW } from './mapping.js';

/** StyleGAN2 discriminator configuration, read from weights (+ hints for what weights cannot tell). */
export interface DiscriminatorConfig {
  imgResolution: number;
  imgChannels: number;
  cDim: number;
  /** Channels per block resolution (including 4 for the epilogue). */
  channels: Readonly<Record<number, number>>;
  architecture: SynthesisArchitecture;
  /** Size of the conditioning projection (0 unconditional). */
  cmapDim: number;
  /** Depth of D's conditioning mapping network. */
  mappingLayers: number;
  mbstdGroupSize: number;
  mbstdChannels: number;
  convClamp: number | null;
}

function filterOf(p: Scope): Tensor {
  return p.has('resample_filter') ? p.tensor('resample_filter') : setupFilter();
}

interface ConvLayerOptions {
  activation?: Activation;
  down?: 1 | 2;
  gain?: number;
  clamp?: number | null;
  filter?: Tensor;
}

/** Conv2dLayer: equalised-LR conv (optionally FIR-downsampled), bias, activation, gain, clamp. */
function convLayer(p: Scope, x: Value, opts: ConvLayerOptions = {}): Value {
  const { activation = 'lrelu', down = 1, gain = 1, clamp = null } = opts;
  const weight = p.get('weight', [-1, x.shape[1], -1, -1]);
  const k = weight.shape[2];
  const w = mul(weight, 1 / Math.sqrt(x.shape[1] * k * k));
  let y: Value;
  if (down === 1) y = conv2d(x, w, undefined, { padding: Math.floor(k / 2) });
  else if (k === 1) y = conv2d(downsample2d(x, opts.filter ?? filterOf(p)), w);
  else {
    const f = opts.filter ?? filterOf(p);
    const pad = Math.floor(k / 2) + Math.floor((f.shape[1] - 1) / 2);
    y = conv2d(filter2d(x, f, [pad, pad, pad, pad]), w, undefined, { stride: 2 });
  }
  const b = p.has('bias') ? p.get('bias', [weight.shape[0]]) : null;
  return biasAct(y, b, activation, gain, clamp);
}

/** Minibatch standard deviation: per group of G samples, one std feature per F channel groups. */
export function minibatchStd(x: Value, groupSize: number, numChannels: number): Value {
  const [n, c, h, w] = x.shape;
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new ShapeError(`minibatch-std: batch ${n} is not divisible by group size ${g}`);
  const m = n / g;
  const f = numChannels;
  const y = reshape(x, [g, m, f, c / f, h, w]);
  const centred = sub(y, reduceMean(y, [0], true));
  const std = sqrt(add(reduceMean(mul(centred, centred), [0]), 1e-8)); // [M, F, c/F, H, W]
  const feat = reduceMean(std, [2, 3, 4]); // [M, F]
  const tiled = reshape(expand(reshape(feat, [1, m, f, 1, 1]), [g, m, f, h, w]), [n, f, h, w]);
  return concat([x, tiled], 1);
}

/**
 * D(img, c) -> logits [N, 1], stylegan2-ada-pytorch's Discriminator. `features`, when given, receives
 * each block's output (highest resolution first, before the minibatch-std layer): per-image feature
 * maps for a discriminator-feature loss.
 */
export function discriminatorGraph(p: Scope, cfg: DiscriminatorConfig, img: Value, c: Value | null = null, features?: Value[]): Value {
  const r = cfg.imgResolution;
  if (img.rank !== 4 || img.shape[1] !== cfg.imgChannels || img.shape[2] !== r || img.shape[3] !== r) {
    throw new ShapeError(`discriminator: image should be [N, ${cfg.imgChannels}, ${r}, ${r}], got ${formatShape(img.shape)}`);
  }
  const clamp = cfg.convClamp;
  let x: Value | null = null;
  let image: Value | null = img;
  for (let res = r; res > 4; res /= 2) {
    const b = p.at(`b${res}`);
    if (res === r || cfg.architecture === 'skip') {
      const y = convLayer(b.at('fromrgb'), image!, { clamp });
      x = x ? add(x, y) : y;
      image = cfg.architecture === 'skip' ? downsample2d(image!, filterOf(b)) : null;
    }
    const f = filterOf(b);
    if (cfg.architecture === 'resnet') {
      const y = convLayer(b.at('skip'), x!, { activation: 'linear', down: 2, gain: Math.SQRT1_2, filter: f });
      x = convLayer(b.at('conv0'), x!, { clamp });
      x = convLayer(b.at('conv1'), x, { down: 2, gain: Math.SQRT1_2, clamp, filter: f });
      x = add(y, x);
    } else {
      x = convLayer(b.at('conv0'), x!, { clamp });
      x = convLayer(b.at('conv1'), x, { down: 2, clamp, filter: f });
    }
    features?.push(x!);
  }
  const e = p.at('b4');
  if (cfg.architecture === 'skip') x = add(x!, convLayer(e.at('fromrgb'), image!, { clamp }));
  if (cfg.mbstdChannels > 0) x = minibatchStd(x!, cfg.mbstdGroupSize, cfg.mbstdChannels);
  x = convLayer(e.at('conv'), x!, { clamp });
  x = fullyConnected(e.at('fc'), reshape(x, [x.shape[0], -1]), { activation: 'lrelu' });
  x = fullyConnected(e.at('out'), x);
  if (cfg.cmapDim > 0) {
    if (!c) throw new ShapeError(`discriminator: this model is conditional and needs c [N, ${cfg.cDim}]`);
    const cmap = mapToW(p.at('mapping'), { zDim: 0, cDim: cfg.cDim, mappingLayers: cfg.mappingLayers, mappingLrMultiplier: 0.01 }, null, c);
    x = mul(reduceSum(mul(x, cmap), [1], true), 1 / Math.sqrt(cfg.cmapDim));
  }
  return x;
}

/** Reads a discriminator's configuration from its weights. */
export function inferDiscriminatorConfig(w: Weights, hints: Partial<DiscriminatorConfig> = {}): DiscriminatorConfig {
  const blocks: number[] = [];
  for (const k of w.tensors.keys()) {
    const m = /^b(\d+)\.conv0\.weight$/.exec(k);
    if (m) blocks.push(Number(m[1]));
  }
  if (!w.has('b4.conv.weight') || !blocks.length) throw new CheckpointError(w.source, 'not a StyleGAN2 discriminator state dict (no b4.conv.weight)');
  blocks.sort((a, b) => b - a);
  const r = blocks[0];
  const channels: Record<number, number> = {};
  for (const res of blocks) channels[res] = w.tensor(`b${res}.conv0.weight`).shape[0];
  channels[4] = w.tensor('b4.conv.weight').shape[0];
  const fromrgbs = blocks.filter((res) => w.has(`b${res}.fromrgb.weight`));
  const architecture: SynthesisArchitecture = fromrgbs.length > 1 ? 'skip' : w.has(`b${r}.skip.weight`) ? 'resnet' : 'orig';
  const outDim = w.tensor('b4.out.weight').shape[0];
  const cDim = w.has('mapping.embed.weight') ? w.tensor('mapping.embed.weight').shape[1] : 0;
  let mappingLayers = 0;
  while (w.has(`mapping.fc${mappingLayers}.weight`)) mappingLayers++;
  return {
    imgResolution: r,
    imgChannels: w.tensor(`b${r}.fromrgb.weight`).shape[1],
    cDim,
    channels,
    architecture,
    cmapDim: cDim > 0 ? outDim : 0,
    mappingLayers,
    mbstdGroupSize: hints.mbstdGroupSize ?? 4,
    mbstdChannels: w.tensor('b4.conv.weight').shape[1] - channels[4],
    convClamp: hints.convClamp === undefined ? null : hints.convClamp,
  };
}
