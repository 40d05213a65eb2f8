import { ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, mul } from '../../graph/ops/elementwise.js';
import { expand, reshape, slice } from '../../graph/ops/movement.js';
import type { Value } from '../../graph/value.js';
import { biasAct, fullyConnected } from '../../nn/functional.js';
import { setupFilter, upsample2d } from '../../nn/fir.js';
import { modulatedConv2d } from '../../nn/modconv.js';
import type { Scope } from '../../nn/weights.js';
import type { NoiseMode } from '../modelTypes.js';
import type { ResolvedGenerator, SynthesisLayerInfo } from './config.js';

export type { NoiseMode };

export interface SynthesisOptions {
  /**
   * 'const': the stored noise_const buffers; 'none': no noise; 'random': the maps in `noise`
   * (unit-variance [N, 1, res, res] values, one per conv layer, fed by the caller).
   */
  noiseMode?: NoiseMode;
  /** Explicit noise maps by layer name (`synthesis.b8.conv0`); override noiseMode per layer. */
  noise?: Readonly<Record<string, Value>>;
  /**
   * Modulated-conv path of every layer, see ModulatedConvOptions.path. Unset: 'shared' for the 3x3
   * layers (pre-packed constant weights) and 'grouped' for toRGB (its weight is tiny).
   */
  path?: 'shared' | 'grouped';
  /**
   * StyleSpace edits: per layer name (`synthesis.b16.conv0`, `synthesis.b32.torgb`), an offset Δs
   * [N, inChannels] (or [1, inChannels]) added to that layer's styles — the affine output A(w), before
   * ToRGB's weight gain and before modulation. Layers without one use A(w) unchanged.
   */
  styleOffsets?: Readonly<Record<string, Value>>;
}

function filterOf(p: Scope): Tensor {
  return p.has('resample_filter') ? p.tensor('resample_filter') : setupFilter();
}

function wRow(ws: Value, i: number): Value {
  const [n, , wDim] = ws.shape;
  return reshape(slice(ws, [i], [i + 1], [1]), [n, wDim]);
}

/** The layer's styles A(w) [N, inChannels], plus its StyleSpace offset when one is given. */
function layerStyles(p: Scope, info: SynthesisLayerInfo, w: Value, opts: SynthesisOptions): Value {
  const styles = fullyConnected(p.at('affine'), w);
  const offset = opts.styleOffsets?.[info.name];
  if (!offset) return styles;
  const [n, c] = styles.shape;
  if (offset.rank !== 2 || offset.shape[1] !== c || (offset.shape[0] !== n && offset.shape[0] !== 1))
    throw new ShapeError(`style offset for ${info.name}: expected [${n}, ${c}], got ${formatShape(offset.shape)}`);
  return add(styles, offset);
}

function layerNoise(p: Scope, info: SynthesisLayerInfo, n: number, opts: SynthesisOptions): Value | null {
  const explicit = opts.noise?.[info.name];
  const res = info.resolution;
  const strength = p.get('noise_strength', []);
  if (explicit) {
    if (explicit.rank !== 4 || explicit.shape[1] !== 1 || explicit.shape[2] !== res || explicit.shape[3] !== res || (explicit.shape[0] !== n && explicit.shape[0] !== 1)) {
      throw new ShapeError(`noise for ${info.name}: expected [${n}, 1, ${res}, ${res}], got ${formatShape(explicit.shape)}`);
    }
    return mul(explicit, strength);
  }
  const mode = opts.noiseMode ?? 'const';
  if (mode === 'none') return null;
  if (mode === 'random') throw new ShapeError(`noise mode 'random' needs a noise map for ${info.name}`);
  return mul(reshape(p.get('noise_const', [res, res]), [1, 1, res, res]), strength);
}

/** SynthesisLayer: affine -> modulated conv (demodulated) -> noise -> bias, lrelu, gain, clamp. */
function synthesisLayer(p: Scope, cfg: ResolvedGenerator, info: SynthesisLayerInfo, x: Value, w: Value, gain: number, opts: SynthesisOptions): Value {
  const styles = layerStyles(p, info, w, opts);
  const weight = p.get('weight', [info.outChannels, info.inChannels, -1, -1]);
  const noise = layerNoise(p, info, x.shape[0], opts);
  const y = modulatedConv2d(x, weight, styles, {
    up: info.up,
    padding: Math.floor(weight.shape[2] / 2),
    resampleFilter: filterOf(p),
    noise,
    path: opts.path,
  });
  return biasAct(y, p.get('bias', [info.outChannels]), 'lrelu', gain, cfg.convClamp);
}

