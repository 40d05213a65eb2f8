/**
 * Class directions conditioned on their two nearest classes (README table): InterFaceGAN class
 * boundaries in W labelled by the shipped classifier, each made orthogonal to the two boundaries with
 * the largest cosine to it, all edited by the same Euclidean distance and graded by the judge
 * classifier (which did not make the labels): target-class probability change against the largest
 * other class change, per unit distance, for the plain and the conditioned direction.
 * Re-run: LATENTLAB_THREADS=1 npx tsx bench/classKnobs.ts [--num 20000] [--distance 3] [--eval-num 200]
 */
import { parseArgs } from 'node:util';
import {
  conditionalDirection,
  evaluateDirections,
  interfacegan,
  loadModel,
  makeDirectionSet,
  readClassifierBundle,
} from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    judge: { type: 'string', default: 'models/fmnist-judge' },
    num: { type: 'string', default: '20000' },
    distance: { type: 'string', default: '3' },
    'eval-num': { type: 'string', default: '200' },
  },
});
const model = await loadModel(a.model!);
const classifier = await readClassifierBundle(a.classifier!);
const judge = await readClassifierBundle(a.judge!);
const names = classifier.labelNames;
const t0 = performance.now();
const { set } = await interfacegan(model, classifier, names.map((name, i) => ({ name, classes: [i] })), { num: Number(a.num) });
const dim = set.vectors.shape[1];
const row = (k: number) => set.vectors.data.subarray(k * dim, (k + 1) * dim);
const nearest: string[][] = [];
const conditioned = names.map((_, k) => {
  const cos = names.map((_, j) => (j === k ? -Infinity : row(k).reduce((s, v, i) => s + v * row(j)[i], 0)));
  const two = cos.map((c, j) => [c, j] as const).sort((x, y) => y[0] - x[0]).slice(0, 2).map(([, j]) => j);
  nearest.push(two.map((j) => `${names[j]} (${cos[j].toFixed(2)})`));
  return conditionalDirection(row(k), two.map(row)).direction;
});
const cond = makeDirectionSet(conditioned, {
  space: 'w',
  labels: names.map((n) => `${n}|2 nearest`),
  provenance: { method: 'conditional', attributes: names.map((n, i) => ({ name: n, classes: [i] })) },
});
const opts = { num: Number(a['eval-num']), strength: Number(a.distance), units: 'distance' as const };
const plain = await evaluateDirections(model, judge, set, opts);
const conditional = await evaluateDirections(model, judge, cond, opts);
const secs = ((performance.now() - t0) / 1000).toFixed(0);
console.log(`${model.name} (${model.manifest.contentHash.slice(0, 8)}): ${a.num} samples labelled by ${classifier.name}; judge ${judge.name}; ${opts.num} seeds from 1000000, every edit ${opts.strength} W units (matched Euclidean distance); ${secs} s`);
console.log('| class | two nearest (cos) | plain: target / max other (per unit) | ratio | conditioned: target / max other | ratio | ≥ 3× |');
console.log('|---|---|---|---|---|---|---|');
let passing = 0;
names.forEach((n, k) => {
  const p = plain.rows[k];
  const c = conditional.rows[k];
  const maxOther = (r: typeof p) => {
    let j = -1;
    r.slopes.forEach((v, i) => {
      if (i !== k && (j < 0 || Math.abs(v) > Math.abs(r.slopes[j]))) j = i;
    });
    return `${r.slopes[j].toFixed(3)} (${judge.labelNames[j]})`;
  };
  const ok = (c.ratio ?? 0) >= 3;
  if (ok) passing++;
  console.log(
    `| ${n} | ${nearest[k].join(', ')} | ${p.targetSlope!.toFixed(3)} / ${maxOther(p)} | ${p.ratio!.toFixed(2)}× | ${c.targetSlope!.toFixed(3)} / ${maxOther(c)} | ${c.ratio!.toFixed(2)}× | ${ok ? 'yes' : 'no'} |`,
  );
});
console.log(`${passing} of ${names.length} conditioned class directions reach 3×`);
