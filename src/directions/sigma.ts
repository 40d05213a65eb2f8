import { ArgumentError } from '../core/errors.js';
import { selectAxis1, Tensor } from '../core/tensor.js';
import type { GanModel } from '../models/ganModel.js';
import { computeStyles, mapZ, sampleZ } from '../models/generate.js';
import { type DirectionSet, projectedStd } from './direction.js';

/**
 * The set with sigma measured: the std of `num` sampled latents (seeds firstSeed..; W = mapped z,
 * untruncated) projected on each direction. Any direction can then be edited in 'sigma' units.
 */
export async function withMeasuredSigma(model: GanModel, set: DirectionSet, o: { num?: number; firstSeed?: number } = {}): Promise<DirectionSet> {
  const num = o.num ?? 10_000;
  if (!Number.isInteger(num) || num < 2) throw new ArgumentError(`sigma: needs at least 2 samples, got ${num}`);
  const seeds = Array.from({ length: num }, (_, i) => (o.firstSeed ?? 0) + i);
  const z = sampleZ(model, seeds);
  let samples: Tensor = z;
  if (set.space === 'w') {
    const ws = await mapZ(model, z, { batchSize: 1000 });
    samples = selectAxis1(ws, 0);
  } else if (set.space === 's') samples = await computeStyles(model, await mapZ(model, z, { batchSize: 1000 }));
  if (samples.shape[1] !== set.vectors.shape[1])
    throw new ArgumentError(`sigma: ${model.name}'s ${set.space.toUpperCase()} is ${samples.shape[1]}-d, the directions ${set.vectors.shape[1]}-d`);
  return { ...set, sigma: projectedStd(samples, set.vectors), provenance: { ...set.provenance, sigmaSamples: num } };
}