/** ToRGBLayer: affine scaled by 1/sqrt(fan_in), modulated 1x1 conv without demodulation, bias, clamp. */
function toRgb(p: Scope, cfg: ResolvedGenerator, info: SynthesisLayerInfo, x: Value, w: Value, opts: SynthesisOptions): Value {
  const weight = p.get('weight', [info.outChannels, info.inChannels, -1, -1]);
  const fanIn = info.inChannels * weight.shape[2] * weight.shape[3];
  const styles = mul(layerStyles(p, info, w, opts), 1 / Math.sqrt(fanIn));
  // A 1x1 conv to a few channels: modulating its [C, I] weight per sample costs a few thousand
  // multiplies, modulating the input costs one pass over [N, I, R, R] (and, in the backward pass,
  // two more plus a reduction). So toRGB folds the styles into the weight unless a path is forced.
  const y = modulatedConv2d(x, weight, styles, { demodulate: false, path: opts.path ?? 'grouped' });
  return biasAct(y, p.get('bias', [info.outChannels]), 'linear', 1, cfg.convClamp);
}

/** resnet skip: FIR upsample, then 1x1 conv without bias, times sqrt(0.5). */
function skipUp(p: Scope, x: Value, outChannels: number): Value {
  const weight = p.get('weight', [outChannels, x.shape[1], 1, 1]);
  const up = upsample2d(x, filterOf(p));
  return mul(conv2d(up, mul(weight, 1 / Math.sqrt(x.shape[1]))), Math.SQRT1_2);
}

/**
 * The synthesis network: ws [N, numWs, wDim] -> image [N, C, R, R] (raw, roughly [-1, 1]).
 * Follows stylegan2-ada-pytorch's SynthesisNetwork for the 'skip', 'resnet' and 'orig' architectures.
 */
export function synthesisGraph(p: Scope, cfg: ResolvedGenerator, ws: Value, opts: SynthesisOptions = {}): Value {
  if (ws.rank !== 3 || ws.shape[1] !== cfg.numWs || ws.shape[2] !== cfg.wDim) {
    throw new ShapeError(`synthesis: ws should be [N, ${cfg.numWs}, ${cfg.wDim}], got ${formatShape(ws.shape)}`);
  }
  const n = ws.shape[0];
  let x: Value | null = null;
  let img: Value | null = null;
  for (const res of cfg.blockResolutions) {
    const block = p.at(`b${res}`);
    const layers = cfg.layers.filter((l) => l.resolution === res);
    const conv = (name: string) => layers.find((l) => l.name.endsWith(name))!;
    const resnet = cfg.architecture === 'resnet';
    if (res === 4) {
      const c = block.get('const', [cfg.channels[4], 4, 4]);
      x = expand(reshape(c, [1, ...c.shape]), [n, ...c.shape]);
      x = synthesisLayer(block.at('conv1'), cfg, conv('.conv1'), x, wRow(ws, conv('.conv1').wsIndex), 1, opts);
    } else {
      const y = resnet ? skipUp(block.at('skip'), x!, cfg.channels[res]) : null;
      x = synthesisLayer(block.at('conv0'), cfg, conv('.conv0'), x!, wRow(ws, conv('.conv0').wsIndex), 1, opts);
      x = synthesisLayer(block.at('conv1'), cfg, conv('.conv1'), x, wRow(ws, conv('.conv1').wsIndex), resnet ? Math.SQRT1_2 : 1, opts);
      if (y) x = add(y, x);
    }
    if (img) img = upsample2d(img, filterOf(block));
    const rgb = layers.find((l) => l.kind === 'torgb');
    if (rgb) {
      const y = toRgb(block.at('torgb'), cfg, rgb, x, wRow(ws, rgb.wsIndex), opts);
      img = img ? add(img, y) : y;
    }
  }
  return img!;
}
