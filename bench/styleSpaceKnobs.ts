/**
 * StyleSpace knobs on the shipped StyleGAN2 (README "StyleSpace"): one gradient estimate in S (the
 * styles of every conv and ToRGB layer, in channel stds; labelled by the classifier) serves every
 * construction. Attribute knobs on the top-k locally-active channels (k = 1, 3, 10, and the dense
 * gradient), graded by the judge on 200 held-out seeds at +1σ / +2σ (change in std of the attribute /
 * judged class kept); class directions in S (dense, on top-k channels), plain and conditioned on the
 * two nearest, all edited by the same Euclidean distance in S (target / largest other per unit).
 * Attribute gradients are exact (reverse mode through generator, graph measure and labeller;
 * --exact-attributes N samples, 0 = the probe for all) for every attribute, area, width and height
 * through their smooth surrogates (measureGraph.ts; --probe-shape: the probe, --num and --epsilon, for those).
 * Re-run: LATENTLAB_THREADS=1 npx tsx bench/styleSpaceKnobs.ts [--model M] [--num 3000] [--epsilon 0.05] [--exact-attributes 1000]
 *   [--channels 1,3,10,all] [--distance 3,10] [--kind attributes|classes|both] [--probe-shape] [--extra-strengths=-2,4]
 *   [--select-seed-start 2000000 [--select-channels 2,3,...] [--select-min-gain 0.25,0.1] [--select-side mean,per-sample] [--select-out FILE.json]]
 *   classes: [--class-channels all,10] [--exact-classes 1000] [--class-seed-start 0] [--eval-seed-start 1000000]
 *   [--save-classes DIR] [--json sweep.json] [--random-baseline SEED]; the directions are built once and evaluated at every --distance.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { exactStyleClassGradients } from '../src/directions/styleSpaceExact.js';
import {
  type AttributeEval,
  balancedClassDirections,
  conditionOnNearest,
  type DirectionEval,
  type DirectionSet,
  estimateStyleGradients,
  evaluateAttributes,
  exactStyleAttributeGradients,
  hasExactGradient,
  isSurrogateMeasure,
  mergeStyleEstimates,
  evaluateDirections,
  loadModel,
  makeDirectionSet,
  parseAttributeSpecs,
  RandomState,
  readClassifierBundle,
  styleAttributeDirections,
  styleClassDirections,
  unit,
  writeDirections,
} from '../src/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fmnist-stylegan2' },
    classifier: { type: 'string', default: 'models/fmnist-classifier' },
    judge: { type: 'string', default: 'models/fmnist-judge' },
    attributes: { type: 'string', default: 'brightness,ink,area,width,height,symmetry,texture,logit:Trouser,logit:Bag' },
    num: { type: 'string', default: '3000' },
    epsilon: { type: 'string', default: '0.05' },
    channels: { type: 'string', default: '1,3,10,all' },
    'class-channels': { type: 'string', default: 'all,10' },
    distance: { type: 'string', default: '3' },
    'eval-num': { type: 'string', default: '200' },
    kind: { type: 'string', default: 'both' },
    /** Attribute gradients exact (autodiff, this many samples) where the attribute has a graph form; 0: the probe for all. */
    'exact-attributes': { type: 'string', default: '1000' },
    /** area, width, height by the random probe (as before their graph surrogates), the rest exact. */
    'probe-shape': { type: 'boolean', default: false },
    /**
     * Per attribute, pick the construction (channels × --select-min-gain × --select-side) with the
     * largest +2σ move among those keeping ≥ 90 % on 200 VALIDATION seeds from this seed (not the
     * evaluation seeds), then grade the pick on the evaluation seeds. Off when empty.
     */
    'select-seed-start': { type: 'string', default: '' },
    'select-channels': { type: 'string', default: '2,3,4,5,6,7,8,10,12,15,20,30' },
    'select-min-gain': { type: 'string', default: '0.25,0.1' },
    'select-side': { type: 'string', default: 'mean,per-sample' },
    /** Write every construction's validation figures (+2σ move / kept per attribute) to this JSON file. */
    'select-out': { type: 'string', default: '' },
    /** Further strengths for the channel sweep (e.g. -2,4: saturation and how far a knob can be pushed), printed as a second table. */
    'extra-strengths': { type: 'string', default: '' },
    /** Attribute knobs' side effect: mean (class-mean gradient) or per-sample (RMS; exact attributes only). */
    side: { type: 'string', default: 'mean' },
    /** Class directions from exact gradients (autodiff, this many samples; 0: the probe estimate). */
    'exact-classes': { type: 'string', default: '1000' },
    /** First seed of the exact class-gradient samples (another sample: a robustness check). */
    'class-seed-start': { type: 'string', default: '0' },
    /** First of the judged held-out seeds (another sample of them: a check that a distance was not picked on them). */
    'eval-seed-start': { type: 'string', default: '1000000' },
    /** Class directions: write each construction's direction file here (to compare with the CLI's). */
    'save-classes': { type: 'string' },
    /** Class directions: the whole sweep (every row at every distance) as JSON. */
    json: { type: 'string' },
    /** Class directions: add one random S direction per class (this RNG seed), graded as that class's: the null. */
    'random-baseline': { type: 'string' },
  },
});
const model = await loadModel(a.model!);
const classifier = await readClassifierBundle(a.classifier!);
const judge = await readClassifierBundle(a.judge!);
const specs = parseAttributeSpecs(a.attributes!, classifier.labelNames);
const t0 = performance.now();
const exactAttr = Number(a['exact-attributes']);
const exactSpecs = exactAttr > 0 ? specs.filter((s) => hasExactGradient(s) && !(a['probe-shape'] && s.measure && isSurrogateMeasure(s.measure))) : [];
const probeSpecs = specs.filter((s) => !exactSpecs.includes(s));
const est =
  a.kind === 'classes' && Number(a['exact-classes']) > 0
    ? null
    : mergeStyleEstimates(
        specs,
        exactSpecs.length ? await exactStyleAttributeGradients(model, classifier, exactSpecs, { num: exactAttr }) : null,
        probeSpecs.length ? await estimateStyleGradients(model, classifier, probeSpecs, { num: Number(a.num), epsilon: Number(a.epsilon) }) : null,
      );
