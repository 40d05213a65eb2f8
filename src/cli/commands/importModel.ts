import { basename, resolve } from 'node:path';
import { ArgumentError, loadModel, writeBundle } from '../../index.js';
import type { Command } from '../command.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'Convert a checkpoint (.pkl, .pt, .pth) into a latentlab bundle',
  usage: 'latentlab import FILE --out DIR [--network G_ema|G|g_ema|g] [--discriminator netD.pth] [--fp16]',
  flags: [
    { name: 'out', type: 'string', help: 'bundle folder to write' },
    { name: 'network', type: 'string', help: 'which generator of the file (default G_ema / g_ema)' },
    { name: 'discriminator', type: 'string', help: 'DCGAN: netD state dict to include' },
    { name: 'name', type: 'string', help: 'model name (default: the --out folder name)' },
    { name: 'fp16', type: 'boolean', help: 'store weights as float16 (half the size)' },
  ],
  async run({ flags, positionals }, out) {
    const [file] = positionals;
    if (!file) throw new ArgumentError('import: give the checkpoint file');
    if (!flags.out) throw new ArgumentError('import: --out DIR is required');
    const model = await loadModel(file, {
      network: flags.network as string | undefined,
      discriminator: flags.discriminator as string | undefined,
      // the model is named after its folder unless --name says otherwise (the studio lists it by that name)
      name: (flags.name as string | undefined) ?? basename(resolve(String(flags.out))),
    });
    const m = await writeBundle(String(flags.out), model, { dtype: flags.fp16 ? 'float16' : 'float32' });
    const d = m.dims;
    out(
      `${m.name}: ${m.architecture} ${d.resolution}x${d.resolution}x${d.channels}, z ${d.z}${d.w ? `, w ${d.w}, ${d.numWs} ws` : ''}${d.c ? `, ${d.c} classes` : ''}${model.d ? ', with D' : ''}`,
    );
    out(`wrote ${flags.out} (content ${m.contentHash.slice(0, 12)})`);
  },
};
