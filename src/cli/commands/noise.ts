import { loadModel, NOISE_SPEC, type NoiseOptions, noiseVerb, requireModelPath, resolveNoiseOptions } from '../../index.js';
import { tableCommand } from '../command.js';
import { progressBar } from '../explore.js';

export const noiseCommand = tableCommand({
  name: 'noise',
  summary: 'Noise inputs: const / random / none, and fresh noise on a layer range only (stochastic variation + its std-dev map)',
  usage: 'latentlab noise --model M --seeds 0-3 [--layers fine] [--count 6] --outdir DIR',
  spec: NOISE_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'noise'));
    const o = resolveNoiseOptions(partial as Partial<NoiseOptions>, model);
    const r = await noiseVerb(model, o, { onProgress: progressBar('render') });
    for (const line of r.written) out(`wrote ${line}`);
  },
});