const secs = () => ((performance.now() - t0) / 1000).toFixed(0);
if (est)
  console.log(
    `${model.name} (${model.manifest.contentHash.slice(0, 8)}): S = ${est.layout.dim} style channels; labelled by ${classifier.name}; ` +
      `exact gradients (${exactAttr} samples): ${exactSpecs.map((s) => s.name).join(', ') || 'none'}; probe (${a.num} samples, epsilon ${a.epsilon} channel stds): ${probeSpecs.map((s) => s.name).join(', ') || 'none'}; estimate ${secs()} s; judge ${judge.name}`,
  );
const parseK = (s: string) => (s === 'all' ? ('all' as const) : Number(s));
const evalNum = Number(a['eval-num']);

if (est && a.kind !== 'classes') {
  const ks = a.channels!.split(',').map(parseK);
  const extra = a['extra-strengths'] ? a['extra-strengths'].split(',').map(Number) : [];
  const results: { k: number | 'all'; set: DirectionSet; ev: AttributeEval }[] = [];
  for (const k of ks) {
    const set = styleAttributeDirections(est, { channels: k, side: a.side as 'mean' | 'per-sample' });
    results.push({ k, set, ev: await evaluateAttributes(model, judge, set, { num: evalNum, strengths: [1, 2, ...extra] }) });
    console.log(`  k = ${k}: evaluated (${secs()} s)`);
  }
  // +2σ also in the attribute's pooled within-class std (judge's classes before the edit): an extra
  // unit for knobs that keep the class; the bar is judged on the std over all seeds.
  console.log(`| attribute | within-class / overall std | ${results.map((r) => `k = ${r.k}: +1σ | +2σ | +2σ in within-class std`).join(' | ')} | top channel (gain, side) |`);
  console.log(`|---|---|${results.map(() => '---|---|---').join('|')}|---|`);
  const passing = results.map(() => 0);
  specs.forEach((spec) => {
    const cells = results.map((r, i) => {
      const at = (s: number) => r.ev.rows.find((x) => x.label === spec.name && x.strength === s)!;
      const two = at(2);
      if ((two.attributeChange ?? 0) >= 1.5 && two.classKept >= 0.9) passing[i]++;
      return [...[1, 2].map((s) => `${at(s).attributeChange!.toFixed(2)} / ${(100 * at(s).classKept).toFixed(1)} %`), two.attributeChangeWithinClass!.toFixed(2)].join(' | ');
    });
    const ev = results[0].ev;
    const first = results.find((r) => r.k === 1) ?? results[0];
    const info = (first.set.provenance.attributes as { name: string; channels: { channel: string; gain: number; side: number }[] | 'all' }[]).find((x) => x.name === spec.name)!;
    const ch = info.channels === 'all' ? 'all' : `${info.channels[0].channel} (${info.channels[0].gain.toFixed(3)}, ${info.channels[0].side.toFixed(3)})`;
    console.log(`| ${spec.name} | ${(ev.withinClassStd[spec.name] / ev.std[spec.name]).toFixed(2)} | ${cells.join(' | ')} | ${ch} |`);
  });
  if (extra.length) {
    console.log(`further strengths (change in std / class kept; in within-class std):`);
    console.log(`| attribute | ${results.map((r) => extra.map((s) => `k = ${r.k}: ${s > 0 ? '+' : ''}${s}σ`).join(' | ')).join(' | ')} |`);
    console.log(`|---|${results.map(() => extra.map(() => '---').join('|')).join('|')}|`);
    for (const spec of specs) {
      const cells = results.map((r) =>
        extra
          .map((s) => r.ev.rows.find((x) => x.label === spec.name && x.strength === s)!)
          .map((x) => `${x.attributeChange!.toFixed(2)} / ${(100 * x.classKept).toFixed(1)} % (${x.attributeChangeWithinClass!.toFixed(2)})`)
          .join(' | '),
      );
      console.log(`| ${spec.name} | ${cells.join(' | ')} |`);
    }
  }
  console.log(`sigma per k: ${results.map((r) => `${r.k}: ${Math.min(...(r.set.sigma as number[])).toFixed(2)}–${Math.max(...(r.set.sigma as number[])).toFixed(2)}`).join('; ')}`);
  console.log(`bar (+2σ ≥ 1.5 std, ≥ 90 % kept): ${results.map((r, i) => `k = ${r.k}: ${passing[i]} of ${specs.length}`).join(', ')} (${secs()} s)`);
}

