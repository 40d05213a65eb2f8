import { join } from 'node:path';
import { imagesOf, labelledGrid, renderFrames, sideBySide, truncationSweep, writePng } from '../../index.js';
import type { Command } from '../command.js';
import {
  animationFlags,
  latentFlags,
  latentsFrom,
  modelFlag,
  modelFrom,
  outputFlags,
  parseNumbers,
  progressBar,
  saveLatentIfAsked,
  sourcesFrom,
  str,
  upscaleFactor,
  writeAnimation,
} from '../explore.js';

export const truncationCommand: Command = {
  name: 'truncation',
  summary: 'Truncation sweep: each latent at psi from -1 to 1 (StyleGAN2: towards w_avg, with cutoff; DCGAN: z scaled)',
  usage: 'latentlab truncation --model M --seeds 0-5 [--psi -1:1:9] [--cutoff 4] --outdir DIR [--gif F]',
  flags: [
    modelFlag,
    { name: 'seeds', type: 'string', help: 'seeds, e.g. 0-5', default: '0-5' },
    { name: 'keys', type: 'string', help: 'more latents: seeds or latent files' },
    { name: 'psi', type: 'string', help: 'psi values: from:to:count or a list', default: '-1:1:9' },
    { name: 'cutoff', type: 'number', help: 'truncate only the first N ws rows' },
    ...latentFlags,
    ...outputFlags,
    ...animationFlags,
  ],
  async run({ flags }, out) {
    const model = await modelFrom(flags, 'truncation');
    const outdir = str(flags, 'outdir', 'truncation');
    const factor = upscaleFactor(flags);
    const psis = parseNumbers(String(flags.psi), 'psi');
    const latent = await latentsFrom(model, flags, sourcesFrom(flags.seeds, flags.keys), 'truncation');
    const cutoff = flags.cutoff === undefined ? null : Number(flags.cutoff);
    const sweep = await truncationSweep(model, latent, psis, { cutoff });
    const images = imagesOf(await renderFrames(model, sweep.latent, { batchSize: Number(flags.batch), onProgress: progressBar('render') }), factor);
    const seeds = (latent.provenance as { seeds?: number[] }).seeds;
    const grid = labelledGrid(images, {
      columns: psis.length,
      columnLabels: psis.map((p) => `${Number(p.toFixed(2))}`),
      rowLabels: Array.from({ length: sweep.count }, (_, i) => (seeds ? `${seeds[i]}` : `L${i}`)),
    });
    await writePng(join(outdir, 'truncation.png'), grid);
    out(`wrote ${join(outdir, 'truncation.png')}: ${sweep.count} latents x psi ${psis.map((p) => Number(p.toFixed(3))).join(', ')}${cutoff === null ? '' : ` (cutoff ${cutoff})`}`);
    // animation: frame p shows every latent at psi p
    const frames = psis.map((_, p) => sideBySide(Array.from({ length: sweep.count }, (_, i) => images[i * psis.length + p])));
    await writeAnimation(flags, frames, out);
    await saveLatentIfAsked(flags, sweep.latent, out);
  },
};
