/**
 * Per-class knobs against the global ones, from the same gradient estimate (README "Attribute knobs"
 * tables): `--kind attributes` (the issue's first bar: +2σ moves the attribute ≥ 1.5 std while ≥ 90 %
 * of 200 held-out seeds keep their judged class) and `--kind classes` (the second: class directions
 * conditioned on their two nearest classes, ≥ 3× target / largest side effect at 3 W units).
 * One estimate serves every construction: the global knob (what `directions interfacegan --attribute`
 * makes today) and the per-class ones, so the comparison is paired. `--cache FILE` keeps the estimate.
 * Re-run on any model: LATENTLAB_THREADS=1 npx tsx bench/perClassKnobs.ts [--kind attributes|classes]
 *   [--model M] [--num 6000|8000] [--epsilon 0.5|1] [--keep own,all,none] [--cache out/est.json] [--eval-num 200]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  attributeSpread,
  classesOf,
  conditionOnNearest,
  latentFromSeeds,
  measureImages,
  renderLatent,
  type DirectionSet,
  directionsFromGradients,
  estimateAttributeGradients,
  evaluateAttributes,
  evaluateDirections,
  type GradientEstimate,
  knobRows,
  loadModel,
  makeDirectionSet,
  MEASURE_NAMES,
  parseAttributeSpecs,
  perClassAttributeDirections,
  perClassClassDirections,
  type PerClassKeep,
  projectedStd,
  readClassifierBundle,
  Tensor,
  unit,
} from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    kind: { type: 'string', default: 'attributes' },
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    judge: { type: 'string', default: 'models/fmnist-judge' },
    num: { type: 'string' },
    epsilon: { type: 'string' },
    // the README tables' nine (MEASURE_NAMES has grown since: --attributes contrast,vshading,hshading,...)
    attributes: { type: 'string', default: 'brightness,ink,area,width,height,symmetry,texture,logit:Trouser,logit:Bag' },
    keep: { type: 'string', default: 'own,all' },
    'eval-num': { type: 'string', default: '200' },
    distance: { type: 'string', default: '3' },
    cache: { type: 'string' },
    /** Attributes kind: 'all' = every ws row (default: knobRows, the rows after the coarse styles). */
    layers: { type: 'string' },
    /** Classes kind: nearest classes each per-class direction is conditioned on (comma-separated counts). */
    nearest: { type: 'string', default: '2,0' },
    sets: { type: 'string', default: 'global,per-class' },
  },
});
const classesKind = a.kind === 'classes';
const model = await loadModel(a.model!);
const classifier = await readClassifierBundle(a.classifier!);
const judge = await readClassifierBundle(a.judge!);
const names = classifier.labelNames;
const specs = parseAttributeSpecs(classesKind ? names.map((_, k) => `prob:${k}`).join(',') : a.attributes!, names);
const num = Number(a.num ?? (classesKind ? 8000 : 6000));
const epsilon = Number(a.epsilon ?? (classesKind ? 1 : 0.5));
const layers = classesKind || a.layers === 'all' ? null : knobRows(model.manifest.layers, model.stylegan2().numWs);

