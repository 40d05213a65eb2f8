/**
 * How much of each attribute's spread lies within a garment class, and so how far a +2σ edit that keeps
 * the class can move it (attributeSpread's first-order bound, 2 × within-class / overall std): on the
 * real Fashion-MNIST test images (true classes, and the judge's) and on a model's samples (the judge's
 * classes). The README's "what keeping the class allows" table.
 *   LATENTLAB_THREADS=1 npx tsx bench/attributeSpread.ts [--model models/fmnist-stylegan2] [--num 2000] [--attributes ...]
 */
import { parseArgs } from 'node:util';
import {
  attributeSpread,
  generatedImages,
  loadFashionMnist,
  loadModel,
  parseAttributeSpecs,
  predict,
  readClassifierBundle,
  scoreChunk,
  Tensor,
} from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    judge: { type: 'string', default: 'models/fmnist-judge' },
    num: { type: 'string', default: '2000' },
    'seed-start': { type: 'string', default: '1000000' },
    attributes: { type: 'string', default: 'brightness,ink,area,width,height,symmetry,texture,logit:Trouser,logit:Bag,contrast,vshading,hshading' },
  },
});
const judge = await readClassifierBundle(a.judge!);
const specs = parseAttributeSpecs(a.attributes!, judge.labelNames);

/** Scores [attribute][image], the judge's top class and (for real images) the true class. */
async function scoreAll(batches: AsyncIterable<{ images: Tensor; labels?: Int32Array }>) {
  const scores = specs.map(() => [] as number[]);
  const top: number[] = [];
  const truth: number[] = [];
  for await (const { images, labels } of batches) {
    const p = await predict(judge, images, { batchSize: 500 });
    const k = p.logits.shape[1];
    scoreChunk(specs, images, p.logits).forEach((v, j) => scores[j].push(...v));
    for (let i = 0; i < images.shape[0]; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (p.logits.data[i * k + c] > p.logits.data[i * k + best]) best = c;
      top.push(best);
      if (labels) truth.push(labels[i]);
    }
  }
  return { scores, top, truth };
}

async function* realBatches() {
  const ds = await loadFashionMnist('test', { pad: 32 });
  const size = ds.channels * ds.resolution ** 2;
  for (let s = 0; s < ds.size; s += 500) {
    const n = Math.min(500, ds.size - s);
    const images = Tensor.float32([n, ds.channels, ds.resolution, ds.resolution]);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      images.data.set(ds.image(s + i), i * size);
      labels[i] = ds.label(s + i);
    }
    yield { images, labels };
  }
}

async function* modelBatches() {
  const model = await loadModel(a.model!);
  for await (const images of generatedImages(model, { num: Number(a.num), firstSeed: Number(a['seed-start']), batchSize: 200 }))
    yield { images };
}

const t0 = performance.now();
const real = await scoreAll(realBatches());
const fake = await scoreAll(modelBatches());
const cell = (v: number[], classes: number[]) => {
  const s = attributeSpread(v, classes);
  return `${s.withinShare.toFixed(2)} / ${s.classKeepingBound.toFixed(2)}`;
};
console.log(`within-class / overall std, and the class-keeping bound of a +2σ move (2 × that, in std); ${real.top.length} test images, ${fake.top.length} samples of ${a.model} (seeds ${a['seed-start']}+), classes by ${judge.name} unless true`);
console.log('| attribute | test images, true classes | test images, judged classes | model samples, judged classes |');
console.log('|---|---|---|---|');
specs.forEach((s, j) => console.log(`| ${s.name} | ${cell(real.scores[j], real.truth)} | ${cell(real.scores[j], real.top)} | ${cell(fake.scores[j], fake.top)} |`));
const over = (v: number[][], classes: number[]) => specs.filter((_, j) => attributeSpread(v[j], classes).classKeepingBound >= 1.5).map((s) => s.name);
console.log(`bound >= 1.5 std: test images ${over(real.scores, real.truth).join(', ') || 'none'}; model ${over(fake.scores, fake.top).join(', ') || 'none'} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
