import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/io/loadModel.js';
import type { GanModel } from '../../src/models/ganModel.js';
import { namedRanges, parseLayerRange, wsRowResolutions } from '../../src/latent/layerRanges.js';
import { latentFromCodes, renderLatent, toWs } from '../../src/latent/latent.js';
import { mixStyles, styleMixGrid } from '../../src/latent/mix.js';
import { truncationSweep, truncateWs } from '../../src/latent/truncation.js';
import { fixtureCase, haveFixtures, maxAbsDiff } from '../fixtures.js';

// Tolerances: the fixture manifest's suggested_atol per output (1e-4 for ws, 2e-4 for images: 20x the
// reference's own rerun / float64 differences). Style mixing itself only copies rows, so ws agree exactly.
const A = fixtureCase('A_nvidia_sg2ada_uncond32');

describe.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))('style mixing vs NVIDIA (fixture A)', () => {
  let model: GanModel;
  beforeAll(async () => {
    model = await loadModel(A.path('network-snapshot-000000.pkl'));
  });
  afterAll(async () => model.release());

  it('ws_psi1 with rows [crossover:] from z2 equals ws_mix, and renders img_mix_const', async () => {
    const entry = A.manifest.files['ws_mix.npy'] as { crossover_layer: number };
    const crossover = entry.crossover_layer;
    const numWs = model.stylegan2().numWs;
    const dst = latentFromCodes(model, 'z', await A.load('z.npy'));
    const src = latentFromCodes(model, 'z', await A.load('z2.npy'));
    const rows = parseLayerRange(model, `${crossover}-${numWs - 1}`);
    const mixed = await mixStyles(model, dst, src, rows);
    expect(maxAbsDiff(mixed.codes, await A.load('ws_mix.npy'))).toBeLessThanOrEqual(A.atol('ws_mix.npy'));
    const img = await renderLatent(model, mixed);
    const err = maxAbsDiff(img, await A.load('img_mix_const.npy'));
    expect(err, `img_mix_const max abs error ${err}`).toBeLessThanOrEqual(A.atol('img_mix_const.npy'));
  });

  it('the grid cell (i, j) is row i mixed with column j', async () => {
    const z = await A.load('z.npy');
    const rowsL = latentFromCodes(model, 'z', z);
    const colsL = latentFromCodes(model, 'z', await A.load('z2.npy'));
    const grid = await styleMixGrid(model, rowsL, colsL, [0, 1]);
    expect(grid.cells.codes.shape).toEqual([16, 8, 64]);
    const rowWs = await toWs(model, rowsL);
    const colWs = await toWs(model, colsL);
    const cell = (i: number, j: number, r: number) => grid.cells.codes.data.subarray(((i * 4 + j) * 8 + r) * 64, ((i * 4 + j) * 8 + r + 1) * 64);
    expect(cell(2, 3, 0)).toEqual(colWs.data.subarray((3 * 8 + 0) * 64, (3 * 8 + 1) * 64));
    expect(cell(2, 3, 5)).toEqual(rowWs.data.subarray((2 * 8 + 5) * 64, (2 * 8 + 6) * 64));
  });

  it('truncation in JS equals the mapping network truncation bit for bit (psi 0.7, cutoff 2)', async () => {
    const z = latentFromCodes(model, 'z', await A.load('z.npy'));
    const ws = await toWs(model, z);
    expect(truncateWs(model, ws, 0.7, 2).data).toEqual(
      (await toWs(model, { ...z, psi: 0.7, cutoff: 2 })).data,
    );
    expect(maxAbsDiff(truncateWs(model, ws, 0.7), await A.load('ws_psi0.7.npy'))).toBeLessThanOrEqual(A.atol('ws_psi0.7.npy'));
    const sweep = await truncationSweep(model, z, [1, 0.7, 0]);
    expect(sweep.latent.codes.shape).toEqual([12, 8, 64]);
    const row = (i: number) => sweep.latent.codes.data.subarray(i * 512, (i + 1) * 512);
    expect(row(1)).toEqual(truncateWs(model, ws, 0.7).data.subarray(0, 512));
    const avg = model.g.get('mapping.w_avg')!.toFloat32().data;
    expect(row(2).subarray(0, 64)).toEqual(avg);
  });

  it('named ranges derive from the layer table (32x32: coarse 4-8, middle 16, fine 32)', () => {
    expect(wsRowResolutions(model)).toEqual([4, 8, 8, 16, 16, 32, 32, 32]);
    expect(namedRanges(model)).toEqual({ coarse: [0, 1, 2], middle: [3, 4], fine: [5, 6, 7], all: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(parseLayerRange(model, 'coarse+fine')).toEqual([0, 1, 2, 5, 6, 7]);
    expect(parseLayerRange(model, '4,6-7')).toEqual([4, 6, 7]);
    expect(() => parseLayerRange(model, '3-9')).toThrow(/ws row 8 is out of range/);
    expect(() => parseLayerRange(model, 'hair')).toThrow(/not coarse, middle, fine/);
  });
});
