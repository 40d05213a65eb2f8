import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDirections, writeDirections } from '../../src/directions/files.js';
import { f32, pickle, torchZip } from '../formats/pickleBytes.js';

const dir = mkdtempSync(join(tmpdir(), 'latentlab-torchdirs-'));

describe('e4e / PTI direction .pt files (torch zips built opcode by opcode)', () => {
  it('an InterFaceGAN direction tensor [1, dim] (e4e editings/interfacegan_directions/*.pt)', async () => {
    const pkl = pickle()
      .proto(2)
      .tensorV2((p) => p.zipStorage('FloatStorage', '0', 4), 0, [1, 4], [4, 1])
      .stop()
      .done();
    const file = join(dir, 'age.pt');
    writeFileSync(file, torchZip(pkl, { '0': f32([0.5, -0.5, 0.5, -0.5]) }));
    const set = await readDirections(file);
    expect(set.vectors.shape).toEqual([1, 4]);
    expect(Array.from(set.vectors.data)).toEqual([0.5, -0.5, 0.5, -0.5]);
    expect(set.space).toBe('w');
    expect(set.provenance.format).toBe('e4e-interfacegan-pt');
    // The same default label as an InterFaceGAN .npy boundary of the same vector.
    expect(set.labels).toEqual(['boundary']);
    const npy = join(dir, 'age.npy');
    await writeDirections(npy, set);
    expect((await readDirections(npy)).labels).toEqual(set.labels);
  });

  it('a GANSpace PCA dict {comp [K, 1, dim], mean [1, dim], std [K]} (e4e editings/ganspace_pca)', async () => {
    const p = pickle().proto(2).emptyDict().mark();
    p.str('comp').tensorV2((q) => q.zipStorage('FloatStorage', '0', 6), 0, [2, 1, 3], [3, 3, 1]);
    p.str('mean').tensorV2((q) => q.zipStorage('FloatStorage', '1', 3), 0, [1, 3], [3, 1]);
    p.str('std').tensorV2((q) => q.zipStorage('FloatStorage', '2', 2), 0, [2], [1]);
    const file = join(dir, 'pca.pt');
    writeFileSync(file, torchZip(p.setitems().stop().done(), { '0': f32([1, 0, 0, 0, 1, 0]), '1': f32([7, 8, 9]), '2': f32([3, 0.25]) }));
    const set = await readDirections(file, { space: 'w' });
    expect(set.vectors.shape).toEqual([2, 3]);
    expect(set.sigma).toEqual([3, 0.25]);
    expect(Array.from(set.mean!.data)).toEqual([7, 8, 9]);
    expect(set.labels).toEqual(['pc0', 'pc1']);
  });

  it('refuses a dict that is neither format, naming its keys', async () => {
    const p = pickle().proto(2).emptyDict().mark().str('weights').tensorV2((q) => q.zipStorage('FloatStorage', '0', 1), 0, [1], [1]);
    const file = join(dir, 'other.pt');
    writeFileSync(file, torchZip(p.setitems().stop().done(), { '0': f32([1]) }));
    await expect(readDirections(file)).rejects.toThrow(/keys weights/);
  });
});
