import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
import type { GanModel } from '../models/ganModel.js';
import { expressionNames, latentExpression } from './arithmetic.js';
import { applyAttribute, attributeVector, type ClassMeans, classIndex } from './attributes.js';
import { latentFromCodes, latentFromSeeds, renderLatent } from './latent.js';
import { noiseVariations, variationStd } from './noise.js';

const SG2 = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;
let sg2: GanModel;
beforeAll(async () => {
  sg2 = await loadModel(SG2);
});
afterAll(async () => sg2.release());

const w = (values: number[]) => latentFromCodes(sg2, 'w', Tensor.float32([1, 128], Array.from({ length: 128 }, (_, i) => values[i % values.length])));

describe('latent arithmetic', () => {
  it('evaluates sums, differences, scaling, parentheses and unary minus', () => {
    const a = w([1]);
    const b = w([2]);
    const c = w([10]);
    const r = latentExpression(sg2, 'c + 1.5*(a - b) - -a / 2', { a, b, c });
    expect(r.space).toBe('w');
    expect(r.codes.data[0]).toBeCloseTo(10 + 1.5 * (1 - 2) + 0.5, 6);
    expect(r.provenance).toMatchObject({ kind: 'arithmetic', expression: 'c + 1.5*(a - b) - -a / 2' });
    expect(expressionNames('a - b + a')).toEqual(['a', 'b']);
  });

  it('broadcasts one-row operands and lifts w to w+', async () => {
    const many = await latentFromSeeds(sg2, [1, 2, 3], { space: 'w+' });
    const r = latentExpression(sg2, 'x + 0.5*d', { x: many, d: w([4]) });
    expect(r.codes.shape).toEqual([3, 8, 128]);
    expect(r.codes.data[2 * 1024 + 7 * 128 + 5]).toBeCloseTo(many.codes.data[2 * 1024 + 7 * 128 + 5] + 2, 5);
  });

  it('rejects nonsense with the reason', async () => {
    const a = w([1]);
    const z = await latentFromSeeds(sg2, [1]);
    expect(() => latentExpression(sg2, 'a * a', { a })).toThrow(/not multiplied/);
    expect(() => latentExpression(sg2, 'a + 1', { a })).toThrow(/cannot add a number/);
    expect(() => latentExpression(sg2, 'a + q', { a })).toThrow(/'q' is not bound/);
    expect(() => latentExpression(sg2, 'a + z', { a, z })).toThrow(/cannot mix z/);
    expect(() => latentExpression(sg2, '(a', { a })).toThrow(/missing '\)'/);
    expect(() => latentExpression(sg2, 'a $ b', { a })).toThrow(/cannot read '\$ b'/);
  });

  it('applies attribute vectors from class means with a strength, optionally on some ws rows', async () => {
    const means: ClassMeans = { space: 'w', means: Tensor.float32([2, 128], [...new Array(128).fill(1), ...new Array(128).fill(3)]), counts: [5, 5], labels: ['Sandal', 'Sneaker'] };
    expect(classIndex(means.labels, 'sneaker')).toBe(1);
    const v = attributeVector(means, 'sneaker', 'sandal');
    expect(v[0]).toBe(2);
    const base = await latentFromSeeds(sg2, [4], { space: 'w' });
    const edited = applyAttribute(sg2, base, v, 0.5, [0, 1]);
    expect(edited.space).toBe('w+');
    expect(edited.codes.data[3]).toBeCloseTo(base.codes.data[3] + 1, 6);
    expect(edited.codes.data[2 * 128 + 3]).toBe(base.codes.data[3]);
    expect(() => attributeVector({ ...means, counts: [0, 5] }, 'sneaker', 'sandal')).toThrow(/no confident samples of class 'Sandal'/);
  });
});

describe('noise variations', () => {
  it('resamples only the chosen layers, shares variant v across latents and changes the image', async () => {
    const latent = await latentFromSeeds(sg2, [2, 3]);
    const fine = await noiseVariations(sg2, latent, { count: 3, layers: [5, 6, 7], seed: 1 });
    expect(fine.layers).toEqual(['synthesis.b32.conv0', 'synthesis.b32.conv1']);
    expect(Object.keys(fine.latent.noise!)).toEqual(fine.layers);
    expect(fine.latent.noiseMode).toBe('const');
    expect(fine.latent.codes.shape).toEqual([6, 8, 128]);
    const map = fine.latent.noise!['synthesis.b32.conv1'].data;
    expect(map.subarray(0, 1024)).toEqual(map.subarray(3 * 1024, 4 * 1024)); // variant 0 of both latents
    expect(map.subarray(0, 1024)).not.toEqual(map.subarray(1024, 2 * 1024));
    const imgs = await renderLatent(sg2, fine.latent);
    let d = 0;
    for (let p = 0; p < 1024; p++) d += Math.abs(imgs.data[p] - imgs.data[1024 + p]);
    expect(d).toBeGreaterThan(0);
    const std = variationStd(imgs, 3);
    expect(std.shape).toEqual([2, 1, 32, 32]);
    expect(Math.max(...std.data)).toBe(1);
    expect(() => variationStd(imgs, 4)).toThrow(/not a multiple/);
  });
});
