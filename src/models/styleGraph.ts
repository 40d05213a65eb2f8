import type { Value } from '../graph/value.js';
import type { Scope } from '../nn/weights.js';
import type { GanModel } from './ganModel.js';
import { synthesisGraph, type SynthesisOptions } from './stylegan2/synthesis.js';
import { synthesizeSg3 } from './stylegan3/synthesis.js';

export interface StyleSynthesisOptions extends SynthesisOptions {
  /** StyleGAN3 only: replaces `synthesis.input.transform` ([3, 3] or [N, 3, 3]). */
  transform?: Value;
}

/**
 * ws [N, numWs, wDim] -> image graph for a StyleGAN2 or StyleGAN3 model, so W-space verbs
 * (projection, Jacobians, export) build one graph whatever the architecture. StyleGAN3 has no noise
 * inputs: noise options are ignored there, as NVIDIA's noise_mode is.
 */
export function styleSynthesis(model: GanModel, ws: Value, opts: StyleSynthesisOptions = {}, p?: Scope): Value {
  const scope = p ?? model.generatorWeights().at('synthesis');
  if (model.architecture === 'stylegan3') return synthesizeSg3(scope, model.stylegan3(), ws, { transform: opts.transform });
  return synthesisGraph(scope, model.stylegan2(), ws, opts);
}