if (est && a.kind !== 'classes' && a['select-seed-start']) {
  const valStart = Number(a['select-seed-start']);
  const configs = a['select-side']!.split(',').flatMap((side) =>
    a['select-min-gain']!.split(',').flatMap((g) => a['select-channels']!.split(',').map((k) => ({ k: parseK(k), minGain: Number(g), side: side as 'mean' | 'per-sample' }))),
  );
  const tried: ((typeof configs)[number] & { set: DirectionSet; val: AttributeEval })[] = [];
  for (const c of configs) {
    const set = styleAttributeDirections(est, { channels: c.k, minGain: c.minGain, side: c.side });
    tried.push({ ...c, set, val: await evaluateAttributes(model, judge, set, { num: evalNum, firstSeed: valStart, strengths: [2] }) });
  }
  console.log(`selection: ${configs.length} constructions graded on ${evalNum} validation seeds from ${valStart} (${secs()} s); the pick per attribute graded on the evaluation seeds:`);
  console.log('| attribute | picked (channels, min gain, side) | validation +2σ | evaluation +1σ | **evaluation +2σ** | +2σ in within-class std | sigma |');
  console.log('|---|---|---|---|---|---|---|');
  let passing = 0;
  for (const spec of specs) {
    const val = (t: (typeof tried)[number]) => t.val.rows.find((x) => x.label === spec.name)!;
    const ok = tried.filter((t) => val(t).classKept >= 0.9);
    const pick = (ok.length ? ok : tried).reduce((b, t) =>
      ok.length ? (val(t).attributeChange! > val(b).attributeChange! ? t : b) : val(t).classKept > val(b).classKept ? t : b,
    );
    const ev = await evaluateAttributes(model, judge, pick.set, { num: evalNum, strengths: [1, 2], components: [spec.name] });
    const [one, two] = ev.rows;
    const cell = (r: { attributeChange: number | null; classKept: number }) => `${r.attributeChange!.toFixed(2)} / ${(100 * r.classKept).toFixed(1)} %`;
    if (two.attributeChange! >= 1.5 && two.classKept >= 0.9) passing++;
    const i = pick.set.labels.indexOf(spec.name);
    console.log(`| ${spec.name} | ${pick.k}, ${pick.minGain}, ${pick.side}${ok.length ? '' : ' (none kept 90 %: most kept)'} | ${cell(val(pick))} | ${cell(one)} | ${cell(two)} | ${two.attributeChangeWithinClass!.toFixed(2)} | ${(pick.set.sigma[i] as number).toFixed(2)} |`);
  }
  console.log(`bar with the validation-picked construction: ${passing} of ${specs.length} (${secs()} s)`);
  if (a['select-out']) mkdirSync(dirname(a['select-out']), { recursive: true });
  if (a['select-out'])
    writeFileSync(
      a['select-out'],
      JSON.stringify(
        tried.map((t) => ({ channels: t.k, minGain: t.minGain, side: t.side, validation: Object.fromEntries(t.val.rows.map((r) => [r.label, { change: r.attributeChange, kept: r.classKept, withinClass: r.attributeChangeWithinClass }])) })),
        null,
        1,
      ),
    );
}

