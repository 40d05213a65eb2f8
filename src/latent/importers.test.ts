import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { saveNpy, saveNpz } from '../formats/files.js';
import { loadModel } from '../models/io/loadModel.js';
import { readTorchFile } from '../formats/torch.js';
import { writeTorchFile } from '../formats/torchWrite.js';
import type { GanModel } from '../models/ganModel.js';
import { makeNoise } from '../models/generate.js';
import { exportLatent, importLatent } from './importers.js';
import { latentFromSeeds, renderLatent, toWs } from './latent.js';

const SG2 = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;
const DCGAN = new URL('../../models/fmnist-dcgan', import.meta.url).pathname;

let sg2: GanModel;
let dcgan: GanModel;
let dir: string;
beforeAll(async () => {
  [sg2, dcgan] = await Promise.all([loadModel(SG2), loadModel(DCGAN)]);
  dir = await mkdtemp(join(tmpdir(), 'latent-import-'));
});
afterAll(async () => {
  await Promise.all([sg2.release(), dcgan.release()]);
  await rm(dir, { recursive: true, force: true });
});

describe('latent import and export', () => {
  it('reads an NVIDIA projected_w.npz (w [1, numWs, wDim]) as w+ and renders it like the ws it holds', async () => {
    const ws = await toWs(sg2, await latentFromSeeds(sg2, [7], { psi: 0.8 }));
    const path = join(dir, 'projected_w.npz');
    await saveNpz(path, { w: ws });
    const l = await importLatent(sg2, path);
    expect(l.space).toBe('w+');
    expect(l.codes.data).toEqual(ws.data);
    expect(l.provenance).toMatchObject({ kind: 'import', file: 'projected_w.npz', key: 'w' });
  });

  it('.npz, .npy and e4e .pt exports of a seed latent import back to bit-identical renders', async () => {
    const latent = await latentFromSeeds(sg2, [1, 2], { space: 'w+', psi: 0.7 });
    const want = await renderLatent(sg2, latent);
    for (const [file, layout] of [['a.npz', undefined], ['a.npy', undefined], ['e4e.pt', 'e4e']] as const) {
      const path = join(dir, file);
      await exportLatent(sg2, latent, path, { layout });
      const back = await importLatent(sg2, path);
      expect(back.space, file).toBe('w+');
      expect(back.codes.data, file).toEqual(latent.codes.data);
      expect((await renderLatent(sg2, back)).data, file).toEqual(want.data);
    }
  });

  it('a z latent exported to .npz keeps z (and NVIDIA w); .npy needs the space for rank-2 arrays', async () => {
    const z = await latentFromSeeds(sg2, [3, 4]);
    await exportLatent(sg2, z, join(dir, 'z.npz'));
    const back = await importLatent(sg2, join(dir, 'z.npz'));
    expect(back.space).toBe('z');
    expect(back.codes.data).toEqual(z.codes.data);
    const w = await latentFromSeeds(sg2, [3, 4], { space: 'w' });
    await saveNpy(join(dir, 'w.npy'), w.codes);
    expect((await importLatent(sg2, join(dir, 'w.npy'), { space: 'w' })).space).toBe('w');
  });

  it('rosinality projector dicts carry w or w+ and the noise maps; export -> import renders bit-identically', async () => {
    const base = await latentFromSeeds(sg2, [5, 6], { space: 'w' });
    const latent = { ...base, noiseMode: 'random' as const, noise: makeNoise(sg2, 2, 3) };
    const path = join(dir, 'proj.pt');
    await exportLatent(sg2, latent, path);
    // the file is the projector's layout: {name: {latent: [wDim], noise: [[1,1,r,r], ...]}}
    const raw = readTorchFile(await import('node:fs/promises').then((f) => f.readFile(path)), { file: path }) as Map<string, Map<string, unknown>>;
    const first = [...raw.values()][0];
    expect((first.get('latent') as Tensor).shape).toEqual([128]);
    expect((first.get('noise') as Tensor[]).map((t) => t.shape[2])).toEqual([4, 8, 8, 16, 16, 32, 32]);
    const back = await importLatent(sg2, path);
    expect(back.space).toBe('w');
    expect(back.codes.data).toEqual(latent.codes.data);
    expect((await renderLatent(sg2, back)).data).toEqual((await renderLatent(sg2, latent)).data);
    // const-noise latents export their const buffers, so the projector's file still renders the same image
    const constPath = join(dir, 'const.pt');
    await exportLatent(sg2, base, constPath);
    const constBack = await importLatent(sg2, constPath);
    expect((await renderLatent(sg2, constBack)).data).toEqual((await renderLatent(sg2, base)).data);
  });

  it('reads a single rosinality w+ entry and a DCGAN z tensor', async () => {
    const wp = await latentFromSeeds(sg2, [9], { space: 'w+' });
    const one = new Tensor('float32', [8, 128], wp.codes.data);
    const path = join(dir, 'single.pt');
    await import('node:fs/promises').then((f) => f.writeFile(path, writeTorchFile({ latent: one })));
    const back = await importLatent(sg2, path);
    expect(back.space).toBe('w+');
    expect(back.codes.data).toEqual(wp.codes.data);
    const z = await latentFromSeeds(dcgan, [1, 2, 3]);
    await exportLatent(dcgan, z, join(dir, 'dc.pt'));
    const dz = await importLatent(dcgan, join(dir, 'dc.pt'));
    expect(dz.codes.data).toEqual(z.codes.data);
    await expect(importLatent(sg2, join(dir, 'nothing.xyz'))).rejects.toThrow(/cannot read latent file/);
  });
});
