import { IMPORT_SPEC, type ImportOptions, importModel, resolveImportOptions } from '../../index.js';
import { tableCommand } from '../command.js';

export const importCommand = tableCommand({
  name: 'import',
  summary: 'Convert a checkpoint (.pkl, .pt, .pth) into a latentlab bundle',
  usage: 'latentlab import FILE --out DIR [--network G_ema|G|g_ema|g] [--discriminator netD.pth] [--fp16]',
  spec: IMPORT_SPEC,
  async run(partial, out) {
    const o = resolveImportOptions(partial as Partial<ImportOptions>);
    const { manifest: m, hasDiscriminator } = await importModel(o);
    const d = m.dims;
    out(
      `${m.name}: ${m.architecture} ${d.resolution}x${d.resolution}x${d.channels}, z ${d.z}${d.w ? `, w ${d.w}, ${d.numWs} ws` : ''}${d.c ? `, ${d.c} classes` : ''}${hasDiscriminator ? ', with D' : ''}`,
    );
    out(`wrote ${o.out} (content ${m.contentHash.slice(0, 12)})`);
  },
});
