import { join } from 'node:path';
import {
  ArgumentError,
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
  usage: 'latentlab generate --model M --seeds 0-7,42 [--trunc 0.7] [--class C] [--translate X,Y --rotate DEG (StyleGAN3)] [--grid] --outdir DIR',
  spec: GENERATE_SPEC,
  transport: [
    {
      name: 'queue',
      help: 'redis://HOST:PORT: seeds in shards for `latentlab worker`s; this process writes the PNGs (README: Scale out)',
    },
    { name: 'shard-size', help: 'seeds per queued task (rounded up to whole --batch) (default: 256)' },
  ],
  async run(partial, out, transport) {
    const model = await loadModel(requireModelPath(partial, 'generate'));
    const o = resolveGenerateOptions(partial as Partial<GenerateOptions>, model);
    if (transport.queue !== undefined) {
      if (o.grid || o.saveLatent !== null || o.outdir === null)
        throw new ArgumentError(
          'generate --queue: --grid and --save-latent are not supported on the queue yet; give --outdir',
        );
      if (o.noiseMode === 'random')
        throw new ArgumentError(
          'generate --queue: --noise-mode random draws maps for the whole list; use const or none',
        );
      await model.release();
      const { generateOnQueue } = await import('./generateQueue.js');
      await generateOnQueue(
        {
          url: transport.queue,
          model: o.model,
          seeds: [...o.seeds],
          outdir: o.outdir,
          shardSize: Number(transport['shard-size'] ?? 256),
          options: {
            psi: o.trunc,
            cutoff: o.truncCutoff,
            classIndex: o.classIndex,
            noiseMode: o.noiseMode as 'const' | 'none',
            batchSize: o.batch,
            upscale: o.upscale,
          },
        },
        out,
      );
      return;
    }
    const r = await generate(model, o);
    const skipped = r.skipped ? `, skipped ${r.skipped} already written` : '';
    if (o.outdir !== null)
      out(`wrote ${r.written} images (${model.resolution}x${model.resolution}) to ${o.outdir}${skipped}`);
    if (r.grid && o.outdir !== null) out(`wrote ${join(o.outdir, 'grid.png')}`);
    if (o.saveLatent !== null)
      out(`wrote ${o.saveLatent} (${o.seeds.length} z latents; render with 'latentlab latent render')`);
  },
});
