import { MIX_SPEC, mixVerb, resolveMixOptions } from '../../index.js';
import { walkCommand } from '../explore.js';

export const mixCommand = walkCommand({
  name: 'mix',
  summary:
    "Style mixing grid (NVIDIA style_mixing.py): row latents with the columns' styles on chosen ws rows",
  usage:
    'latentlab mix --model M --rows 1-4 --cols 10-13 [--row-latents a.latent.safetensors] [--layers coarse|middle|fine|0-3] --outdir DIR',
  spec: MIX_SPEC,
  resolve: resolveMixOptions,
  run: mixVerb,
});
