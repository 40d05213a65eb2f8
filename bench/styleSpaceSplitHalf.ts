/**
 * How noisy are exact StyleSpace attribute gradients (README "StyleSpace knobs")? Two estimates by
 * exactStyleAttributeGradients from disjoint seed halves; the cosine between their mean gradients per
 * attribute and per class's own log-probability (the knobs' side effect).
 * Re-run: LATENTLAB_THREADS=1 npx tsx bench/styleSpaceSplitHalf.ts [--num 500] [--attributes ...]
 */
import { parseArgs } from 'node:util';
import { exactStyleAttributeGradients, loadModel, parseAttributeSpecs, readClassifierBundle } from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    attributes: { type: 'string', default: 'brightness,ink,symmetry,texture,logit:Trouser,logit:Bag' },
    num: { type: 'string', default: '500' },
  },
});
const model = await loadModel(a.model!);
const cl = await readClassifierBundle(a.classifier!);
const specs = parseAttributeSpecs(a.attributes!, cl.labelNames);
const num = Number(a.num);
const t0 = performance.now();
const x = await exactStyleAttributeGradients(model, cl, specs, { num, firstSeed: 0 });
const y = await exactStyleAttributeGradients(model, cl, specs, { num, firstSeed: num });
function cos(p: Float64Array, q: Float64Array): number {
  let s = 0;
  let pp = 0;
  let qq = 0;
  for (let i = 0; i < p.length; i++) {
    s += p[i] * q[i];
    pp += p[i] ** 2;
    qq += q[i] ** 2;
  }
  return s / Math.sqrt(pp * qq);
}
console.log(`split-half cosines (exact, ${num} + ${num} samples, ${((performance.now() - t0) / 1000).toFixed(0)} s): ${specs.map((s, i) => `${s.name} ${cos(x.grads[i], y.grads[i]).toFixed(3)}`).join(', ')}`);
console.log(`own-class log p (samples per half): ${x.ownClassGrads.map((g, c) => `${cl.labelNames[c]} ${cos(g, y.ownClassGrads[c]).toFixed(2)} (${x.classCounts[c]}/${y.classCounts[c]})`).join(', ')}`);
