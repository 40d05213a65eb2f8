// Attribute knobs on the shipped StyleGAN2, labelled by the shipped classifier and graded by the
// independent judge (models/fmnist-judge: another architecture and seed). Sized to run in about a
// minute on a loaded 2-core machine: 2000 discovery samples (ridge: every sample counts, where the SVM
// at InterFaceGAN's 2 % would keep 40 per side) and 100 held-out seeds. The full-size numbers are in
// the README (bench/attributeKnobs.ts).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributeDirections,
  type DirectionSet,
  evaluateAttributes,
  type GanModel,
  gradientDirections,
  knobRows,
  loadModel,
  parseAttributeSpecs,
  readClassifierBundle,
  sampleLabelled,
  scoreChunk,
} from '../../src/index.js';
import type { Classifier } from '../../src/models/classifier/classifier.js';

const MODELS = new URL('../../models/', import.meta.url).pathname;
const ATTRS = 'brightness,ink,texture';
const NUM = 2000;
let model: GanModel;
let labeller: Classifier;
let judge: Classifier;
let kept: DirectionSet;
let free: DirectionSet;

beforeAll(async () => {
  model = await loadModel(join(MODELS, 'fmnist-stylegan2'));
  labeller = await readClassifierBundle(join(MODELS, 'fmnist-classifier'));
  judge = await readClassifierBundle(join(MODELS, 'fmnist-judge'));
  const specs = parseAttributeSpecs(ATTRS, labeller.labelNames);
  const columns = specs.map(() => new Float64Array(NUM));
  const samples = await sampleLabelled(model, labeller, {
    num: NUM,
    onImages: (img, logits, start) => scoreChunk(specs, img, logits).forEach((c, a) => columns[a].set(c, start)),
  });
  const k = samples.numClasses;
  const classes = {
    names: labeller.labelNames,
    scores: Array.from({ length: k }, (_, c) => Float64Array.from({ length: NUM }, (_, i) => samples.logProbs[i * k + c])),
  };
  const scored = specs.map((spec, a) => ({ spec, scores: columns[a] }));
  kept = attributeDirections(samples.w!, scored, { classes, attributes: [] }, { method: 'ridge', space: 'w' });
  free = attributeDirections(samples.w!, scored, { classes: null, attributes: [] }, { method: 'ridge', space: 'w' });
}, 300_000);

afterAll(async () => {
  await model?.release();
});

describe('attribute knobs on the shipped StyleGAN2, graded by the judge', () => {
  it('the judge is another network than the labeller', () => {
    expect(judge.name).not.toBe(labeller.name);
    expect(judge.config.downsample).not.toBe(labeller.config.downsample);
    expect(judge.config.stageWidths).not.toEqual(labeller.config.stageWidths);
  });

  it('each knob moves its own attribute up, more at +2σ than at +1σ; keeping class keeps more garments', async () => {
    const opts = { num: 100, strengths: [1, 2], units: 'sigma' as const };
    const withKeep = await evaluateAttributes(model, judge, kept, opts);
    const without = await evaluateAttributes(model, judge, free, { ...opts, strengths: [2] });
    const at = (r: typeof withKeep, label: string, s: number) => r.rows.find((row) => row.label === label && row.strength === s)!;
    for (const label of kept.labels) {
      const one = at(withKeep, label, 1);
      const two = at(withKeep, label, 2);
      expect(two.attribute).toBe(label);
      // An edit that did nothing would give 0 ± 0.1 (100 seeds, per-seed changes of ~0.5 std).
      expect(two.attributeChange!).toBeGreaterThan(0.15);
      expect(two.attributeChange!).toBeGreaterThan(one.attributeChange!);
      expect(Object.keys(two.others)).not.toContain(label);
    }
    // Brightness is the most linear measure in W (R² ≈ 0.75): its knob moves it most.
    expect(at(withKeep, 'brightness', 2).attributeChange!).toBeGreaterThan(0.4);
    // Conditioning within class: the same attributes, judged on the same seeds, change fewer garments.
    const mean = (r: typeof withKeep) => kept.labels.reduce((s, l) => s + at(r, l, 2).classKept, 0) / kept.labels.length;
    console.log(
      `class kept at +2σ (judge, 100 seeds): within class ${kept.labels.map((l) => `${l} ${at(withKeep, l, 2).classKept}`).join(', ')}; unconditioned ${free.labels.map((l) => `${l} ${at(without, l, 2).classKept}`).join(', ')}`,
    );
    expect(mean(withKeep)).toBeGreaterThan(mean(without) + 0.1);
  }, 300_000);

  it('a knob on the rows after the coarse styles keeps more garments than the same knob on every row', async () => {
    const specs = parseAttributeSpecs('brightness,ink', labeller.labelNames);
    // Default rows: after the last 4²/8² conv, i.e. 3–7 of the 32² model's 8.
    expect(knobRows(model.manifest.layers, 8)).toEqual([3, 8]);
    const est = { num: 600, seed: 2, epsilon: 1 };
    const restricted = await gradientDirections(model, labeller, specs, est);
    const everyRow = await gradientDirections(model, labeller, specs, { ...est, layers: null });
    expect(restricted.layers).toEqual([3, 8]);
    expect(everyRow.layers).toBeNull();
    const opts = { num: 100, strengths: [2], units: 'sigma' as const };
    const a = await evaluateAttributes(model, judge, restricted, opts);
    const b = await evaluateAttributes(model, judge, everyRow, opts);
    const mean = (r: typeof a, f: (row: (typeof a.rows)[number]) => number) => r.rows.reduce((s, row) => s + f(row), 0) / r.rows.length;
    const kept = [mean(a, (r) => r.classKept), mean(b, (r) => r.classKept)];
    console.log(`class kept at +2σ (judge, 100 seeds, brightness + ink): rows 3-7 ${kept[0]}, every row ${kept[1]}`);
    // Full size (README): rows 3–7 keep 92 %, every row 73–79 %. 100 seeds × 2 knobs: the standard
    // error of the difference is about 0.04, so 0.07 is a real gap, not noise.
    // Measured here (loaded 2-core machine): 0.885 against 0.51.
    expect(kept[0]).toBeGreaterThan(kept[1] + 0.07);
    // 92 % at full size; a 600-sample gradient and 100 seeds (± 0.03) stay above 0.8.
    expect(kept[0]).toBeGreaterThan(0.8);
    // And both still move their attribute (a do-nothing edit: 0 ± 0.1 on 100 seeds).
    for (const row of a.rows) expect(row.attributeChange!).toBeGreaterThan(0.2);
  }, 300_000);

  it('the gradient method: the mean slope through the generator points where brightness grows', async () => {
    const [spec] = parseAttributeSpecs('brightness', labeller.labelNames);
    const set = await gradientDirections(model, labeller, [spec], { num: 500, seed: 1, layers: null });
    const info = (set.provenance.attributes as { slope: number; kept: string[] }[])[0];
    expect(info.slope).toBeGreaterThan(0);
    // 500 samples: no class has the 2 · 128 samples its mean gradient needs, so none is kept (noise otherwise).
    expect(info.kept).toEqual([]);
    const r = await evaluateAttributes(model, judge, set, { num: 50, strengths: [2], units: 'sigma' });
    // 50 seeds: a do-nothing edit gives 0 ± 0.15.
    expect(r.rows[0].attributeChange!).toBeGreaterThan(0.3);
  }, 300_000);
});
