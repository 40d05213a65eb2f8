import { parseArgs } from 'node:util';
import { loadModel, readClassifierBundle, parseAttributeSpecs, conditionalDirection, evaluateDirections, makeDirectionSet } from '../src/index.js';
import { estimateAttributeGradients } from '../src/directions/attributeGradient.js';
const { values: a } = parseArgs({ options: { num: { type: 'string', default: '3000' }, kind: { type: 'string', default: 'prob' }, eps: { type: 'string', default: '0.5' }, range: { type: 'string', default: '0-7' } } });
const model = await loadModel('models/fmnist-stylegan2');
const cls = await readClassifierBundle('models/fmnist-classifier');
const judge = await readClassifierBundle('models/fmnist-judge');
const names = cls.labelNames;
const specs = parseAttributeSpecs(names.map((n) => `${a.kind}:${n}`).join(','), names);
const [f, t] = a.range!.split('-').map(Number);
const est = await estimateAttributeGradients(model, cls, specs, { num: Number(a.num), epsilon: Number(a.eps), layers: [f, t + 1] });
const g = est.grads;
const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i], 0);
const cosm = (x: Float64Array, y: Float64Array) => dot(x, y) / Math.sqrt(dot(x, x) * dot(y, y));
const unitv = (x: Float64Array) => { const n = Math.sqrt(dot(x, x)); return x.map((v) => v / n); };
const plain = g.map(unitv);
const cond = names.map((_, k) => {
  const two = names.map((_, j) => [j === k ? -Infinity : cosm(g[k], g[j]), j] as const).sort((x, y) => y[0] - x[0]).slice(0, 2).map(([, j]) => j);
  return conditionalDirection(g[k], two.map((j) => g[j])).direction;
});
const condSe = names.map((_, k) => {
  const gk = unitv(g[k]);
  const two = names.map((_, j) => [j === k ? -Infinity : Math.abs(dot(g[j], gk)), j] as const).sort((x, y) => y[0] - x[0]).slice(0, 2).map(([, j]) => j);
  console.log(names[k], 'side-effect nearest', two.map((j) => names[j]).join(','), 'cos nearest');
  return conditionalDirection(g[k], two.map((j) => g[j])).direction;
});
const prov = { method: 'interfacegan' as const, attributes: names.map((n, i) => ({ name: n, classes: [i] })) };
const layers: [number, number] | null = f === 0 && t === 7 ? null : [f, t + 1];
for (const dist of (process.env.DIST ?? '3').split(',').map(Number)) {
const opts = { num: 200, strength: dist, units: 'distance' as const };
for (const [label, rows] of [['plain', plain], ['cond', cond]] as const) {
  const set = makeDirectionSet(rows, { space: 'w', labels: [...names], provenance: prov, layers });
  const r = await evaluateDirections(model, judge, set, opts);
  let pass = 0;
  const cells = r.rows.map((row, k) => { if ((row.ratio ?? 0) >= 3) pass++; return `${names[k]} ${row.targetSlope!.toFixed(3)} ${row.ratio!.toFixed(1)}x`; });
  console.log(`${a.kind} eps ${a.eps} range ${a.range} dist ${dist} ${label}: ${pass}/10 | ${cells.join(' | ')}`);
}
}
