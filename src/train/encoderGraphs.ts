import type { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { add, mul, sub } from '../graph/ops/elementwise.js';
import { concat, slice } from '../graph/ops/movement.js';
import { reduceMean } from '../graph/ops/reduce.js';
import type { Program } from '../graph/program.js';
import { input, type Value } from '../graph/value.js';
import { type ResolvedEncoder } from '../models/encoder/config.js';
import { encodeGraph, isEncoderBuffer } from '../models/encoder/network.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { classify } from '../models/classifier/network.js';
import type { GanModel } from '../models/ganModel.js';
import { broadcastWs, mapToW } from '../models/stylegan2/mapping.js';
import { styleSynthesis } from '../models/styleGraph.js';
import { Weights } from '../nn/weights.js';

/** Loss weights of the encoder objective (see EncoderTrainConfig for the reasons behind the defaults). */
export interface EncoderLossWeights {
  /** MSE between predicted and true W+ codes (generated rows only). */
  latent: number;
  /** Pixel MSE between G(E(x)) and x (all rows). */
  pixel: number;
  /** MSE between the classifier's penultimate features of G(E(x)) and of x (all rows). */
  feature: number;
}

export interface EncoderTrainProgram {
  /**
   * Inputs: `z`, `z2` [G, zDim] (generated rows: style mixing of two mapped codes), `mix` [G, numWs, 1]
   * (1 = row from z), `wsNoise` [G, numWs, wDim] (per-row offsets added to the true codes, scaled by
   * the host), `real` [R, C, res, res] (dataset images), then the encoder's trainable weights by key.
   * Outputs: `loss`, `latent`, `pixel`, `feature` (unweighted terms), `grad:<key>` per weight.
   */
  program: Program;
  /** Trainable keys, in the order of the `grad:` outputs. */
  params: string[];
}

function mse(a: Value, b: Value): Value {
  const d = sub(a, b);
  return reduceMean(mul(d, d));
}

function nameOf(v: Value): string {
  return v.source.kind === 'input' ? v.source.name : String(v.id);
}

/**
 * One encoder training step: the frozen generator makes `generated` (W+ code, image) pairs with
 * constant noise, dataset images fill `real` more rows, the encoder maps every image to W+, the
 * frozen generator renders the codes (constant noise), and the weighted loss differentiates through
 * the generator's synthesis and the frozen classifier back to the encoder's weights only.
 */
export function buildEncoderTrainProgram(
  encoderTensors: ReadonlyMap<string, Tensor>,
  cfg: ResolvedEncoder,
  model: GanModel,
  classifier: Classifier | null,
  sizes: { generated: number; real: number },
  weights: EncoderLossWeights,
): EncoderTrainProgram {
  const g = model.styleSpace();
  const gw = model.generatorWeights();
  const m = gw.at('mapping');
  const { generated: ng, real: nr } = sizes;
  const res = cfg.resolution;
  const ew = new Weights(encoderTensors, 'input', 'encoder', isEncoderBuffer);
  const feeds: Value[] = [];
  const parts: Value[] = [];
  let wsTrue: Value | null = null;
  if (ng > 0) {
    const z = input('z', [ng, g.zDim]);
    const z2 = input('z2', [ng, g.zDim]);
    const mix = input('mix', [ng, g.numWs, 1]);
    const wsNoise = input('wsNoise', [ng, g.numWs, g.wDim]);
    const ws1 = broadcastWs(m, g, mapToW(m, g, z));
    const ws2 = broadcastWs(m, g, mapToW(m, g, z2));
    wsTrue = add(add(ws2, mul(sub(ws1, ws2), mix)), wsNoise); // [G, numWs, wDim]
    parts.push(styleSynthesis(model, wsTrue, { noiseMode: 'const' }));
    feeds.push(z, z2, mix, wsNoise);
  }
  if (nr > 0) {
    const real = input('real', [nr, cfg.imgChannels, res, res]);
    parts.push(real);
    feeds.push(real);
  }
  const x = parts.length === 1 ? parts[0] : concat(parts, 0); // [G + R, C, res, res]
  const wsHat = encodeGraph(ew.at(''), cfg, x);
  const recon = styleSynthesis(model, wsHat, { noiseMode: 'const' });
  const pixel = mse(recon, x);
  const cw = classifier?.weights().at('');
  // No classifier (an RGB model without one): pixel and latent terms only.
  const feature = classifier && cw ? mse(classify(cw, classifier.config, recon).features, classify(cw, classifier.config, x).features) : null;
  const latent = wsTrue ? mse(nr === 0 ? wsHat : slice(wsHat, [0], [ng], [0]), wsTrue) : null;
  let loss = feature ? add(mul(pixel, weights.pixel), mul(feature, weights.feature)) : mul(pixel, weights.pixel);
  if (latent) loss = add(loss, mul(latent, weights.latent));
  const params = ew.inputs();
  const grads = grad(loss, params);
  const outputs: Record<string, Value> = { loss, pixel };
  if (feature) outputs.feature = feature;
  if (latent) outputs.latent = latent;
  params.forEach((p, i) => {
    outputs[`grad:${nameOf(p)}`] = grads[i];
  });
  return {
    program: { inputs: [...feeds, ...params], outputs: Object.values(outputs), outputNames: Object.keys(outputs) },
    params: params.map(nameOf),
  };
}

/**
 * Encoder forward and reconstruction with the weights fed as inputs (one session serves a whole run
 * while they change): `x` [N, C, res, res] then weights by key -> `ws`, `recon`.
 */
export function buildEncoderEvalProgram(
  encoderTensors: ReadonlyMap<string, Tensor>,
  cfg: ResolvedEncoder,
  model: GanModel,
  n: number,
): { program: Program; keys: string[] } {
  const ew = new Weights(encoderTensors, 'input', 'encoder');
  const x = input('x', [n, cfg.imgChannels, cfg.resolution, cfg.resolution]);
  const ws = encodeGraph(ew.at(''), cfg, x);
  const recon = styleSynthesis(model, ws, { noiseMode: 'const' });
  const inputs = ew.inputs();
  return {
    program: { inputs: [x, ...inputs], outputs: [ws, recon], outputNames: ['ws', 'recon'] },
    keys: inputs.map(nameOf),
  };
}
