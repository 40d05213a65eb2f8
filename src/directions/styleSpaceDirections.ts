import { ArgumentError } from '../core/errors.js';
import { attributeRecord } from './attributes.js';
import { isSurrogateMeasure } from './measureGraph.js';
import { type DirectionSet, makeDirectionSet, rowsStd } from './direction.js';
import { channelDirection, type ChosenChannel, chooseChannels, type StyleGradientEstimate } from './styleSpace.js';

export interface StyleKnobOptions {
  /** Style channels per direction (StyleSpace edits one or a few; default 1); 'all' = the dense gradient. */
  channels?: number | 'all';
  /** Channels whose gain is below this fraction of the largest are never chosen (default 0.25). */
  minGain?: number;
  /** Classes with fewer samples do not count in the side effect (default 20). */
  minClassCount?: number;
  /**
   * Side effect of a channel: 'mean' (default) the class-mean gradient of log p(own class) (what a
   * shared edit does to the class on average); 'per-sample' the RMS of the per-sample gradients,
   * which also counts garments pushed in opposite ways (exact estimates only, ownClassMeanSquares;
   * probed attributes keep 'mean').
   */
  side?: 'mean' | 'per-sample';
}

function provenance(est: StyleGradientEstimate, extra: Record<string, unknown>): DirectionSet['provenance'] {
  return {
    method: 'stylespace',
    epsilon: est.epsilon,
    samples: est.num,
    firstSeed: est.firstSeed,
    classifier: est.classifier,
    classCounts: Array.from(est.classCounts),
    styleDim: est.layout.dim,
    ...(est.exactSpecs?.length ? { exactGradients: est.exactSpecs, exactSamples: est.exactNum } : {}),
    ...(est.exactSpecs?.some(isSurrogateMeasure) ? { surrogateGradients: est.exactSpecs.filter(isSurrogateMeasure) } : {}),
    ...extra,
  };
}

function allChannels(gain: Float64Array, side: Float64Array): ChosenChannel[] {
  return Array.from(gain, (g, j) => ({ channel: '', index: j, gain: g, side: side[j] }));
}

/**
 * Attribute knobs in S: for each attribute, the channels that move it most per unit of their effect
 * on the garment — the side effect of channel j is the RMS, over classes weighted by their sample
 * counts, of the mean gradient of log p(c) over the samples whose top class is c (a logit attribute
 * leaves its own class out) — and the direction moves them along the attribute's gradient, in
 * channel stds. Sigma: the std of sampled styles along the direction.
 */
export function styleAttributeDirections(est: StyleGradientEstimate, o: StyleKnobOptions = {}): DirectionSet {
  const k = o.channels ?? 1;
  const d = est.layout.dim;
  const minCount = o.minClassCount ?? 20;
  const rows: Float64Array[] = [];
  const attributes = est.specs.map((spec, a) => {
    const side = new Float64Array(d);
    let total = 0;
    const from = est.specSides?.[a] ?? est;
    // Per-sample side effects exist for exact gradients only; a probed attribute keeps the mean.
    const perSample = o.side === 'per-sample' && from === est && est.ownClassMeanSquares !== undefined;
    from.ownClassGrads.forEach((g, c) => {
      if (from.classCounts[c] < minCount || c === spec.logit) return;
      total += from.classCounts[c];
      const sq = perSample ? est.ownClassMeanSquares![c] : null;
      for (let j = 0; j < d; j++) side[j] += from.classCounts[c] * (sq ? sq[j] : g[j] ** 2);
    });
    if (!total) throw new ArgumentError(`StyleSpace knob '${spec.name}': no class has ${minCount} samples; sample more`);
    for (let j = 0; j < d; j++) side[j] = Math.sqrt(side[j] / total);
    const chosen = k === 'all' ? allChannels(est.grads[a], side) : chooseChannels(est.layout, est.grads[a], side, k, o.minGain);
    rows.push(channelDirection(est, chosen, 'std'));
    return {
      ...attributeRecord(spec),
      method: 'stylespace',
      channels: k === 'all' ? 'all' : chosen.map((c) => ({ channel: c.channel, gain: c.gain, side: c.side })),
    };
  });
  return makeDirectionSet(rows, {
    space: 's',
    labels: est.specs.map((s) => s.name),
    sigma: rowsStd(est.styles, rows),
    model: est.model,
    provenance: provenance(est, { channels: k, attributes, score: 'attribute', side: o.side ?? 'mean' }),
  });
}

/**
 * Class directions in S: for class k, the channels that raise p(k) most per unit of the largest
 * change they cause in any other class's probability, moved along ∂p(k)/∂s (raw S, so every class is
 * edited by the same Euclidean distance); 'all' = the dense gradient ∂p(k)/∂s. Condition them on
 * their nearest classes with conditionOnNearest(set, 2, est.styles).
 */
export function styleClassDirections(est: StyleGradientEstimate, o: StyleKnobOptions = {}): DirectionSet {
  const k = o.channels ?? 'all';
  const d = est.layout.dim;
  const rows: Float64Array[] = [];
  const attributes = est.classNames.map((name, target) => {
    const side = new Float64Array(d);
    est.probGrads.forEach((g, c) => {
      if (c !== target) for (let j = 0; j < d; j++) side[j] = Math.max(side[j], Math.abs(g[j]));
    });
    const gain = est.probGrads[target];
    const chosen = k === 'all' ? allChannels(gain, side) : chooseChannels(est.layout, gain, side, k, o.minGain);
    rows.push(channelDirection(est, chosen, 'raw'));
    let slope = 0;
    for (const c of chosen) slope += (c.gain / est.std[c.index]) ** 2;
    return { name, classes: [target], slope: Math.sqrt(slope), channels: k === 'all' ? 'all' : chosen.map((c) => c.channel) };
  });
  return makeDirectionSet(rows, {
    space: 's',
    labels: [...est.classNames],
    sigma: rowsStd(est.styles, rows),
    model: est.model,
    provenance: provenance(est, { channels: k, attributes, score: 'probability' }),
  });
}
