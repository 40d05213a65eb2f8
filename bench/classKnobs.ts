/**
 * Class directions conditioned on their two nearest classes (README table): one direction per class
 * of the labelling classifier — the gradient of its mean class probability through the generator
 * (`--method gradient`, default) or an InterFaceGAN boundary in W (`--method svm`) — each made
 * orthogonal to the two directions with the largest cosine to it (conditionOnNearest), all edited by
 * the same Euclidean distance and graded by the judge classifier (which did not make the labels):
 * target-class probability change against the largest other class change, per unit distance, for
 * the plain and the conditioned direction.
 * Re-run on any model: LATENTLAB_THREADS=1 npx tsx bench/classKnobs.ts [--model M] [--method gradient|svm]
 *   [--num 8000] [--epsilon 1] [--distance 3] [--eval-num 200]
 */
import { parseArgs } from 'node:util';
import {
  balancedClassDirections,
  classGradientDirections,
  conditionOnNearest,
  evaluateDirections,
  interfacegan,
  loadModel,
  readClassifierBundle,
} from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    judge: { type: 'string', default: 'models/fmnist-judge' },
    method: { type: 'string', default: 'gradient' },
    num: { type: 'string' },
    epsilon: { type: 'string', default: '1' },
    distance: { type: 'string', default: '3' },
    'eval-num': { type: 'string', default: '200' },
    /** Nearest classes the balanced directions hold still (0: every other class gives a share). */
    balanced: { type: 'string', default: '2' },
  },
});
const model = await loadModel(a.model!);
const classifier = await readClassifierBundle(a.classifier!);
const judge = await readClassifierBundle(a.judge!);
const names = classifier.labelNames;
const t0 = performance.now();
const num = Number(a.num ?? (a.method === 'svm' ? 20000 : 8000));
const set =
  a.method === 'svm'
    ? (await interfacegan(model, classifier, names.map((name, i) => ({ name, classes: [i] })), { num })).set
    : await classGradientDirections(model, classifier, { num, epsilon: Number(a.epsilon) });
const cond = conditionOnNearest(set, 2);
const nearest = (cond.provenance.attributes as { nearest: { name: string; cosine: number }[] }[]).map((x) => x.nearest.map((n) => `${n.name} (${n.cosine.toFixed(2)})`));
const opts = { num: Number(a['eval-num']), strength: Number(a.distance), units: 'distance' as const };
const plain = await evaluateDirections(model, judge, set, opts);
const conditional = await evaluateDirections(model, judge, cond, opts);
const balanced = a.method === 'svm' ? null : await evaluateDirections(model, judge, balancedClassDirections(set, { nearest: Number(a.balanced) }), opts);
const secs = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `${model.name} (${model.manifest.contentHash.slice(0, 8)}): ${a.method === 'svm' ? 'InterFaceGAN boundaries' : `gradients of p(class), epsilon ${a.epsilon}`} from ${num} samples labelled by ${classifier.name}; judge ${judge.name}; ${opts.num} seeds from 1000000, every edit ${opts.strength} W units (matched Euclidean distance); ${secs} s`,
);
console.log('| class | two nearest (cos) | plain: target / max other (per unit) | ratio | conditioned: target / max other | ratio | ≥ 3× | balanced: target / max other | ratio |');
console.log('|---|---|---|---|---|---|---|---|---|');
let passing = 0;
let passingPlain = 0;
let passingBalanced = 0;
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
  if ((p.ratio ?? 0) >= 3) passingPlain++;
  const b = balanced?.rows[k];
  if ((b?.ratio ?? 0) >= 3) passingBalanced++;
  console.log(
    `| ${n} | ${nearest[k].join(', ')} | ${p.targetSlope!.toFixed(3)} / ${maxOther(p)} | ${p.ratio!.toFixed(2)}× | ${c.targetSlope!.toFixed(3)} / ${maxOther(c)} | ${c.ratio!.toFixed(2)}× | ${ok ? 'yes' : 'no'} | ${b ? `${b.targetSlope!.toFixed(3)} / ${maxOther(b)} | ${b.ratio!.toFixed(2)}×` : '- | -'} |`,
  );
});
console.log(`${passing} of ${names.length} conditioned class directions reach 3× (plain: ${passingPlain}${balanced ? `, balanced: ${passingBalanced}` : ''})`);