type Json = Record<string, unknown>;
const f64 = (x: Float64Array) => Array.from(x);
function save(est: GradientEstimate, file: string) {
  const w = Buffer.from(est.w.data.buffer, est.w.data.byteOffset, est.w.data.byteLength).toString('base64');
  const out = {
    ...est,
    grads: est.grads.map(f64),
    classGrads: est.classGrads.map(f64),
    classCounts: Array.from(est.classCounts),
    gradsByClass: est.gradsByClass.map((r) => r.map(f64)),
    logpByClass: est.logpByClass.map((r) => r.map(f64)),
    w: { shape: est.w.shape, base64: w },
  };
  writeFileSync(file, JSON.stringify(out));
}
function load(file: string): GradientEstimate {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const arr = (x: unknown) => Float64Array.from(x as number[]);
  const wj = j.w as { shape: number[]; base64: string };
  const buf = Buffer.from(wj.base64, 'base64');
  const w = Tensor.float32(wj.shape);
  w.data.set(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
  return {
    ...(j as unknown as GradientEstimate),
    grads: (j.grads as number[][]).map(arr),
    classGrads: (j.classGrads as number[][]).map(arr),
    classCounts: Int32Array.from(j.classCounts as number[]),
    gradsByClass: (j.gradsByClass as number[][][]).map((r) => r.map(arr)),
    logpByClass: (j.logpByClass as number[][][]).map((r) => r.map(arr)),
    w,
  };
}

const t0 = performance.now();
let est: GradientEstimate;
if (a.cache && existsSync(a.cache)) est = load(a.cache);
else {
  est = await estimateAttributeGradients(model, classifier, specs, {
    num,
    epsilon,
    layers,
    onProgress: (d, t) => {
      if (d % 1000 === 0 || d === t) console.error(`estimate: ${d} / ${t} samples, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  if (a.cache) save(est, a.cache);
}
const tFind = (performance.now() - t0) / 1000;
console.log(
  `${model.name} (${model.manifest.contentHash.slice(0, 8)}): ${est.num} samples labelled by ${classifier.name}, epsilon ${est.epsilon}, rows ${est.layers[0]}-${est.layers[1] - 1}; class counts ${Array.from(est.classCounts).join('/')}; judge ${judge.name}; estimate ${tFind.toFixed(0)} s`,
);

if (!classesKind) {
  const sets: { name: string; set: DirectionSet }[] = a.sets!.includes('global') ? [{ name: 'global (today)', set: directionsFromGradients(est, { keepClasses: true }) }] : [];
  for (const keep of a.keep!.split(',') as PerClassKeep[]) sets.push({ name: `per-class, keep ${keep}`, set: perClassAttributeDirections(est, { keep }) });
  const results: Awaited<ReturnType<typeof evaluateAttributes>>[] = [];
  for (const { name, set } of sets) {
    const t = performance.now();
    const r = await evaluateAttributes(model, judge, set, { num: Number(a['eval-num']), strengths: [1, 2], units: 'sigma', labeller: classifier });
    results.push(r);
    console.log(`evaluated ${name} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  console.log(`| attribute | ${sets.map((s) => `${s.name}: +1σ | +2σ`).join(' | ')} |`);
  console.log(`|---|${sets.map(() => '---|---').join('|')}|`);
  const passing = sets.map(() => 0);
  for (const spec of est.specs) {
    const cells = results.map((r, i) => {
      const [one, two] = [1, 2].map((s) => r.rows.find((row) => row.label === spec.name && row.strength === s)!);
      const pass = (two.attributeChange ?? 0) >= 1.5 && two.classKept >= 0.9;
      if (pass) passing[i]++;
      const f = (x: { attributeChange: number | null; classKept: number }) => `${(x.attributeChange ?? Number.NaN).toFixed(2)} / ${(100 * x.classKept).toFixed(1)} %`;
      return `${f(one)} | ${pass ? '**' : ''}${f(two)}${pass ? '**' : ''}`;
    });
    console.log(`| ${spec.name} | ${cells.join(' | ')} |`);
  }
  console.log(`passing (≥ 1.5 std at +2σ, ≥ 90 % kept): ${sets.map((s, i) => `${s.name} ${passing[i]}`).join(', ')}`);
  // What a knob that keeps the class can reach: the spread of each attribute within the judged class
  // of the same 200 seeds, against its spread over all of them (the bar's unit).
  const start = await latentFromSeeds(model, Array.from({ length: Number(a['eval-num']) }, (_, i) => 1_000_000 + i), { space: 'w' });
  const top = await classesOf(model, judge, start);
  const img = await renderLatent(model, start, { batchSize: 50 });
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(-1, img.data[i]));
  const measured = measureImages(img, MEASURE_NAMES);
  const shares = MEASURE_NAMES.map((m, j) => `${m} ${attributeSpread(measured[j], top).withinShare.toFixed(2)}`);
  console.log(`within-class std / std over all seeds (judged classes, ${a['eval-num']} seeds): ${shares.join(', ')}`);
  const pc = sets.find((x) => x.name.startsWith('per-class'))?.set;
  if (pc) {
    const sig = pc.sigma.map((s) => s!.toFixed(2));
    console.log(`per-class sigma range ${Math.min(...pc.sigma.map(Number)).toFixed(2)}–${Math.max(...pc.sigma.map(Number)).toFixed(2)} (first set ${sets[0].set.sigma.map((s) => s!.toFixed(2)).join(', ')}); e.g. ${pc.labels.slice(0, 10).map((l, i) => `${l} ${sig[i]}`).join(', ')}`);
  }
} else {
  const rows = est.grads.map((g, k) => unit(g, `gradient of p(${names[k]})`));
  const plain = makeDirectionSet(rows, {
    space: 'w',
    labels: [...names],
    sigma: projectedStd(est.w, makeDirectionSet(rows, { space: 'w', provenance: { method: 'interfacegan' } }).vectors),
    provenance: { method: 'interfacegan', attributes: names.map((name, k) => ({ name, classes: [k] })) },
  });
  const sets = [
    ...(a.sets!.includes('global') ? [{ name: 'conditioned (today)', set: conditionOnNearest(plain, 2) }] : []),
    ...a.nearest!.split(',').map((n) => ({ name: `per-class, ${n} nearest held`, set: perClassClassDirections(est, { nearest: Number(n) }) })),
  ];
  const opts = { num: Number(a['eval-num']), strength: Number(a.distance), units: 'distance' as const, labeller: classifier };
  const results: Awaited<ReturnType<typeof evaluateDirections>>[] = [];
  for (const { set } of sets) results.push(await evaluateDirections(model, judge, set, opts));
  console.log(`every edit ${opts.strength} W units; ${opts.num} seeds from 1000000; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`| class | ${sets.map((s) => `${s.name}: target / largest other | ratio`).join(' | ')} |`);
  console.log(`|---|${sets.map(() => '---|---').join('|')}|`);
  const passing = sets.map(() => 0);
  names.forEach((n, k) => {
    const cells = results.map((r, i) => {
      const row = r.rows[k];
      let j = -1;
      row.slopes.forEach((v, q) => {
        if (q !== k && (j < 0 || Math.abs(v) > Math.abs(row.slopes[j]))) j = q;
      });
      if ((row.ratio ?? 0) >= 3) passing[i]++;
      return `${row.targetSlope!.toFixed(3)} / ${row.slopes[j].toFixed(3)} (${judge.labelNames[j]}) | ${(row.ratio ?? 0) >= 3 ? '**' : ''}${row.ratio!.toFixed(2)}×${(row.ratio ?? 0) >= 3 ? '**' : ''}`;
    });
    console.log(`| ${n} | ${cells.join(' | ')} |`);
  });
  console.log(`≥ 3×: ${sets.map((s, i) => `${s.name} ${passing[i]} of ${names.length}`).join(', ')}`);
}
