import { ArgumentError, exportOnnx, loadModel } from '../../index.js';
import type { Command } from '../command.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write standalone ONNX graphs for any ONNX runtime, or a static in-browser explorer (--web)',
  usage: 'latentlab export MODEL --onnx OUTDIR [--batch 1] [--fp16] | latentlab export MODEL --web DIR [--directions A,B] [--fp16] [--wasm-only]',
  flags: [
    { name: 'onnx', type: 'string', help: 'output folder for the .onnx files, noise_const.safetensors and their description' },
    { name: 'batch', type: 'number', help: 'static batch size of the graphs', default: 1 },
    { name: 'web', type: 'string', help: 'output folder for a static explorer page (onnxruntime-web in the browser, no server)' },
    { name: 'directions', type: 'string', help: 'comma-separated direction files whose sliders the page shows (--web)' },
    { name: 'fp16', type: 'boolean', help: 'generator weights as float16 inside the graphs: half the download' },
    { name: 'wasm-only', type: 'boolean', help: "--web: leave out onnxruntime-web's WebGPU build (27 MB on disk)" },
  ],
  async run({ flags, positionals }, out) {
    const [path] = positionals;
    if (!path) throw new ArgumentError('export: give a bundle folder or checkpoint');
    if (!flags.onnx === !flags.web) throw new ArgumentError('export: give exactly one of --onnx OUTDIR or --web DIR');
    const model = await loadModel(path);
    if (flags.web) {
      const { exportWeb } = await import('../../studio/webExport.js');
      const directions = flags.directions ? String(flags.directions).split(',').map((s) => s.trim()).filter(Boolean) : [];
      const dir = String(flags.web);
      const r = await exportWeb(model, dir, { directions, fp16: Boolean(flags.fp16), webgpu: !flags['wasm-only'], log: out });
      const total = r.files.reduce((s, f) => s + f.bytes, 0);
      out(`wrote the explorer for ${model.name} to ${dir}: ${r.files.length} files, ${mb(total)}; a first visit loads ${mb(r.firstLoadBytes)} (wasm path)`);
      out(`serve it with any static file server, e.g. npx http-server ${dir} (COOP/COEP headers enable wasm threads)`);
      return;
    }
    if (flags.directions || flags['wasm-only']) throw new ArgumentError('export: --directions and --wasm-only go with --web');
    const batch = Number(flags.batch);
    if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError('--batch must be a positive integer');
    const { graphs, noiseConst } = await exportOnnx(model, String(flags.onnx), batch, { fp16: Boolean(flags.fp16) });
    for (const g of graphs)
      out(
        `${g.file}: ${g.inputs.map((i) => `${i.name}[${i.shape}]`).join(', ')} -> ${g.outputs.map((o) => `${o.name}[${o.shape}]`).join(', ')}`,
      );
    if (noiseConst) out(`${noiseConst.file}: the const noise maps (noise_mode='const') for synthesis.onnx's ${Object.keys(noiseConst.inputs).length} noise inputs`);
    out(`wrote ${graphs.length} graphs + onnx.json + model.json to ${flags.onnx}`);
  },
};
