import { describe, expect, it } from 'vitest';
import { loadModel } from '../models/io/loadModel.js';
import { latentFromSeeds, toWs } from '../latent/latent.js';
import { makeDirectionSet } from './direction.js';
import { edit } from './edit.js';

const MODEL = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;

describe('edit(latent, direction, strength)', async () => {
  const model = await loadModel(MODEL);
  const { numWs, wDim } = model.stylegan2();
  const v = Array.from({ length: wDim }, (_, i) => (i === 3 ? 1 : 0));
  const set = makeDirectionSet([v], { space: 'w', sigma: [0.5], labels: ['axis3'], provenance: { method: 'import' } });

  it('W latent, every row: stays W and moves strength·sigma along the direction', async () => {
    const w = await latentFromSeeds(model, [1, 2], { space: 'w' });
    const e = await edit(w, set, 2, { model });
    expect(e.space).toBe('w');
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < wDim; j++) expect(e.codes.data[i * wDim + j]).toBeCloseTo(w.codes.data[i * wDim + j] + (j === 3 ? 1 : 0), 6);
    expect(e.provenance).toMatchObject({ kind: 'edit', direction: 'axis3', strength: 2, units: 'sigma', scale: 0.5, layers: [0, numWs] });
  });

  it('a layer range makes W+ and leaves the other rows alone; distance units ignore sigma', async () => {
    const w = await latentFromSeeds(model, [1], { space: 'w' });
    const e = await edit(w, set, 2, { model, layers: [2, 4], units: 'distance' });
    expect(e.space).toBe('w+');
    const before = await toWs(model, w);
    for (let r = 0; r < numWs; r++) {
      const moved = r >= 2 && r < 4 ? 2 : 0;
      expect(e.codes.data[r * wDim + 3] - before.data[r * wDim + 3]).toBeCloseTo(moved, 5);
      expect(e.codes.data[r * wDim + 4]).toBe(before.data[r * wDim + 4]);
    }
    await expect(edit(w, set, 1, { layers: [2, 4] })).rejects.toThrow(/needs the model/);
  });

  it('z latents are mapped (with their truncation) for W directions; Z directions edit z', async () => {
    const z = await latentFromSeeds(model, [3], { space: 'z', psi: 0.7 });
    const mapped = await toWs(model, z);
    const e = await edit(z, set, -1, { model });
    expect(e.space).toBe('w');
    expect(e.codes.data[3]).toBeCloseTo(mapped.data[3] - 0.5, 5);
    const zset = makeDirectionSet([Array.from({ length: model.zDim }, (_, i) => (i === 0 ? 2 : 0))], { space: 'z', provenance: { method: 'import' } });
    const ez = await edit(z, zset, 1.5);
    expect(ez.space).toBe('z');
    expect(ez.codes.data[0]).toBeCloseTo(z.codes.data[0] + 1.5, 5); // unit direction, distance units (no sigma)
    await expect(edit(await latentFromSeeds(model, [3], { space: 'w' }), zset, 1)).rejects.toThrow(/Z direction/);
  });
});
