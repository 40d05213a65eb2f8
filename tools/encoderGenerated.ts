// The encoder card's "generated images" row (README, Shipped encoder) and the figure behind
// PSNR_THRESHOLD in test/inversion/encoder.shipped.test.ts: seeds 1000..1031 mapped to W+ (constant
// noise), rendered, encoded in one forward pass and rendered again; beside it the w_avg image's score.
//   LATENTLAB_THREADS=1 npx tsx tools/encoderGenerated.ts [--model models/fmnist-stylegan2] [--encoder models/fmnist-encoder]
import {
  broadcastW,
  encode,
  latentFromSeeds,
  loadModel,
  readEncoderBundle,
  reconstructionMetrics,
  renderLatent,
  repeatRows,
  synthesize,
  type Tensor,
} from '../src/index.js';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function quality(recon: Tensor, target: Tensor): Promise<{ psnr: number; ssim: number }> {
  const m = await reconstructionMetrics(recon, target);
  return { psnr: m.reduce((s, q) => s + q.psnr, 0) / m.length, ssim: m.reduce((s, q) => s + q.ssim, 0) / m.length };
}

const n = 32;
const model = await loadModel(flag('model', 'models/fmnist-stylegan2'));
const encoder = await readEncoderBundle(flag('encoder', 'models/fmnist-encoder'));
const known = await latentFromSeeds(model, Array.from({ length: n }, (_, i) => 1000 + i), { space: 'w+' });
const targets = await renderLatent(model, known, { batchSize: n });
const warnings: string[] = [];
const latent = await encode(encoder, model, targets, { batchSize: n, onWarning: (m) => warnings.push(m) });
const q = await quality(await renderLatent(model, latent, { batchSize: n }), targets);
const wAvg = model.g.get('mapping.w_avg')!.toFloat32();
const avgImage = await synthesize(model, broadcastW(wAvg.reshape([1, wAvg.size]), model.stylegan2().numWs), { noiseMode: 'const' });
const base = await quality(repeatRows(avgImage, n), targets);
for (const w of warnings) console.log(`warning: ${w}`);
console.log(
  `generated images (seeds 1000–1031, one forward pass): PSNR ${q.psnr.toFixed(2)} dB, SSIM ${q.ssim.toFixed(3)} ` +
    `(the w_avg image: ${base.psnr.toFixed(2)} dB); test thresholds 1 dB / 0.02 below: PSNR_THRESHOLD ${(Math.floor((q.psnr - 1) * 10) / 10).toFixed(1)}, ` +
    `SSIM_THRESHOLD ${(Math.floor((q.ssim - 0.02) * 100) / 100).toFixed(2)}`,
);
await encoder.release();
await model.release();
