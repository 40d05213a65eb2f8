import { ShapeError } from '../../core/errors.js';
import { RandomState } from '../../core/rng.js';
import { formatShape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { conv2d } from '../../graph/ops/conv.js';
import { add, leakyRelu, mul } from '../../graph/ops/elementwise.js';
import { gemm } from '../../graph/ops/matmul.js';
import { expand, reshape } from '../../graph/ops/movement.js';
import type { Value } from '../../graph/value.js';
import type { Scope } from '../../nn/weights.js';
import { type EncoderConfig, type ResolvedEncoder, resolveEncoder } from './config.js';

/** Keys of the encoder that are buffers, never trained. */
export function isEncoderBuffer(key: string): boolean {
  return key === 'w_avg';
}

function convLrelu(p: Scope, x: Value, cin: number, cout: number, k: number, stride: number, slope: number): Value {
  const w = p.get('weight', [cout, cin, k, k]);
  return leakyRelu(conv2d(x, w, p.get('bias', [cout]), { padding: Math.floor(k / 2), stride }), slope);
}

/**
 * The encoder on images x [N, C, R, R] in [-1, 1] -> ws [N, numWs, wDim] = w_avg + offsets (see
 * EncoderConfig for the layout). Every weight is a graph value, so a loss on the ws or on the image
 * the generator makes from them differentiates back to the encoder's weights in 'input' mode.
 */
export function encodeGraph(p: Scope, cfg: EncoderConfig | ResolvedEncoder, x: Value): Value {
  const r = 'stages' in cfg ? cfg : resolveEncoder(cfg);
  const [n, c, h, w] = x.shape;
  if (x.rank !== 4 || c !== r.imgChannels || h !== r.resolution || w !== r.resolution) {
    throw new ShapeError(`encoder: input should be [N, ${r.imgChannels}, ${r.resolution}, ${r.resolution}], got ${formatShape(x.shape)}`);
  }
  const slope = r.lreluSlope;
  let y = convLrelu(p.at('stem'), x, r.imgChannels, r.stemChannels, 1, 1, slope);
  for (const s of r.stages) {
    const b = p.at(`b${s.resolution}`);
    const skipW = b.get('skip.weight', [s.outChannels, s.inChannels, 1, 1]);
    const skip = conv2d(y, skipW, undefined, { stride: 2 });
    let main = convLrelu(b.at('conv0'), y, s.inChannels, s.inChannels, 3, 1, slope);
    main = convLrelu(b.at('conv1'), main, s.inChannels, s.outChannels, 3, 2, slope);
    y = mul(add(skip, main), Math.SQRT1_2); // keeps the variance of the sum near one
  }
  const flat = reshape(y, [n, r.finalChannels * 16]); // [N, C·4·4]
  const fcW = p.get('fc.weight', [r.hidden, r.finalChannels * 16]);
  const hidden = leakyRelu(gemm(flat, fcW, { transB: true }, p.get('fc.bias', [r.hidden])), slope);
  const headW = p.get('head.weight', [r.numWs * r.wDim, r.hidden]);
  const offsets = gemm(hidden, headW, { transB: true }, p.get('head.bias', [r.numWs * r.wDim]));
  const wAvg = expand(reshape(p.get('w_avg', [r.wDim]), [1, 1, r.wDim]), [n, r.numWs, r.wDim]);
  return add(wAvg, reshape(offsets, [n, r.numWs, r.wDim])); // [N, numWs, wDim]
}

/**
 * Fresh encoder weights from a seeded RandomState: convs and `fc` He-normal for the leaky ReLU
 * (std = √(2/(1+a²)/fan_in)), biases 0, the `head` He-normal scaled by `headScale` so the first
 * codes sit near w_avg (e4e starts from w_avg too), `w_avg` copied from the generator.
 */
export function initEncoderWeights(cfg: EncoderConfig, wAvg: Float32Array, seed = 0, headScale = 0.1): Map<string, Tensor> {
  const r = resolveEncoder(cfg);
  if (wAvg.length !== r.wDim) throw new ShapeError(`initEncoderWeights: w_avg has ${wAvg.length} values, wDim is ${r.wDim}`);
  const rng = new RandomState(seed);
  const gain = Math.sqrt(2 / (1 + r.lreluSlope ** 2));
  const sd = new Map<string, Tensor>();
  const normal = (key: string, shape: number[], fanIn: number, scale = 1) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const std = (scale * gain) / Math.sqrt(fanIn);
    sd.set(key, Tensor.float32(shape, Array.from(rng.randn(count), (v) => v * std)));
  };
  const zeros = (key: string, n: number) => sd.set(key, Tensor.float32([n]));
  normal('stem.weight', [r.stemChannels, r.imgChannels, 1, 1], r.imgChannels);
  zeros('stem.bias', r.stemChannels);
  for (const s of r.stages) {
    const b = `b${s.resolution}`;
    normal(`${b}.conv0.weight`, [s.inChannels, s.inChannels, 3, 3], s.inChannels * 9);
    zeros(`${b}.conv0.bias`, s.inChannels);
    normal(`${b}.conv1.weight`, [s.outChannels, s.inChannels, 3, 3], s.inChannels * 9);
    zeros(`${b}.conv1.bias`, s.outChannels);
    normal(`${b}.skip.weight`, [s.outChannels, s.inChannels, 1, 1], s.inChannels, 1 / gain);
  }
  normal('fc.weight', [r.hidden, r.finalChannels * 16], r.finalChannels * 16);
  zeros('fc.bias', r.hidden);
  normal('head.weight', [r.numWs * r.wDim, r.hidden], r.hidden, headScale / gain);
  zeros('head.bias', r.numWs * r.wDim);
  sd.set('w_avg', Tensor.float32([r.wDim], wAvg));
  return sd;
}
