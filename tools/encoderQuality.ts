// The encoder card's comparison (README): Fashion-MNIST test images reconstructed by the encoder alone,
// by the hybrid (encoder init + projector steps) and by plain projection with the same step count.
//   LATENTLAB_THREADS=1 npx tsx tools/encoderQuality.ts [--start 0] [--images 100] [--steps 100]
//       [--rows encoder,hybrid,plain.w+,plain.w] [--hybrid-lr 0.01] [--hybrid-wnoise 0] [--batch 25]
//       [--encoder models/fmnist-encoder] [--model models/fmnist-stylegan2]
// Every projection uses the `latentlab project` defaults: pixel MSE + 0.05 × classifier features +
// NVIDIA's noise regulariser (1e5) with optimised noise maps. Metrics: the projector's
// reconstructionMetrics (PSNR/SSIM, classifier feature distance). Seconds per image: warm sessions,
// Adam batches of `--batch` images (independent), time / images.
import { Tensor } from '../src/core/tensor.js';
import { loadFashionMnist } from '../src/data/fashionMnist.js';
import { loadModel } from '../src/models/io/loadModel.js';
import { encode } from '../src/inversion/encode.js';
import { readEncoderBundle } from '../src/models/io/encoderBundle.js';
import { encodeAndProject, HYBRID_DEFAULTS } from '../src/inversion/hybrid.js';
import { reconstructionMetrics, type ReconstructionMetrics } from '../src/inversion/metrics.js';
import { type ProjectOptions, project } from '../src/inversion/projector.js';
import { renderLatent } from '../src/latent/latent.js';
import { readClassifierBundle } from '../src/models/io/classifierBundle.js';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const start = Number(flag('start', '0'));
const count = Number(flag('images', '100'));
const steps = Number(flag('steps', '100'));
const batch = Number(flag('batch', '25'));
const rowKeys = flag('rows', 'encoder,hybrid,plain.w+,plain.w').split(',');
const [encoder, model, classifier, test] = await Promise.all([
  readEncoderBundle(flag('encoder', 'models/fmnist-encoder')),
  loadModel(flag('model', 'models/fmnist-stylegan2')),
  readClassifierBundle('models/fmnist-classifier'),
  loadFashionMnist('test', { pad: 32, limit: start + count }),
]);
const targets = Tensor.float32([count, 1, 32, 32]);
for (let i = 0; i < count; i++) targets.data.set(test.image(start + i), i * 1024);
const rows = (t: Tensor<'float32'>, s: number, n: number) => Tensor.float32([n, ...t.shape.slice(1)], t.data.subarray(s * (t.size / t.shape[0]), (s + n) * (t.size / t.shape[0])));
const projectOptions: ProjectOptions = { numSteps: steps, losses: { mse: 1, classifier: 0.05, noise: 1e5 }, nets: { classifier } };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function measure(label: string, run: (x: Tensor<'float32'>) => Promise<Tensor<'float32'>>): Promise<void> {
  await run(rows(targets, 0, Math.min(batch, count))); // warm-up: compile this batch size's sessions
  const metrics: ReconstructionMetrics[] = [];
  let seconds = 0;
  for (let s = 0; s < count; s += batch) {
    const x = rows(targets, s, Math.min(batch, count - s));
    const t0 = performance.now();
    const recon = await run(x);
    seconds += (performance.now() - t0) / 1000;
    metrics.push(...(await reconstructionMetrics(recon, x, classifier)));
  }
  const line = { label, images: count, start, steps, psnr: mean(metrics.map((m) => m.psnr)), ssim: mean(metrics.map((m) => m.ssim)), featureDistance: mean(metrics.map((m) => m.featureDistance!)), secondsPerImage: seconds / count };
  console.log(JSON.stringify(line));
  console.log(`| ${label} | ${line.psnr.toFixed(2)} | ${line.ssim.toFixed(3)} | ${line.featureDistance.toFixed(2)} | ${line.secondsPerImage.toFixed(3)} |`);
}

for (const key of rowKeys) {
  if (key === 'encoder') {
    await measure('encoder alone (1 forward pass)', async (x) => renderLatent(model, await encode(encoder, model, x, { batchSize: batch })));
  } else if (key === 'hybrid') {
    const lr = Number(flag('hybrid-lr', String(HYBRID_DEFAULTS.initialLearningRate)));
    const wNoise = Number(flag('hybrid-wnoise', String(HYBRID_DEFAULTS.initialNoiseFactor)));
    await measure(`hybrid: encoder + ${steps} Adam steps in W+ (lr ${lr}, w-noise ${wNoise})`, async (x) => (await encodeAndProject(encoder, model, x, { ...projectOptions, initialLearningRate: lr, initialNoiseFactor: wNoise })).images);
  } else if (key.startsWith('plain.')) {
    const space = key.slice(6) as 'w' | 'w+';
    await measure(`projection from w_avg, ${steps} Adam steps in ${space.toUpperCase()} (NVIDIA schedule)`, async (x) => (await project(model, x, { ...projectOptions, space })).images);
  } else throw new Error(`unknown row ${key}`);
}
