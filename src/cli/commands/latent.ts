import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  decodeLatent,
  exportLatent,
  imagesOf,
  importLatent,
  renderFrames,
  saveLatent,
  type TorchLatentLayout,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import { modelFlag, modelFrom, progressBar, str, upscaleFactor } from '../explore.js';

export const latentCommand: Command = {
  name: 'latent',
  summary: 'Latent files: info, import (.npz .npy .pt -> .latent.safetensors), export (-> .npy .npz .pt), render',
  usage:
    'latentlab latent info FILE.latent.safetensors\n' +
    '       latentlab latent import --model M FILE(.npz|.npy|.pt) --out X.latent.safetensors [--space w]\n' +
    '       latentlab latent export --model M X.latent.safetensors --out FILE(.npz|.npy|.pt) [--layout e4e]\n' +
    '       latentlab latent render --model M FILE --outdir DIR',
  flags: [
    modelFlag,
    { name: 'out', type: 'string', help: 'import / export: output file' },
    { name: 'space', type: 'string', help: 'import: space of rank-2 arrays [N, dim] (z | w)', default: 'z' },
    { name: 'noise-mode', type: 'string', help: 'import: noise mode when the file stores no maps', default: 'const' },
    { name: 'layout', type: 'string', help: 'export .pt: rosinality (dict with noise maps) | e4e (w+ tensor)', default: 'rosinality' },
    { name: 'any-model', type: 'boolean', help: 'accept latent files saved for other weights of the same shape' },
    { name: 'outdir', type: 'string', help: 'render: output folder' },
    { name: 'upscale', type: 'number', help: 'render: nearest-neighbour upscaling', default: 1 },
  ],
  async run({ flags, positionals }, out) {
    const [action, file] = positionals;
    if (!action || !file) throw new ArgumentError("latent: usage 'latent info|import|export|render FILE' (see --help)");
    if (action === 'info') {
      const l = decodeLatent(await readFile(file), file);
      out(`${file}: ${l.codes.shape[0]} ${l.space} latents [${l.codes.shape.join(', ')}] for ${l.model.name} (${l.model.contentHash.slice(0, 12)})`);
      out(`truncation psi ${l.psi}${l.cutoff === null ? '' : ` cutoff ${l.cutoff}`}; noise ${l.noiseMode}${l.noise ? ` with ${Object.keys(l.noise).length} stored maps` : ''}${l.noiseSeed === undefined ? '' : ` (seed ${l.noiseSeed})`}`);
      if (l.classes) out(`classes: ${l.classes.join(', ')}`);
      out(`provenance: ${JSON.stringify(l.provenance)}`);
      return;
    }
    const model = await modelFrom(flags, `latent ${action}`);
    const space = String(flags.space);
    if (space !== 'z' && space !== 'w') throw new ArgumentError('--space must be z or w (rank-3 arrays are w+ by shape)');
    const mode = String(flags['noise-mode']) as 'const';
    const latent = await importLatent(model, file, { space, noiseMode: mode, allowOtherModel: Boolean(flags['any-model']) });
    if (action === 'import') {
      const to = str(flags, 'out', 'latent import');
      await saveLatent(to, latent);
      out(`wrote ${to}: ${latent.codes.shape[0]} ${latent.space} latents${latent.noise ? ' with noise maps' : ''}`);
    } else if (action === 'export') {
      const to = str(flags, 'out', 'latent export');
      const layout = String(flags.layout) as TorchLatentLayout;
      if (layout !== 'rosinality' && layout !== 'e4e') throw new ArgumentError('--layout must be rosinality or e4e');
      await exportLatent(model, latent, to, { layout });
      out(`wrote ${to}`);
    } else if (action === 'render') {
      const outdir = str(flags, 'outdir', 'latent render');
      const images = imagesOf(await renderFrames(model, latent, { onProgress: progressBar('render') }), upscaleFactor(flags));
      for (let i = 0; i < images.length; i++) await writePng(join(outdir, `latent${String(i).padStart(4, '0')}.png`), images[i]);
      out(`wrote ${images.length} images to ${outdir}`);
    } else throw new ArgumentError(`latent: unknown action '${action}' (info, import, export, render)`);
  },
};
