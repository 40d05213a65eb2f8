// The CLI of attribute knobs: interfacegan --attribute / --keep / --method, --scores with seeds, eval --judge --record.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDirections } from '../../src/directions/files.js';
import { latentlab } from '../cli/run.js';

const G = 'models/fmnist-stylegan2';
const C = 'models/fmnist-classifier';
const J = 'models/fmnist-judge';

describe('latentlab directions: attribute knobs (shipped models, small sizes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latentlab-knobs-'));

  it('finds knobs kept within class, grades them with the judge and records the figures', async () => {
    const file = join(dir, 'knobs.safetensors');
    const r = latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'brightness,logit:Bag', '--keep', 'class,width', '--method', 'ridge', '--num', '300', '--out', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const set = await readDirections(file);
    expect(set.labels).toEqual(['brightness', 'logit:Bag']);
    const attrs = set.provenance.attributes as { kept: string[]; method: string }[];
    // Every class boundary and the kept width; the Bag logit skips its own class.
    expect(attrs[0].kept).toHaveLength(11);
    expect(attrs[1].kept).toHaveLength(10);
    expect(attrs[1].kept).not.toContain('class:Bag');
    expect(attrs[0].method).toBe('ridge');
    const e = latentlab('directions', 'eval', '--model', G, '--judge', J, '--directions', file, '--num', '8', '--strengths', '2', '--record');
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('graded by fmnist-judge');
    expect(e.stdout).toMatch(/^brightness\s+2\s+-?\d+\.\d\d\s+(-?\d+\.\d\d|-)\s+\d+\.\d %/m); // own change, in class, class kept
    expect(e.stdout).toMatch(/keeps the class, to first order .*: brightness \d\.\d\d, logit:Bag \d\.\d\d$/m);
    const recorded = (await readDirections(file)).provenance.preservation as { judge: string; byLabel: Record<string, unknown[]> };
    expect(recorded.judge).toBe('fmnist-judge');
    expect(Object.keys(recorded.byLabel)).toEqual(['brightness', 'logit:Bag']);
  });

  it('defaults to the gradient knob on the rows after the coarse styles; --layers picks others, stored in the file', async () => {
    const file = join(dir, 'grad.safetensors');
    const r = latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'brightness', '--num', '200', '--out', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const set = await readDirections(file);
    expect(set.provenance.attributeMethod).toBe('gradient');
    expect(set.layers).toEqual([3, 8]);
    const all = join(dir, 'grad-all.safetensors');
    expect(latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'brightness', '--num', '200', '--layers', 'all', '--out', all).code).toBe(0);
    expect((await readDirections(all)).layers).toBeNull();
    const bad = latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'brightness', '--num', '200', '--layers', '7-3', '--out', all);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--layers 7-3 runs backwards/);
  });

  it('reads scores by seed, and refuses what it cannot do by name', async () => {
    const csv = join(dir, 'seeds.csv');
    writeFileSync(csv, `seed,darkness\n${Array.from({ length: 120 }, (_, i) => `${i},${Math.sin(i)}`).join('\n')}\n`);
    const out = join(dir, 'dark.safetensors');
    const r = latentlab('directions', 'interfacegan', '--model', G, '--scores', csv, '--method', 'ridge', '--out', out);
    expect(r.stderr).toBe('');
    expect((await readDirections(out)).labels).toEqual(['darkness']);
    const bad = latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'wideness', '--out', out);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("unknown attribute 'wideness'");
    const noSeed = join(dir, 'noseed.csv');
    writeFileSync(noSeed, 'a\n1\n2\n');
    const r2 = latentlab('directions', 'interfacegan', '--model', G, '--scores', noSeed, '--out', out);
    expect(r2.stderr).toContain("needs a 'seed' column");
  });

  it("--per-class: one row per class; eval and edit pick each seed's row with the labelling classifier", async () => {
    const file = join(dir, 'per-class.safetensors');
    const r = latentlab('directions', 'interfacegan', '--model', G, '--classifier', C, '--attribute', 'brightness', '--per-class', '--num', '300', '--out', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const set = await readDirections(file);
    expect(set.labels).toHaveLength(10);
    expect(set.labels[0]).toBe('brightness@T-shirt/top');
    expect(set.layers).toEqual([3, 8]);
    expect((set.provenance.perClass as { knobs: string[] }).knobs).toEqual(['brightness']);
    const noLabeller = latentlab('directions', 'eval', '--model', G, '--judge', J, '--directions', file, '--num', '8', '--strengths', '2');
    expect(noLabeller.code).not.toBe(0);
    expect(noLabeller.stderr).toMatch(/has per-class knobs: give the classifier that labelled them \(classifier-fashion-mnist-32\) with --classifier/);
    const json = join(dir, 'per-class-eval.json');
    const e = latentlab('directions', 'eval', '--model', G, '--classifier', C, '--judge', J, '--directions', file, '--num', '8', '--strengths', '2', '--record', '--json', json);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^brightness\s+2\s+-?\d+\.\d\d\s+(-?\d+\.\d\d|-)\s+\d+\.\d %/m); // own change, in class, class kept
    expect(e.stdout).toMatch(/keeps the class, to first order .*: brightness \d\.\d\d$/m);
    // The class matrix is graded by the judge, as the preservation table: the same +2 edit keeps the
    // same seeds' judged class (the classifier only picks each seed's row).
    type Ev = { judge: string; rows: { topClass: { kept: number; toTarget: number; toOther: number } }[]; preservation: { rows: { strength: number; classKept: number }[] } };
    const ev = JSON.parse(readFileSync(json, 'utf8')) as Ev;
    expect(ev.judge).toBe('fmnist-judge');
    const { kept, toTarget, toOther } = ev.rows[0].topClass;
    expect(kept + toTarget + toOther).toBeCloseTo(1, 12);
    expect(kept).toBeCloseTo(ev.preservation.rows.find((r) => r.strength === 2)!.classKept, 12);
    const recorded = (await readDirections(file)).provenance.preservation as { byLabel: Record<string, unknown[]> };
    expect(Object.keys(recorded.byLabel)).toEqual(['brightness']);
    const outdir = join(dir, 'edit');
    const noClassifier = latentlab('edit', '--model', G, '--directions', file, '--component', 'brightness', '--seeds', '0-1', '--strengths', '0,2', '--outdir', outdir);
    expect(noClassifier.code).not.toBe(0);
    expect(noClassifier.stderr).toContain('--classifier');
    const ed = latentlab('edit', '--model', G, '--directions', file, '--component', 'brightness,brightness@Sneaker', '--classifier', C, '--seeds', '0-1', '--strengths', '0,2', '--outdir', outdir);
    expect(ed.stderr).toBe('');
    expect(ed.code).toBe(0);
    expect(ed.stdout).toContain('per-class knobs: 2 latents by class');
    expect(ed.stdout).toContain('brightness_Sneaker.png');
  });
});