const exactNum = Number(a['exact-classes']);
const classSeed = Number(a['class-seed-start']);
const classEst = a.kind === 'attributes' ? null : exactNum > 0 ? await exactStyleClassGradients(model, classifier, { num: exactNum, firstSeed: classSeed }) : est!;
if (classEst) {
  console.log(`class gradients: ${exactNum > 0 ? `exact (autodiff through generator and labeller), ${exactNum} samples from seed ${classSeed}` : 'the probe estimate'} (${secs()} s)`);
  // One discovery serves every construction and distance: the directions are built once, then each is
  // edited by every distance (slopes are per unit of the distance, so the ratio is comparable across them).
  const names = classifier.labelNames;
  const sets: { name: string; set: DirectionSet }[] = [];
  for (const k of a['class-channels']!.split(',').map(parseK)) {
    const plain = styleClassDirections(classEst, { channels: k });
    const tag = k === 'all' ? 'dense' : `${k} channels`;
    sets.push({ name: `${tag}, plain`, set: plain });
    sets.push({ name: `${tag}, 2 nearest`, set: conditionOnNearest(plain, 2, classEst.styles) });
    if (k === 'all') sets.push({ name: `${tag}, 2 nearest held + balanced`, set: balancedClassDirections(plain, { nearest: 2, samples: classEst.styles }) });
  }
  if (a['random-baseline']) {
    // The null: one random unit direction in S per class (seeded), graded as if it were that class's,
    // so a reader sees what the distance alone does to ratios and judged classes.
    const dense = sets[0].set;
    const rng = new RandomState(Number(a['random-baseline']));
    const rows = names.map(() => unit(rng.randn(dense.vectors.shape[1])));
    sets.push({ name: 'random', set: makeDirectionSet(rows, { space: 's', labels: [...names], model: dense.model, provenance: { ...dense.provenance, random: true } }) });
  }
  if (a['save-classes']) {
    mkdirSync(a['save-classes'], { recursive: true });
    for (const s of sets) await writeDirections(join(a['save-classes'], `${s.name.replace(/[^a-z0-9]+/gi, '-')}.safetensors`), s.set);
  }
  const firstSeed = Number(a['eval-seed-start']);
  const sweep: { distance: number; set: string; rows: DirectionEval['rows'] }[] = [];
  const summary: string[] = [];
  for (const distance of a.distance!.split(',').map(Number)) {
    const opts = { num: evalNum, firstSeed, strength: distance, units: 'distance' as const };
    const evals: DirectionEval[] = [];
    for (const s of sets) evals.push(await evaluateDirections(model, judge, s.set, opts));
    console.log(`class directions in S, every edit ${distance} S units (matched Euclidean distance), ${evalNum} seeds from ${firstSeed}; sigma of the dense ones ${Math.min(...(sets[0].set.sigma as number[])).toFixed(2)}–${Math.max(...(sets[0].set.sigma as number[])).toFixed(2)}`);
    console.log(`| class | ${sets.map((s) => `${s.name}: target / max other | ratio`).join(' | ')} |`);
    console.log(`|---|${sets.map(() => '---|---').join('|')}|`);
    const passing = sets.map(() => 0);
    names.forEach((n, k) => {
      const cells = evals.map((ev, i) => {
        const r = ev.rows[k];
        let j = -1;
        r.slopes.forEach((v, c) => {
          if (c !== k && (j < 0 || Math.abs(v) > Math.abs(r.slopes[j]))) j = c;
        });
        if ((r.ratio ?? 0) >= 3) passing[i]++;
        return `${r.targetSlope!.toFixed(3)} / ${r.slopes[j].toFixed(3)} (${judge.labelNames[j]}) | ${r.ratio!.toFixed(2)}×`;
      });
      console.log(`| ${n} | ${cells.join(' | ')} |`);
    });
    console.log(`≥ 3×: ${sets.map((s, i) => `${s.name} ${passing[i]} of ${names.length}`).join(', ')} (${secs()} s)`);
    // What the distance costs, averaged over the classes' directions: the target probability moved,
    // and the seeds whose judged class stayed, became the target, or became some third class.
    sets.forEach((s, i) => {
      const rows = evals[i].rows;
      const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((acc, r) => acc + f(r), 0) / rows.length;
      const move = mean((r) => r.targetProb![1] - r.targetProb![0]);
      summary.push(
        `| ${distance} | ${s.name} | ${passing[i]} of ${names.length} | ${move.toFixed(3)} | ${(100 * mean((r) => r.topClass.kept)).toFixed(1)} % | ${(100 * mean((r) => r.topClass.toTarget)).toFixed(1)} % | ${(100 * mean((r) => r.topClass.toOther)).toFixed(1)} % |`,
      );
      sweep.push({ distance, set: s.name, rows });
    });
  }
  console.log(`sweep (gradients from seed ${classSeed}, judged on ${evalNum} seeds from ${firstSeed}; means over the ${names.length} class directions):`);
  console.log('| S units | construction | ≥ 3× | target p moved | top class kept | → target | → another class |');
  console.log('|---|---|---|---|---|---|---|');
  for (const line of summary) console.log(line);
  if (a.json) writeFileSync(a.json, JSON.stringify({ classSeed, exactNum, firstSeed, evalNum, judge: judge.name, classNames: names, sweep }));
}
