import { describe, expect, it } from 'vitest';
import { readDirections } from '../../src/directions/files.js';
import { eigvecMatrix, sefa } from '../../src/directions/sefa.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { fixtureCase, haveFixtures, maxAbsDiff } from '../fixtures.js';

const C = 'C_rosinality_sg2_32';

describe.skipIf(!haveFixtures(C))('SeFa against rosinality closed_form_factorization.py (fixture C)', () => {
  const fx = fixtureCase(C);

  it('rosinality preset: eigenvectors match up to sign within the manifest atol, eigenvalues within theirs', async () => {
    const model = await loadModel(fx.path('stylegan2_rosinality_32.pt'));
    const r = sefa(model, { preset: 'rosinality' });
    // The same eight weights the script's key filter selects (conv1, to_rgb1, convs.*).
    expect(r.layerNames).toEqual(['b4.conv1', 'b4.torgb', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1', 'b32.conv0', 'b32.conv1']);
    const ref = await fx.load('sefa_eigvec.npy'); // [dim, K], columns
    const refVals = await fx.load('sefa_eigvals.npy');
    const [dim, k] = ref.shape;
    const ours = eigvecMatrix(r.set);
    expect(ours.shape).toEqual([dim, k]);
    const atol = fx.atol('sefa_eigvec.npy');
    let worst = 0;
    for (let c = 0; c < k; c++) {
      let dotp = 0;
      for (let i = 0; i < dim; i++) dotp += Number(ref.data[i * k + c]) * ours.data[i * k + c];
      const sign = dotp >= 0 ? 1 : -1;
      for (let i = 0; i < dim; i++) worst = Math.max(worst, Math.abs(Number(ref.data[i * k + c]) - sign * ours.data[i * k + c]));
    }
    expect(worst).toBeLessThan(atol);
    let valErr = 0;
    r.eigenvalues.forEach((v, i) => (valErr = Math.max(valErr, Math.abs(v - Number(refVals.data[i])))));
    expect(valErr).toBeLessThan(fx.atol('sefa_eigvals.npy'));
  });

  it('reads their factor.pt (eigvec columns) as the same directions', async () => {
    const set = await readDirections(fx.path('sefa_factor.pt'));
    const ref = await fx.load('sefa_eigvec.npy');
    expect(maxAbsDiff(eigvecMatrix(set), ref)).toBe(0);
    expect(set.provenance.format).toBe('rosinality-factor');
  });

  it("genforce preset: unit rows, every conv + the last ToRGB (factorize_weight(layer_idx='all')); a layer range selects by ws index", async () => {
    const model = await loadModel(fx.path('stylegan2_rosinality_32.pt'));
    const all = sefa(model);
    // genforce stacks one layer per ws index 0..num_layers − 1: layer{i} convs, and output{i // 2}
    // (the last ToRGB) for the last index.
    const cfg = model.stylegan2();
    expect(all.layerNames).toHaveLength(cfg.numWs);
    expect(all.layerNames).not.toContain('b4.torgb');
    expect(all.layerNames[all.layerNames.length - 1]).toBe(`b${cfg.imgResolution}.torgb`);
    expect(all.layerNames.filter((n) => n.endsWith('torgb'))).toHaveLength(1);
    expect(all.set.provenance.include).toBe('conv+last-torgb');
    // With normalised rows the eigenvalues sum to the number of stacked rows (trace of AᵀA).
    const rows = all.layerNames.map((n) => model.g.get(`synthesis.${n}.affine.weight`)!.shape[0]).reduce((a, b) => a + b, 0);
    expect(all.eigenvalues.reduce((a, b) => a + b, 0)).toBeCloseTo(rows, 6);
    const early = sefa(model, { layers: [0, 3] });
    expect(early.layerNames).toEqual(['b4.conv1', 'b8.conv0', 'b8.conv1']);
    expect(early.set.layers).toEqual([0, 3]);
  });
});
