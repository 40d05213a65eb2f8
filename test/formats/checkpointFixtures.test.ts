import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor.js';
import { findNonFinite } from '../../src/formats/nonFinite.js';
import { readNpy } from '../../src/formats/npy.js';
import { type NvidiaSnapshot, readNvidiaPickle } from '../../src/formats/nvidiaPickle.js';
import { PyDict } from '../../src/formats/pyValue.js';
import { collectTensors, stateDictFrom } from '../../src/formats/stateDict.js';
import { readTorchFile } from '../../src/formats/torch.js';
import { fixture, haveFixtures, listing, type ManifestEntry, manifest, tensorSha } from './sharedFixtures.js';

/*
 * Golden SHA-256 digests of tensor bytes below come from a separate reader written in Python
 * with numpy and the standard pickle module (no torch, no code from this repository), run once
 * on these fixture files; the two readers agree on every tensor of every file.
 */

const A = 'A_nvidia_sg2ada_uncond32';
const C = 'C_rosinality_sg2_32';
const D = 'D_dcgan_64';
const E = 'E_vgg16_features_fp16';

const floats = (t: Tensor | undefined) => [...(t as Tensor).toFloat32().data];

describe.skipIf(!haveFixtures)(`${A}: NVIDIA stylegan2-ada snapshot`, () => {
  let snap: NvidiaSnapshot;
  const m = haveFixtures ? manifest(A) : undefined;
  beforeAll(() => {
    snap = readNvidiaPickle(fixture(A, 'network-snapshot-000000.pkl'), {
      file: 'network-snapshot-000000.pkl',
    });
  });

  it('has the top-level entries the manifest lists', () => {
    const keys = ['training_set_kwargs', ...snap.networks.keys()];
    expect(keys).toEqual(m!.pickle_format!.top_level_keys);
    expect(snap.trainingSetKwargs).toMatchObject({ resolution: 32, use_labels: false });
    expect([...snap.networks.values()].map((n) => n.className)).toEqual([
      'Generator',
      'Discriminator',
      'Generator',
      'AugmentPipe',
    ]);
  });

  it('state dicts equal the manifest listings, names in state_dict() order', () => {
    const sds = m!.state_dicts!;
    expect(listing(snap.networks.get('G_ema')!.stateDict)).toEqual(sds.G_ema);
    expect(listing(snap.networks.get('D')!.stateDict)).toEqual(sds.D);
    // The manifest says "same names and shapes as G_ema" for G.
    expect(sds.G).toMatch(/same names and shapes as G_ema/);
    expect(listing(snap.networks.get('G')!.stateDict)).toEqual(sds.G_ema);
    expect([...snap.networks.get('augment_pipe')!.stateDict.keys()]).toEqual(['p', 'Hz_geom', 'Hz_fbank']);
  });

  it('module classes, attributes and constructor arguments equal the manifest module_tree', () => {
    for (const net of ['G_ema', 'D']) {
      const tree = m!.module_tree![net];
      const modules = snap.networks.get(net)!.modules;
      expect(modules.map((x) => x.path || '<root>')).toEqual(Object.keys(tree));
      for (const mod of modules) {
        const ref = tree[mod.path || '<root>'];
        expect(
          { cls: mod.className, attrs: mod.attrs, init_args: mod.initArgs, init_kwargs: mod.initKwargs },
          mod.path,
        ).toEqual({
          cls: ref.cls,
          attrs: ref.attrs,
          init_args: ref.init_args,
          init_kwargs: ref.init_kwargs,
        });
      }
    }
  });

  it('tensor values match an independent reader', () => {
    const g = snap.networks.get('G_ema')!.stateDict;
    expect(tensorSha(g.get('mapping.fc0.weight')!)).toBe(
      '06884f55a0d249c8924a224d55e70160dfbec738f6f5ae98e366721996dc909e',
    );
    expect(tensorSha(g.get('synthesis.b4.const')!)).toBe(
      '9ea7558d3bc4533d01ca65be7f2ef6e48acda05b860d266adefb8765c796f63c',
    );
    expect(tensorSha(g.get('mapping.w_avg')!)).toBe(
      'e1d1cb82b0417f35344387d80fc2f16d6fd465a53982a87ff06a9c954be2b3bc',
    );
    expect(tensorSha(g.get('synthesis.b32.torgb.bias')!)).toBe(
      '8977653ffb73af372491b547226cf86c0f05f36d3441c179bf7cc60202ffcf81',
    );
    const gRaw = snap.networks.get('G')!.stateDict;
    expect(tensorSha(gRaw.get('mapping.fc0.weight')!)).toBe(
      '576b77a5b8eb2e75c4507fe1d1a73e5e61c13fe57cbb9741e8fa16ce8d72348f',
    );
    const d = snap.networks.get('D')!.stateDict;
    expect(tensorSha(d.get('b4.out.weight')!)).toBe(
      '255c7eeb72675678a59dec00b9191b9c0af319989dcb7f6648d6ff1a63b7faf5',
    );
    const aug = snap.networks.get('augment_pipe')!.stateDict;
    expect(tensorSha(aug.get('Hz_fbank')!)).toBe(
      'd30e9fd09ab0e9e04294e693bfa3724b077bc9a61b57fcf860943ae0c97a26ec',
    );
    expect(floats(aug.get('p'))).toEqual([0.25]);
  });

  it('the same snapshot with one global renamed is refused, naming it', () => {
    const bytes = new Uint8Array(fixture(A, 'network-snapshot-000000.pkl'));
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('\x8c\x0bcollections');
    expect(at).toBeGreaterThan(0);
    bytes.set(new TextEncoder().encode('posix.posix'), at + 2);
    expect(() => readNvidiaPickle(bytes, { file: 'tampered.pkl' })).toThrow(
      /^tampered\.pkl: refusing global 'posix\.posix\.OrderedDict'/,
    );
  });

  it('how_made holds: FIR filters untouched, G_ema = G + noise on parameters, same buffers', () => {
    const g = snap.networks.get('G')!.stateDict;
    const e = snap.networks.get('G_ema')!.stateDict;
    const f = [1, 3, 3, 1];
    const outer = f.flatMap((a) => f.map((b) => (a * b) / 64));
    for (const [k, t] of e) {
      if (k.endsWith('resample_filter')) expect(floats(t), k).toEqual(outer);
      const same = floats(t).every((v, i) => v === floats(g.get(k))[i]);
      const buffer = k.endsWith('resample_filter') || k.endsWith('noise_const') || k.endsWith('w_avg');
      expect(same, k).toBe(buffer);
    }
    for (const net of snap.networks.values())
      for (const [k, t] of net.stateDict) expect(findNonFinite(t), k).toBeUndefined();
  });
});

