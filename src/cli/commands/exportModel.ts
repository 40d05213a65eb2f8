import { ArgumentError, exportOnnx, loadModel } from '../../index.js';
import type { Command } from '../command.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write standalone ONNX graphs (mapping, synthesis, discriminator) for any ONNX runtime',
  usage: 'latentlab export MODEL --onnx OUTDIR [--batch 1]',
  flags: [
    { name: 'onnx', type: 'string', help: 'output folder for the .onnx files and their description' },
    { name: 'batch', type: 'number', help: 'static batch size of the graphs', default: 1 },
  ],
  async run({ flags, positionals }, out) {
    const [path] = positionals;
    if (!path) throw new ArgumentError('export: give a bundle folder or checkpoint');
    if (!flags.onnx) throw new ArgumentError('export: --onnx OUTDIR is required');
    const batch = Number(flags.batch);
    if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError('--batch must be a positive integer');
    const model = await loadModel(path);
    const { graphs, noiseConst } = await exportOnnx(model, String(flags.onnx), batch);
    for (const g of graphs)
      out(
        `${g.file}: ${g.inputs.map((i) => `${i.name}[${i.shape}]`).join(', ')} -> ${g.outputs.map((o) => `${o.name}[${o.shape}]`).join(', ')}`,
      );
    if (noiseConst) out(`${noiseConst.file}: the const noise maps (noise_mode='const') for synthesis.onnx's ${Object.keys(noiseConst.inputs).length} noise inputs`);
    out(`wrote ${graphs.length} graphs + onnx.json + model.json to ${flags.onnx}`);
  },
};
