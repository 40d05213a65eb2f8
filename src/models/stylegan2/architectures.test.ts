import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../core/tensor.js';
import { input } from '../../graph/value.js';
import { Weights } from '../../nn/weights.js';
import { clearSessionCache, compile } from '../../runtime/compile.js';
import { type GeneratorConfig, inferGeneratorConfig, resolveGenerator, type SynthesisArchitecture } from './config.js';
import { type DiscriminatorConfig, discriminatorGraph, inferDiscriminatorConfig } from './discriminator.js';
import { channelTable, initDiscriminator, initGenerator } from './init.js';
import { broadcastWs, mapToW } from './mapping.js';
import { synthesisGraph } from './synthesis.js';

afterAll(clearSessionCache);

// Fixture A proves the 'skip' generator and 'resnet' discriminator number for number; these tests
// run the other architectures and the conditional paths end to end on NVIDIA-initialised weights.
function configs(arch: SynthesisArchitecture, cDim: number): { g: GeneratorConfig; d: DiscriminatorConfig } {
  const channels = channelTable(16, 256, 32);
  return {
    g: { zDim: 16, cDim, wDim: 16, imgResolution: 16, imgChannels: 3, mappingLayers: 3, mappingLrMultiplier: 0.01, architecture: arch, channels, convClamp: 256 },
    d: { imgResolution: 16, imgChannels: 3, cDim, channels, architecture: arch, cmapDim: cDim ? 16 : 0, mappingLayers: cDim ? 2 : 0, mbstdGroupSize: 2, mbstdChannels: 1, convClamp: 256 },
  };
}

describe.each([
  ['skip', 0],
  ['resnet', 0],
  ['orig', 0],
  ['skip', 5],
] as const)('StyleGAN2 %s architecture, c_dim %i', (arch, cDim) => {
  it('infers its config from the weights and runs G and D', async () => {
    const { g, d } = configs(arch, cDim);
    const gw = new Weights(initGenerator(g, 1));
    const dw = new Weights(initDiscriminator(d, 2));
    expect(inferGeneratorConfig(gw, { convClamp: 256 })).toEqual(g);
    expect(inferDiscriminatorConfig(dw, { convClamp: 256, mbstdGroupSize: 2 })).toEqual(d);
    const r = resolveGenerator(g);
    expect(r.numWs).toBe(6); // 16x16: 1 + 2 + 2 convs, + the last toRGB
    const z = input('z', [4, 16]);
    const c = cDim ? input('c', [4, cDim]) : null;
    const ws = broadcastWs(gw.at('mapping'), r, mapToW(gw.at('mapping'), r, z, c), { psi: 0.7 });
    const img = synthesisGraph(gw.at('synthesis'), r, ws, { noiseMode: 'const' });
    const logits = discriminatorGraph(dw.at(''), d, img, c);
    const exe = await compile({ inputs: c ? [z, c] : [z], outputs: [img, logits], outputNames: ['img', 'logits'] });
    const feeds: Record<string, Tensor> = { z: Tensor.float32([4, 16], Array.from({ length: 64 }, (_, i) => Math.sin(i))) };
    if (cDim) feeds.c = Tensor.float32([4, cDim], Array.from({ length: 4 * cDim }, (_, i) => (i % cDim === i % 4 ? 1 : 0)));
    const out = await exe.runNamed(feeds);
    expect(out.img.shape).toEqual([4, 3, 16, 16]);
    expect(out.logits.shape).toEqual([4, 1]);
    expect(Array.from(out.img.f32).every(Number.isFinite)).toBe(true);
    expect(Array.from(out.logits.f32).every(Number.isFinite)).toBe(true);
    // Different samples give different images (the latent reaches the pixels).
    expect(out.img.f32.slice(0, 768).some((v, i) => v !== out.img.f32[768 + i])).toBe(true);
    await exe.release();
  });
});
