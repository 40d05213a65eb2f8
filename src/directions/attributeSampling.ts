import { ArgumentError } from '../core/errors.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { type AttributeDirectionOptions, type AttributeSpec, attributeDirections, type KeepSpec, scoreChunk } from './attributes.js';
import type { DirectionSet, DirectionSpace } from './direction.js';
import { sampleLabelled } from './labelled.js';

export interface AttributeDiscoveryOptions extends Omit<AttributeDirectionOptions, 'space' | 'model' | 'source'> {
  num?: number;
  firstSeed?: number;
  psi?: number;
  space?: DirectionSpace;
  /** Keep every class of the classifier (default true). */
  keepClasses?: boolean;
  /** Other attributes the directions must not move (along their own directions). */
  keepAttributes?: readonly AttributeSpec[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * Attribute directions on a generator: sample latents by seed, render each once, score every
 * attribute (image measures, classifier logits) and the classifier's class log-probabilities on
 * the same images, then attributeDirections (conditioned on the classes and kept attributes).
 */
export async function discoverAttributeDirections(
  model: GanModel,
  classifier: Classifier,
  specs: readonly AttributeSpec[],
  o: AttributeDiscoveryOptions = {},
): Promise<DirectionSet> {
  const num = o.num ?? 20_000;
  const space = o.space ?? 'w';
  const kept = (o.keepAttributes ?? []).filter((k) => !specs.some((s) => s.name === k.name));
  const all = [...specs, ...kept];
  const columns = all.map(() => new Float64Array(num));
  const samples = await sampleLabelled(model, classifier, {
    num,
    firstSeed: o.firstSeed,
    psi: o.psi,
    onProgress: o.onProgress,
    onImages: (images, logits, start) => scoreChunk(all, images, logits).forEach((c, a) => columns[a].set(c, start)),
  });
  const codes = space === 'w' ? samples.w : samples.z;
  if (!codes) throw new ArgumentError(`attribute directions: ${model.name} has no W space; use space 'z'`);
  const k = samples.numClasses;
  const keep: KeepSpec = {
    classes:
      o.keepClasses === false
        ? null
        : { names: classifier.labelNames, scores: Array.from({ length: k }, (_, c) => Float64Array.from({ length: num }, (_, i) => samples.logProbs[i * k + c])) },
    attributes: (o.keepAttributes ?? []).map((spec) => ({ spec, scores: columns[all.findIndex((s) => s.name === spec.name)] })),
  };
  return attributeDirections(
    codes,
    specs.map((spec, a) => ({ spec, scores: columns[a] })),
    keep,
    {
      ...o,
      space,
      model: { name: model.name, contentHash: model.manifest.contentHash },
      source: { samples: num, firstSeed: o.firstSeed ?? 0, psi: o.psi ?? 1, classifier: classifier.name },
    },
  );
}