describe.skipIf(!haveFixtures)(`${C}: rosinality checkpoint and SeFa output`, () => {
  it('g_ema equals the manifest state_dict; latent_avg equals mean_latent.npy', () => {
    const ckpt = readTorchFile(fixture(C, 'stylegan2_rosinality_32.pt'), {
      file: 'stylegan2_rosinality_32.pt',
    });
    expect([...(ckpt as PyDict).keys()]).toEqual(['g_ema', 'latent_avg']);
    const g = stateDictFrom(ckpt, 'x', 'g_ema');
    expect(listing(g)).toEqual(manifest(C).state_dict);
    const all = collectTensors(ckpt);
    expect(tensorSha(all.get('g_ema.style.1.weight')!)).toBe(
      'bcf3d691acc3f4f635559efec6c46aa1a80d3f7be15c77a41e6b38df4e77061c',
    );
    expect(tensorSha(all.get('g_ema.noises.noise_6')!)).toBe(
      'fe548f9d157b33f746f78b2fe3070b959e9070f7aef9ca6a68a93fe39be5b718',
    );
    const latentAvg = all.get('latent_avg')!;
    expect(tensorSha(latentAvg)).toBe('f36e5dc385b343660b5b1b2ce9d76c3064014c388fc6fd31bc083f443c71a263');
    expect(floats(latentAvg)).toEqual(floats(readNpy(fixture(C, 'mean_latent.npy'))));
  });

  it('sefa_factor.pt holds the eigenvectors stored in sefa_eigvec.npy', () => {
    const sefa = readTorchFile(fixture(C, 'sefa_factor.pt')) as PyDict;
    expect(sefa.get('ckpt')).toBe('stylegan2_rosinality_32.pt');
    const v = sefa.get('eigvec') as Tensor;
    expect(v.shape).toEqual([64, 64]);
    expect(floats(v)).toEqual(floats(readNpy(fixture(C, 'sefa_eigvec.npy'))));
  });
});

describe.skipIf(!haveFixtures)(`${D}: pytorch/examples DCGAN state dicts`, () => {
  for (const file of ['netG_epoch_0.pth', 'netD_epoch_0.pth']) {
    it(`${file} equals its manifest state_dict`, () => {
      const v = readTorchFile(fixture(D, file), { file });
      expect(v).toBeInstanceOf(PyDict);
      expect((v as PyDict).attrs?.get('_metadata')).toBeInstanceOf(PyDict); // OrderedDict._metadata survives
      const sd = stateDictFrom(v, file);
      expect(listing(sd)).toEqual(manifest(D).files[file].state_dict);
      for (const [k, t] of sd) if (k.endsWith('num_batches_tracked')) expect(t.data[0], k).toBe(8n);
    });
  }
  it('values match an independent reader', () => {
    const sd = stateDictFrom(readTorchFile(fixture(D, 'netG_epoch_0.pth')), 'netG');
    expect(tensorSha(sd.get('main.0.weight')!)).toBe(
      'a3ce6c530478cd4d4ea1a5b8ff394b05b0902f7990be774c5b5e3b19e39b1927',
    );
    expect(tensorSha(sd.get('main.1.running_var')!)).toBe(
      '0e442cfee233f0e3b480ae54cbc61ef4928017d109f31617da7424391a3c09d5',
    );
  });
});

describe.skipIf(!haveFixtures)(`${E}: torchvision VGG16 features in float16`, () => {
  it('names and shapes equal the manifest; data is float16 as the file says', () => {
    const sd = stateDictFrom(readTorchFile(fixture(E, 'vgg16_features_fp16.pth')), 'vgg');
    const expected = manifest(E).files['vgg16_features_fp16.pth'].state_dict as ManifestEntry[];
    // The manifest lists dtype float32 (the upcast copy the outputs used); the file stores float16.
    expect(listing(sd)).toEqual(expected.map((e) => ({ ...e, dtype: 'float16' })));
    expect(tensorSha(sd.get('features.28.weight')!)).toBe(
      '9fc28517b8beee9f9068a77305f905f617caef195c2e4a450b5aec7376040c7e',
    );
    expect(tensorSha(sd.get('features.0.bias')!)).toBe(
      '9553692bd6c072848a94b53998c740d32cdb0c42659577bd58fdcb940f1d921c',
    );
    for (const [k, t] of sd) expect(findNonFinite(t), k).toBeUndefined();
  });
});
