import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { conv2d, convTranspose2d } from '../../graph/ops/conv.js';
import { leakyRelu, relu, sigmoid, tanh } from '../../graph/ops/elementwise.js';
import { reshape } from '../../graph/ops/movement.js';
import type { Value } from '../../graph/value.js';
import { type BatchStatsSink, batchNorm2d } from '../../nn/batchnorm.js';
import type { Scope } from '../../nn/weights.js';
import type { DcganDiscriminatorConfig, DcganGeneratorConfig, DcganLayer } from './config.js';

export interface DcganRunOptions {
  /**
   * BatchNorm with this batch's statistics (`net.train()`, what main.py uses for every pass in
   * its training loop) instead of the running ones (`net.eval()`). Default false.
   */
  train?: boolean;
  /** In train mode, receives each BatchNorm's batch mean/variance by prefix (`main.1`). */
  stats?: BatchStatsSink;
}

export interface DcganDiscriminateOptions extends DcganRunOptions {
  /** Return the pre-sigmoid logits (for a stable BCE-with-logits loss). Default false. */
  logits?: boolean;
}

/** One conv of the stack (transposed for G), then its BatchNorm if it has one. */
function convBn(p: Scope, x: Value, layer: DcganLayer, transposed: boolean, opts: DcganRunOptions): Value {
  const { index, inChannels, outChannels, kernel: k, stride, padding } = layer;
  const main = p.at(`main.${index}`);
  const w = main.get(
    'weight',
    transposed ? [inChannels, outChannels, k, k] : [outChannels, inChannels, k, k],
  );
  const b = layer.bias ? main.get('bias', [outChannels]) : undefined;
  const y = transposed ? convTranspose2d(x, w, b, { stride, padding }) : conv2d(x, w, b, { stride, padding });
  if (layer.batchNorm === null) return y;
  return batchNorm2d(p.at(`main.${layer.batchNorm}`), y, { train: opts.train, stats: opts.stats });
}

/**
 * netG(z): z [N, nz] or [N, nz, 1, 1] → image [N, nc, imageSize, imageSize]. `p` is the scope
 * holding `main.*` (the root of a netG state dict).
 */
export function dcganGenerate(
  p: Scope,
  cfg: DcganGeneratorConfig,
  z: Value,
  opts: DcganRunOptions = {},
): Value {
  const n = z.shape[0];
  const flat = z.rank === 2 && z.shape[1] === cfg.nz;
  const spatial = z.rank === 4 && z.shape[1] === cfg.nz && z.shape[2] === 1 && z.shape[3] === 1;
  if (!flat && !spatial)
    throw new ShapeError(
      `DCGAN generator: z should be [N, ${cfg.nz}] or [N, ${cfg.nz}, 1, 1], got ${formatShape(z.shape)}`,
    );
  let x = flat ? reshape(z, [n, cfg.nz, 1, 1]) : z;
  cfg.layers.forEach((layer, l) => {
    x = convBn(p, x, layer, true, opts);
    x = l < cfg.layers.length - 1 ? relu(x) : tanh(x);
  });
  if (x.shape[2] !== cfg.imageSize || x.shape[3] !== cfg.imageSize) {
    throw new ShapeError(
      `DCGAN generator: made ${formatShape(x.shape)}, config says ${cfg.imageSize}×${cfg.imageSize}`,
    );
  }
  return x; // [N, nc, imageSize, imageSize]
}

/**
 * netD(img): image [N, nc, imageSize, imageSize] → probability [N] (main.py's
 * `output.view(-1, 1).squeeze(1)`), or logits with `logits: true`.
 */
export function dcganDiscriminate(
  p: Scope,
  cfg: DcganDiscriminatorConfig,
  img: Value,
  opts: DcganDiscriminateOptions = {},
): Value {
  const s = cfg.imageSize;
  if (img.rank !== 4 || img.shape[1] !== cfg.nc || img.shape[2] !== s || img.shape[3] !== s) {
    throw new ShapeError(
      `DCGAN discriminator: image should be [N, ${cfg.nc}, ${s}, ${s}], got ${formatShape(img.shape)}`,
    );
  }
  let x = img;
  cfg.layers.forEach((layer, l) => {
    x = convBn(p, x, layer, false, opts);
    if (l < cfg.layers.length - 1) x = leakyRelu(x, 0.2);
  });
  const logits = reshape(x, [img.shape[0]]); // [N, 1, 1, 1] → [N]
  return opts.logits ? logits : sigmoid(logits);
}
