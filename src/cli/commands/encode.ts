import { ENCODE_SPEC, type EncodeRunOptions, encodeFiles, loadModel, resolveEncodeOptions } from '../../index.js';
import { tableCommand } from '../command.js';

export const encodeCommand = tableCommand({
  name: 'encode',
  summary: 'Invert images with a trained encoder (one forward pass): W+ latent files, reconstructions, PSNR/SSIM (resumable)',
  usage:
    'latentlab encode IMAGE|DIR... --outdir DIR [--encoder models/fmnist-encoder] [--model models/fmnist-stylegan2] [--steps N (hybrid)] [--force]',
  spec: ENCODE_SPEC,
  async run(partial, out) {
    const p = partial as Partial<EncodeRunOptions>;
    // the model path is the resolver's to decide; its channels then decide the hybrid's feature-loss default
    const model = await loadModel(resolveEncodeOptions(p).model);
    const o = resolveEncodeOptions(p, model);
    const r = await encodeFiles(o, { model, onWarning: (m) => out(`warning: ${m}`) });
    if (!r.encoded.length) {
      out(`skipped ${r.skipped.length} (already done with these options) -> ${o.outdir}`);
      return;
    }
    const report = r.report!;
    const how = r.encoderMean ? ` (+${o.steps} projector steps; encoder alone ${r.encoderMean.psnr.toFixed(2)} dB)` : '';
    const skipped = r.skipped.length ? `, skipped ${r.skipped.length} already done` : '';
    out(
      `encoded ${r.encoded.length} image(s)${how}${skipped} into ${o.outdir}: mean PSNR ${report.mean.psnr.toFixed(2)} dB, SSIM ${report.mean.ssim.toFixed(4)} (${(1000 * report.secondsPerImage).toFixed(1)} ms/image)`,
    );
  },
});
