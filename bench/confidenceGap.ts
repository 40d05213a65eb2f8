/**
 * Where a generator's classifier confidence goes (the shipped StyleGAN2 stays at 0.88 where test images
 * score 0.93): (1) real training images degraded by blur and noise, to see what image-quality loss costs in
 * FCD and confidence; (2) the model's samples at truncation psi 1..0.7; (3) how often a small move of z changes
 * the judged class, by the sample's top probability (moves z to sqrt(1 - a²)·z + a·ε, still a N(0, I) sample).
 * The training README's "Why classifier confidence stays under 0.90".
 *   LATENTLAB_THREADS=1 npx tsx bench/confidenceGap.ts [--model models/fmnist-stylegan2] [--num 10000] [--moves 2000]
 */
import { parseArgs } from 'node:util';
import {
  ClassConfidenceAccumulator,
  classifierFeatureStats,
  frechetDistance,
  generatedImages,
  loadFashionMnist,
  loadModel,
  mapZ,
  predict,
  RandomState,
  readClassifierBundle,
  sampleZ,
  synthesize,
  Tensor,
} from '../src/index.js';
import { argmaxRows } from '../src/models/classifier/predict.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    num: { type: 'string', default: '10000' },
    moves: { type: 'string', default: '2000' },
    step: { type: 'string', default: '0.1,0.2' },
  },
});
const num = Number(a.num);
const c = await readClassifierBundle(a.classifier!);
const labels = c.labelNames;

async function measure(source: Parameters<typeof classifierFeatureStats>[1]) {
  const conf = new ClassConfidenceAccumulator(labels.length);
  const stats = await classifierFeatureStats(c, source, { limit: num, onPredictions: (p) => conf.add(p.probs) });
  return { stats, conf: conf.finish() };
}
const test = await measure(await loadFashionMnist('test', { pad: 32 }));
const line = (name: string, r: Awaited<ReturnType<typeof measure>>) => {
  const pairs = r.conf.ambiguousPairs.slice(0, 3).map((p) => `${labels[p.classes[0]]} vs ${labels[p.classes[1]]} ${(100 * p.share).toFixed(1)} %`);
  console.log(`${name.padEnd(26)} FCD ${frechetDistance(r.stats, test.stats).value.toFixed(2).padStart(6)}  confidence ${r.conf.meanTopProbability.toFixed(3)}  above 0.9 ${(100 * r.conf.confidentShare).toFixed(1)} %  | ${pairs.join(', ')}`);
};
line('test images', test);

// (1) degraded real images: the first `num` training images, blurred or with noise added
const train = await loadFashionMnist('train', { pad: 32 });
function gaussianBlur(img: Float32Array, r: number, sigma: number): Float32Array {
  const rad = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * rad + 1 }, (_, i) => Math.exp(-((i - rad) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((s, v) => s + v, 0);
  const at = (src: Float32Array, y: number, x: number) => (y < 0 || y >= r || x < 0 || x >= r ? -1 : src[y * r + x]); // background -1
  const pass = (src: Float32Array, dy: number, dx: number) => {
    const out = new Float32Array(r * r);
    for (let y = 0; y < r; y++)
      for (let x = 0; x < r; x++) {
        let s = 0;
        for (let i = -rad; i <= rad; i++) s += k[i + rad] * at(src, y + i * dy, x + i * dx);
        out[y * r + x] = s / ks;
      }
    return out;
  };
  return pass(pass(img, 0, 1), 1, 0);
}
async function* degraded(f: (img: Float32Array) => Float32Array) {
  const r = train.resolution;
  for (let s = 0; s < Math.min(num, train.size); s += 100) {
    const n = Math.min(100, num - s);
    const t = Tensor.float32([n, 1, r, r]);
    for (let i = 0; i < n; i++) t.data.set(f(train.image(s + i)), i * r * r);
    yield t;
  }
}
line('training images', await measure(degraded((x) => x)));
for (const sigma of [0.5, 0.6, 0.8]) line(`  blurred, sigma ${sigma}`, await measure(degraded((x) => gaussianBlur(x, train.resolution, sigma))));
const noiseRng = new RandomState(1);
for (const sd of [0.05, 0.1]) line(`  + noise N(0, ${sd}²)`, await measure(degraded((x) => x.map((v) => v + sd * noiseRng.standardNormal()))));

// (2) the model's samples, seeds 0.., at falling truncation psi
const model = await loadModel(a.model!);
for (const psi of [1, 0.9, 0.8, 0.7]) line(`${model.name}, psi ${psi}`, await measure(generatedImages(model, { num, psi })));

// (3) class changes under small moves of z, by the unmoved sample's top probability
async function judged(z: Tensor<'float32'>) {
  const ws = await mapZ(model, z, { psi: 1, batchSize: z.shape[0] });
  const img = await synthesize(model, ws, { noiseMode: 'const', batchSize: z.shape[0] });
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
  const { probs } = await predict(c, img, { batchSize: 100 });
  const k = labels.length;
  return Array.from(argmaxRows(probs), (cls, i) => ({ cls, top: probs.data[i * k + cls] as number }));
}
const bins = [0.6, 0.9, Infinity];
for (const step of a.step!.split(',').map(Number)) {
  const rng = new RandomState(7);
  const seen = bins.map(() => 0);
  const changed = bins.map(() => 0);
  for (let s = 0; s < Number(a.moves); s += 100) {
    const z = sampleZ(model, Array.from({ length: 100 }, (_, i) => 100_000 + s + i)) as Tensor<'float32'>;
    const before = await judged(z);
    for (let m = 0; m < 4; m++) {
      const noise = rng.standardNormalFloat32(z.shape);
      const moved = await judged(new Tensor('float32', z.shape, z.data.map((v, i) => Math.sqrt(1 - step * step) * v + step * noise[i])));
      before.forEach((b, i) => {
        const bin = bins.findIndex((hi) => b.top < hi);
        seen[bin]++;
        if (moved[i].cls !== b.cls) changed[bin]++;
      });
    }
  }
  const names = ['top < 0.6', '0.6-0.9', '>= 0.9'];
  console.log(`z moved by a = ${step}: judged class changes ${names.map((n, i) => `${n} ${(100 * changed[i] / Math.max(1, seen[i])).toFixed(1)} % (${seen[i] / 4} samples)`).join(', ')}`);
}
