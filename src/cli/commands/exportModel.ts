import { EXPORT_SPEC, type ExportOptions, exportOnnx, loadModel, resolveExportOptions } from '../../index.js';
import { tableCommand } from '../command.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export const exportCommand = tableCommand({
  name: 'export',
  summary: 'Write standalone ONNX graphs for any ONNX runtime, or a static in-browser explorer (--web)',
  usage:
    'latentlab export MODEL --onnx OUTDIR [--batch 1] [--fp16] | latentlab export MODEL --web DIR [--directions A,B] [--fp16] [--wasm-only]',
  spec: EXPORT_SPEC,
  async run(partial, out) {
    const o = resolveExportOptions(partial as Partial<ExportOptions>);
    const model = await loadModel(o.model);
    if (o.web !== null) {
      const { exportWeb } = await import('../../studio/webExport.js');
      const r = await exportWeb(model, o.web, {
        directions: [...o.directions],
        fp16: o.fp16,
        webgpu: !o.wasmOnly,
        log: out,
      });
      const total = r.files.reduce((s, f) => s + f.bytes, 0);
      out(
        `wrote the explorer for ${model.name} to ${o.web}: ${r.files.length} files, ${mb(total)}; a first visit loads ${mb(r.firstLoadBytes)} (wasm path)`,
      );
      out(`serve it with any static file server, e.g. npx http-server ${o.web} (COOP/COEP headers enable wasm threads)`);
      return;
    }
    const { graphs, noiseConst } = await exportOnnx(model, o.onnx!, o.batch!, { fp16: o.fp16 });
    for (const g of graphs)
      out(
        `${g.file}: ${g.inputs.map((i) => `${i.name}[${i.shape}]`).join(', ')} -> ${g.outputs.map((x) => `${x.name}[${x.shape}]`).join(', ')}`,
      );
    if (noiseConst)
      out(
        `${noiseConst.file}: the const noise maps (noise_mode='const') for synthesis.onnx's ${Object.keys(noiseConst.inputs).length} noise inputs`,
      );
    out(`wrote ${graphs.length} graphs + onnx.json + model.json to ${o.onnx}`);
  },
});
