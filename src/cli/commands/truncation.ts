import {
  loadModel,
  requireModelPath,
  resolveTruncationOptions,
  TRUNCATION_SPEC,
  type TruncationOptions,
  truncationVerb,
} from '../../index.js';
import { tableCommand } from '../command.js';
import { progressBar } from '../explore.js';

export const truncationCommand = tableCommand({
  name: 'truncation',
  summary: 'Truncation sweep: each latent at psi from -1 to 1 (StyleGAN2: towards w_avg, with cutoff; DCGAN: z scaled)',
  usage: 'latentlab truncation --model M --seeds 0-5 [--psi -1:1:9] [--cutoff 4] --outdir DIR [--gif F]',
  spec: TRUNCATION_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'truncation'));
    const o = resolveTruncationOptions(partial as Partial<TruncationOptions>, model);
    const r = await truncationVerb(model, o, { onProgress: progressBar('render') });
    for (const line of r.written) out(`wrote ${line}`);
  },
});
