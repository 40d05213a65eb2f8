import { loadModel, MIX_SPEC, type MixOptions, mixVerb, requireModelPath, resolveMixOptions } from '../../index.js';
import { tableCommand } from '../command.js';
import { progressBar } from '../explore.js';

export const mixCommand = tableCommand({
  name: 'mix',
  summary: "Style mixing grid (NVIDIA style_mixing.py): row latents with the columns' styles on chosen ws rows",
  usage: "latentlab mix --model M --rows 1-4 --cols 10-13 [--row-latents a.latent.safetensors] [--layers coarse|middle|fine|0-3] --outdir DIR",
  spec: MIX_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'mix'));
    const o = resolveMixOptions(partial as Partial<MixOptions>, model);
    const r = await mixVerb(model, o, { onProgress: progressBar('render') });
    for (const line of r.written) out(`wrote ${line}`);
  },
});
