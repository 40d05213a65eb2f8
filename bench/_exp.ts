import { parseArgs } from 'node:util';
import { loadModel, readClassifierBundle, parseAttributeSpecs, MEASURE_NAMES, evaluateAttributes } from '../src/index.js';
import { estimateAttributeGradients, directionsFromGradients } from '../src/directions/attributeGradient.js';
const { values: a } = parseArgs({ options: { num: { type: 'string', default: '3000' }, ranges: { type: 'string', default: '3-7' }, pre: { type: 'string', default: '0,1' }, eps: { type: 'string', default: '0.5' }, evalnum: { type: 'string', default: '200' }, attrs: { type: 'string' } } });
const model = await loadModel('models/fmnist-stylegan2');
const cls = await readClassifierBundle('models/fmnist-classifier');
const judge = await readClassifierBundle('models/fmnist-judge');
const specs = parseAttributeSpecs(a.attrs ?? [...MEASURE_NAMES, 'logit:Trouser', 'logit:Bag'].join(','), cls.labelNames);
for (const range of a.ranges!.split(',')) {
  const [f, t] = range.split('-').map(Number);
  const t0 = performance.now();
  const est = await estimateAttributeGradients(model, cls, specs, { num: Number(a.num), layers: [f, t + 1], epsilon: Number(a.eps) });
  console.log(`range ${range} est ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  for (const p of a.pre!.split(',').map(Number)) {
    const set = directionsFromGradients(est, { precondition: p, keepClasses: process.env.KEEP !== 'none' });
    const r = await evaluateAttributes(model, judge, set, { num: Number(a.evalnum), strengths: (process.env.STR ?? '2').split(',').map(Number), units: 'sigma' });
    const cells = set.labels.map((l, i) => { const rs = r.rows.filter((x) => x.label === l); const row = rs[rs.length-1]; const extra = rs.slice(0,-1).map((x)=>x.strength+':'+x.attributeChange!.toFixed(2)+'/'+(100*x.classKept).toFixed(0)).join(' '); const ok = row.attributeChange! >= 1.5 && row.classKept >= 0.9; return `${l} ${row.attributeChange!.toFixed(2)}/${(100 * row.classKept).toFixed(0)}%${ok ? '*' : ''} s${set.sigma[i]!.toFixed(2)} ${extra}`; });
    console.log(`range ${range} pre ${p}: ${cells.join(' | ')}`);
  }
}
