import { resolveTruncationOptions, TRUNCATION_SPEC, truncationVerb } from '../../index.js';
import { walkCommand } from '../explore.js';

export const truncationCommand = walkCommand({
  name: 'truncation',
  summary:
    'Truncation sweep: each latent at psi from -1 to 1 (StyleGAN2: towards w_avg, with cutoff; DCGAN: z scaled)',
  usage: 'latentlab truncation --model M --seeds 0-5 [--psi -1:1:9] [--cutoff 4] --outdir DIR [--gif F]',
  spec: TRUNCATION_SPEC,
  resolve: resolveTruncationOptions,
  run: truncationVerb,
});
