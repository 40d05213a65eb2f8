import { describe, expect, it } from 'vitest';
import { discriminatorHints, generatorHints, type ModuleAttrs, storedConvClamp } from './fromNvidia.js';

// stylegan3's train.py never passes conv_clamp (unless --fp32), so its pickles' init kwargs leave it out
// while its networks_stylegan2.py defaults it to 256 (stylegan2-ada-pytorch's networks.py: None).
// The clamp each layer stored is what the network computes with.
describe('NVIDIA conv_clamp hints', () => {
  const sg3RepoD: ModuleAttrs = [
    { path: '', attrs: {} },
    { path: 'b32.fromrgb', attrs: { conv_clamp: 256 } },
    { path: 'b32.skip', attrs: { conv_clamp: null } },
    { path: 'b4.conv', attrs: { conv_clamp: 256 } },
  ];

  it('reads the clamp the discriminator layers stored when the init kwargs leave it out', () => {
    const kwargs = { channel_base: 1024, epilogue_kwargs: { mbstd_group_size: 4 } };
    expect(discriminatorHints(kwargs)).toEqual({ convClamp: null, mbstdGroupSize: 4 });
    expect(discriminatorHints(kwargs, sg3RepoD)).toEqual({ convClamp: 256, mbstdGroupSize: 4 });
    // --fp32: conv_clamp=None passed and stored
    expect(discriminatorHints({ conv_clamp: null }, [{ path: 'b4.conv', attrs: { conv_clamp: null } }]).convClamp).toBeNull();
  });

  it('generator: stored clamp first, then synthesis_kwargs (ada) or the flat kwarg (stylegan3 repo)', () => {
    expect(generatorHints({ synthesis_kwargs: { conv_clamp: 256 } }).convClamp).toBe(256);
    expect(generatorHints({ conv_clamp: 128 }).convClamp).toBe(128);
    expect(generatorHints({}, [{ path: 'synthesis.b4.conv1', attrs: { conv_clamp: 256 } }]).convClamp).toBe(256);
    expect(generatorHints({}).convClamp).toBeNull();
  });

  it('storedConvClamp: undefined when the module or attribute is absent', () => {
    expect(storedConvClamp(undefined, 'b4.conv')).toBeUndefined();
    expect(storedConvClamp([{ path: 'b4.conv', attrs: {} }], 'b4.conv')).toBeUndefined();
    expect(storedConvClamp(sg3RepoD, 'b32.skip')).toBeNull();
  });
});
