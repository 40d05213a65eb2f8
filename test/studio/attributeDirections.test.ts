// Attribute knobs in the studio's direction list: names, what they keep and the recorded preservation figures.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAttributes, loadModel, preservationRecord, readClassifierBundle, writeDirections } from '../../src/index.js';
import { attributeDirections } from '../../src/directions/attributes.js';
import { latentFromSeeds } from '../../src/latent/latent.js';
import type { Studio } from '../../src/studio/server/app.js';
import { SHIPPED_MODELS, tempWorkspace, testStudio } from './helpers.js';

let studio: Studio;
let workspace: string;

beforeAll(async () => {
  workspace = await tempWorkspace();
  studio = await testStudio({ workspace });
});
afterAll(async () => {
  await studio?.app.close();
});

describe('studio direction list', () => {
  it('GET /api/directions gives attribute names, what they keep and the preservation figures', async () => {
    const model = await loadModel(join(SHIPPED_MODELS, 'fmnist-stylegan2'));
    const judge = await readClassifierBundle(join(SHIPPED_MODELS, 'fmnist-classifier'));
    // A knob from synthetic scores (the first two W coordinates), keeping a second one: fast, no images.
    const codes = (await latentFromSeeds(model, Array.from({ length: 300 }, (_, i) => i), { space: 'w' })).codes;
    const wDim = codes.shape[1];
    const col = (j: number) => Float64Array.from({ length: 300 }, (_, i) => codes.data[i * wDim + j]);
    const set = attributeDirections(
      codes,
      [{ spec: { name: 'width', measure: 'width' }, scores: col(0) }],
      { classes: null, attributes: [{ spec: { name: 'height', measure: 'height' }, scores: col(1) }] },
      { method: 'ridge', space: 'w', model: { name: model.name, contentHash: model.manifest.contentHash } },
    );
    const r = await evaluateAttributes(model, judge, set, { num: 8, strengths: [2], units: 'sigma' });
    mkdirSync(join(workspace, 'directions'), { recursive: true });
    await writeDirections(join(workspace, 'directions', 'knobs.safetensors'), preservationRecord(set, r));
    const list = (await studio.app.inject({ method: 'GET', url: '/api/directions?model=fmnist-stylegan2' })).json() as Record<string, unknown>[];
    const entry = list.find((e) => e.path === 'directions/knobs.safetensors');
    expect(entry).toBeDefined();
    expect(entry!.labels).toEqual(['width']);
    expect(entry!.names).toEqual([{ label: 'width', attribute: 'width', keeps: ['height'] }]);
    const p = entry!.preservation as { judge: string; num: number; byLabel: Record<string, { strength: number; attributeChange: number; classKept: number }[]> };
    expect(p.judge).toBe(judge.name);
    expect(p.num).toBe(8);
    expect(p.byLabel.width).toHaveLength(1);
    expect(p.byLabel.width[0].strength).toBe(2);
    expect(p.byLabel.width[0].attributeChange).toBeCloseTo(r.rows[0].attributeChange!, 12);
    expect(p.byLabel.width[0].classKept).toBe(r.rows[0].classKept);
    await model.release();
  }, 120_000);
});
