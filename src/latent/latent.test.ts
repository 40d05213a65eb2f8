import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, FormatError, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
import { makeNoise } from '../models/generate.js';
import type { GanModel } from '../models/ganModel.js';
import { decodeLatent, encodeLatent, loadLatent, saveLatent } from './file.js';
import { concatLatents, latentFromCodes, latentFromSeeds, renderLatent, selectRows, toWs } from './latent.js';

const SG2 = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;
const DCGAN = new URL('../../models/fmnist-dcgan', import.meta.url).pathname;

let sg2: GanModel;
let dir: string;
beforeAll(async () => {
  sg2 = await loadModel(SG2);
  dir = await mkdtemp(join(tmpdir(), 'latent-'));
});
afterAll(async () => {
  await sg2.release();
  await rm(dir, { recursive: true, force: true });
});

describe('latents', () => {
  it('z, w and w+ of the same seeds render the same images', async () => {
    const z = await latentFromSeeds(sg2, [3, 4], { psi: 0.7 });
    const w = await latentFromSeeds(sg2, [3, 4], { psi: 0.7, space: 'w' });
    const wp = await latentFromSeeds(sg2, [3, 4], { psi: 0.7, space: 'w+' });
    expect(w.codes.shape).toEqual([2, 128]);
    expect(wp.codes.shape).toEqual([2, 8, 128]);
    const [a, b, c] = await Promise.all([renderLatent(sg2, z), renderLatent(sg2, w), renderLatent(sg2, wp)]);
    expect(b.data).toEqual(a.data);
    expect(c.data).toEqual(a.data);
    expect((await toWs(sg2, w)).data).toEqual(wp.codes.data);
  });

  it('a saved and reloaded latent with explicit noise maps renders bit-identical images', async () => {
    const base = await latentFromSeeds(sg2, [11, 12, 13], { space: 'w+' });
    const latent = { ...base, noiseMode: 'random' as const, noise: makeNoise(sg2, 3, 5) };
    const path = join(dir, 'a.latent.safetensors');
    await saveLatent(path, latent);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const back = await loadLatent(path, sg2);
    expect(back.codes.data).toEqual(latent.codes.data);
    expect(Object.keys(back.noise!).sort()).toEqual(Object.keys(latent.noise).sort());
    expect(back.provenance).toEqual({ kind: 'seeds', seeds: [11, 12, 13] });
    const [x, y] = [await renderLatent(sg2, latent), await renderLatent(sg2, back)];
    expect(y.data).toEqual(x.data);
    // the stored maps matter: other noise gives other pixels
    const other = await renderLatent(sg2, { ...latent, noise: makeNoise(sg2, 3, 6) });
    expect(other.data).not.toEqual(x.data);
  });

  it('selects and concatenates rows, noise included', async () => {
    const a = { ...(await latentFromSeeds(sg2, [1, 2, 3], { space: 'w' })), noise: makeNoise(sg2, 3, 1) };
    const picked = selectRows(a, [2, 0]);
    expect(picked.codes.shape).toEqual([2, 128]);
    expect(Array.from(picked.codes.data.subarray(0, 128))).toEqual(Array.from(a.codes.data.subarray(256, 384)));
    const both = concatLatents([picked, selectRows(a, [1])]);
    expect(both.codes.shape).toEqual([3, 128]);
    const imgs = await renderLatent(sg2, both);
    const ref = await renderLatent(sg2, a);
    const px = imgs.size / 3;
    expect(imgs.data.subarray(0, px)).toEqual(ref.data.subarray(2 * px, 3 * px));
    expect(imgs.data.subarray(2 * px)).toEqual(ref.data.subarray(px, 2 * px));
  });

  it('refuses codes of the wrong shape, bad noise maps and other models, naming them', async () => {
    expect(() => latentFromCodes(sg2, 'w+', Tensor.float32([2, 7, 128]))).toThrow(ShapeError);
    expect(() => latentFromCodes(sg2, 'w', Tensor.float32([2, 128]), { noise: { 'synthesis.b8.conv0': Tensor.float32([2, 1, 4, 4]) } })).toThrow(
      /noise map 'synthesis.b8.conv0' has shape \[2,1,4,4\], expected \[2, 1, 8, 8\]/,
    );
    expect(() => latentFromCodes(sg2, 'w', Tensor.float32([1, 128]), { noise: { nope: Tensor.float32([1, 1, 4, 4]) } })).toThrow(
      ArgumentError,
    );
    const dcgan = await loadModel(DCGAN);
    expect(() => latentFromCodes(dcgan, 'w', Tensor.float32([1, 100]))).toThrow(/only latent space is z/);
    const path = join(dir, 'd.latent.safetensors');
    await saveLatent(path, await latentFromSeeds(dcgan, [0]));
    await expect(loadLatent(path, sg2)).rejects.toThrow(/was saved for model fmnist-dcgan/);
    await dcgan.release();
  });

  it('rejects corrupt files with FormatError', async () => {
    const good = encodeLatent(await latentFromSeeds(sg2, [0]));
    expect(() => decodeLatent(good.subarray(0, 20), 'x')).toThrow(FormatError);
    const text = Buffer.from(good).toString('latin1').replace('\\"space\\":\\"z\\"', '\\"space\\":\\"q\\"');
    expect(() => decodeLatent(Buffer.from(text, 'latin1'), 'x')).toThrow(/space "q"/);
  });
});
