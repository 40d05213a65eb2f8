import { NOISE_SPEC, noiseVerb, resolveNoiseOptions } from '../../index.js';
import { walkCommand } from '../explore.js';

export const noiseCommand = walkCommand({
  name: 'noise',
  summary:
    'Noise inputs: const / random / none, and fresh noise on a layer range only (stochastic variation + its std-dev map)',
  usage: 'latentlab noise --model M --seeds 0-3 [--layers fine] [--count 6] --outdir DIR',
  spec: NOISE_SPEC,
  resolve: resolveNoiseOptions,
  run: noiseVerb,
});
