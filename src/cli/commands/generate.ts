import { join } from 'node:path';
import {
  GENERATE_SPEC,
  type GenerateOptions,
  generate,
  loadModel,
  requireModelPath,
  resolveGenerateOptions,
} from '../../index.js';
import { tableCommand } from '../command.js';

export const generateCommand = tableCommand({
  name: 'generate',
  summary: 'Generate images from seeds (NVIDIA generate.py conventions; resumable)',
  usage: 'latentlab generate --model M --seeds 0-7,42 [--trunc 0.7] [--class C] [--grid] --outdir DIR',
  spec: GENERATE_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'generate'));
    const o = resolveGenerateOptions(partial as Partial<GenerateOptions>, model);
    const r = await generate(model, o);
    const skipped = r.skipped ? `, skipped ${r.skipped} already written` : '';
    if (o.outdir !== null)
      out(`wrote ${r.written} images (${model.resolution}x${model.resolution}) to ${o.outdir}${skipped}`);
    if (r.grid && o.outdir !== null) out(`wrote ${join(o.outdir, 'grid.png')}`);
    if (o.saveLatent !== null)
      out(`wrote ${o.saveLatent} (${o.seeds.length} z latents; render with 'latentlab latent render')`);
  },
});
