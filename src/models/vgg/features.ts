import { ArgumentError, ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, div, mul, relu, sub } from '../../graph/ops/elementwise.js';
import { reshape, slice } from '../../graph/ops/movement.js';
import { reduceMax } from '../../graph/ops/reduce.js';
import { constant, type Value } from '../../graph/value.js';
import { batchNorm2d } from '../../nn/batchnorm.js';
import type { Scope } from '../../nn/weights.js';
import { type VggConfig, vggTapNames } from './config.js';

/** torchvision's ImageNet statistics (per RGB channel). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * (x − mean)/std per channel of an RGB batch [N, 3, H, W]. `range` says what x holds: 'unit'
 * [0, 1] (torchvision's ToTensor) or 'signed' [−1, 1] (GAN output, mapped to [0, 1] first).
 */
export function imagenetNormalize(x: Value, range: 'unit' | 'signed' = 'unit'): Value {
  if (x.rank !== 4 || x.shape[1] !== 3)
    throw new ShapeError(`imagenetNormalize: expected [N, 3, H, W], got ${formatShape(x.shape)}`);
  const unit = range === 'signed' ? mul(add(x, 1), 0.5) : x;
  const mean = constant(Tensor.float32([1, 3, 1, 1], IMAGENET_MEAN), 'imagenet_mean');
  const std = constant(Tensor.float32([1, 3, 1, 1], IMAGENET_STD), 'imagenet_std');
  return div(sub(unit, mean), std); // as torchvision's Normalize: a division, not a multiply
}

/**
 * MaxPool2d(k, stride k) without a pooling primitive: [N, C, H, W] → [N, C, H/k, k, W/k, k], then
 * ReduceMax over the two window axes (whose VJP routes the cotangent to the maxima; exact ties
 * share it, where PyTorch gives it to the first). Odd rows/columns are dropped (ceil_mode=False).
 */
export function maxPool2d(x: Value, k = 2): Value {
  if (x.rank !== 4) throw new ShapeError(`maxPool2d: expected [N, C, H, W], got ${formatShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const ho = Math.floor(h / k);
  const wo = Math.floor(w / k);
  if (ho === 0 || wo === 0)
    throw new ShapeError(`maxPool2d: input ${formatShape(x.shape)} is smaller than the ${k}×${k} window`);
  const cropped = ho * k === h && wo * k === w ? x : slice(x, [0, 0], [ho * k, wo * k], [2, 3]);
  return reduceMax(reshape(cropped, [n, c, ho, k, wo, k]), [3, 5]); // [N, C, H/k, W/k]
}

/**
 * Runs `features` as far as the deepest requested tap and returns the taps by name
 * (relu1_2, relu3_3, conv4_1, pool2... see `vggTapNames`). x is the normalised input
 * [N, inChannels, H, W] (see `imagenetNormalize`); `p` is the scope holding `<index>.weight`
 * (`weights.at('features')` for a torchvision state dict).
 */
export function vggFeatures<T extends string>(
  p: Scope,
  cfg: VggConfig,
  x: Value,
  taps: readonly T[],
): Record<T, Value> {
  const known = vggTapNames(cfg);
  const bad = taps.filter((t) => !known.includes(t));
  if (bad.length)
    throw new ArgumentError(`VGG: unknown layer(s) ${bad.join(', ')}; this network has ${known.join(', ')}`);
  if (!taps.length) throw new ArgumentError('VGG: no layers requested');
  if (x.rank !== 4 || x.shape[1] !== cfg.inChannels) {
    throw new ShapeError(`VGG: input should be [N, ${cfg.inChannels}, H, W], got ${formatShape(x.shape)}`);
  }
  const last = Math.max(...taps.map((t) => known.indexOf(t)));
  const out: Partial<Record<string, Value>> = {};
  const wanted = new Set<string>(taps);
  const emit = (name: string, v: Value): boolean => {
    if (wanted.has(name)) out[name] = v;
    return known.indexOf(name) >= last;
  };
  let h = x;
  for (const layer of cfg.layers) {
    const conv = p.at(String(layer.index));
    const k = layer.kernel;
    const w = conv.get('weight', [layer.outChannels, layer.inChannels, k, k]);
    const b = conv.has('bias') ? conv.get('bias', [layer.outChannels]) : undefined;
    h = conv2d(h, w, b, { padding: (k - 1) / 2 });
    if (emit(layer.name, h)) break;
    if (layer.batchNorm !== null) h = batchNorm2d(p.at(String(layer.batchNorm)), h);
    h = relu(h);
    if (emit(layer.relu, h)) break;
    if (layer.pool) {
      h = maxPool2d(h);
      if (emit(layer.pool, h)) break;
    }
  }
  return out as Record<T, Value>;
}
