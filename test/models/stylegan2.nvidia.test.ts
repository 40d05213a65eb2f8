import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor.js';
import { loadNvidiaPickle } from '../../src/formats/files.js';
import { grad } from '../../src/graph/autodiff.js';
import { mul } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { trace } from '../../src/graph/program.js';
import { inferGeneratorConfig, type ResolvedGenerator, resolveGenerator } from '../../src/models/stylegan2/config.js';
import { discriminatorGraph, inferDiscriminatorConfig } from '../../src/models/stylegan2/discriminator.js';
import { discriminatorHints, generatorHints } from '../../src/models/stylegan2/fromNvidia.js';
import { broadcastWs, mapToW } from '../../src/models/stylegan2/mapping.js';
import { synthesisGraph } from '../../src/models/stylegan2/synthesis.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';
import { fixtureCase, haveFixtures, maxAbsDiff } from '../fixtures.js';

// Tolerances: each output's `suggested_atol` from the fixture manifest (max(1e-4, 20x the larger of
// the thread-count rerun and float64-evaluation differences)). We observe 5e-6 on images.
const A = fixtureCase('A_nvidia_sg2ada_uncond32');

afterAll(clearSessionCache);

describe.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))('StyleGAN2 vs NVIDIA stylegan2-ada-pytorch (fixture A)', () => {
  let G: Weights;
  let Graw: Weights;
  let cfg: ResolvedGenerator;
  let D: Weights;
  let dHints: ReturnType<typeof discriminatorHints>;
  const expectClose = async (file: string, got: Tensor) => {
    const err = maxAbsDiff(got, await A.load(file));
    expect(err, `${file}: max abs error ${err}`).toBeLessThanOrEqual(A.atol(file));
  };

  beforeAll(async () => {
    const snap = await loadNvidiaPickle(A.path('network-snapshot-000000.pkl'));
    const ema = snap.networks.get('G_ema')!;
    G = new Weights(ema.stateDict, 'constant', 'G_ema');
    Graw = new Weights(snap.networks.get('G')!.stateDict, 'constant', 'G');
    cfg = resolveGenerator(inferGeneratorConfig(G, generatorHints(ema.initKwargs)));
    const d = snap.networks.get('D')!;
    D = new Weights(d.stateDict, 'constant', 'D');
    dHints = discriminatorHints(d.initKwargs);
  });

  it('reads the configuration from the weights and kwargs', () => {
    expect(cfg).toMatchObject({ zDim: 64, wDim: 64, mappingLayers: 2, imgResolution: 32, numWs: 8, architecture: 'skip', convClamp: 256 });
    const table = cfg.layers.map((l) => ({ layer: l.name, ws_index: l.wsIndex }));
    expect(table).toEqual(A.manifest.ws_index_per_layer);
  });

  it.each(['shared', 'grouped'] as const)('mapping, truncation, synthesis and gradients match (%s modconv)', async (path) => {
    const z = await A.load('z.npy');
    const R = await A.load('R.npy');
    const wsPlus = await A.load('ws_plus.npy');
    const wsMix = await A.load('ws_mix.npy');
    const program = trace({ z: { shape: z.shape }, R: { shape: R.shape }, wsPlus: { shape: wsPlus.shape }, wsMix: { shape: wsMix.shape } }, (v) => {
      const m = G.at('mapping');
      const w = mapToW(m, cfg, v.z);
      const ws1 = broadcastWs(m, cfg, w);
      const ws7 = broadcastWs(m, cfg, w, { psi: 0.7 });
      const ws7c = broadcastWs(m, cfg, w, { psi: 0.7, cutoff: 2 });
      const s = G.at('synthesis');
      const img = synthesisGraph(s, cfg, ws1, { noiseMode: 'const', path });
      const [gz, gws] = grad(reduceSum(mul(img, v.R)), [v.z, ws1]);
      return {
        ws1,
        ws7,
        ws7c,
        img,
        gz,
        gws,
        imgNone: synthesisGraph(s, cfg, ws1, { noiseMode: 'none', path }),
        img7: synthesisGraph(s, cfg, ws7, { noiseMode: 'const', path }),
        img7c: synthesisGraph(s, cfg, ws7c, { noiseMode: 'const', path }),
        imgPlus: synthesisGraph(s, cfg, v.wsPlus, { noiseMode: 'const', path }),
        imgMix: synthesisGraph(s, cfg, v.wsMix, { noiseMode: 'const', path }),
      };
    });
    const out = await (await compile(program)).runNamed({ z, R, wsPlus, wsMix });
    await expectClose('ws_psi1.npy', out.ws1);
    await expectClose('ws_psi0.7.npy', out.ws7);
    await expectClose('ws_psi0.7_cutoff2.npy', out.ws7c);
    await expectClose('img_const.npy', out.img);
    await expectClose('img_none.npy', out.imgNone);
    await expectClose('img_psi0.7_const.npy', out.img7);
    await expectClose('img_G_forward_psi0.7_cutoff2_const.npy', out.img7c);
    await expectClose('img_wplus_const.npy', out.imgPlus);
    await expectClose('img_mix_const.npy', out.imgMix);
    await expectClose('grad_z.npy', out.gz);
    // grad_ws is w.r.t. the ws tensor fed to synthesis: the gradient at the broadcast ws1 value.
    await expectClose('grad_ws.npy', out.gws);
  });

  it('the non-EMA generator G is a different network (G_img_const)', async () => {
    const z = await A.load('z.npy');
    const gCfg = resolveGenerator(inferGeneratorConfig(Graw, { convClamp: cfg.convClamp }));
    const program = trace({ z: { shape: z.shape } }, ({ z }) => {
      const ws = broadcastWs(Graw.at('mapping'), gCfg, mapToW(Graw.at('mapping'), gCfg, z));
      return { img: synthesisGraph(Graw.at('synthesis'), gCfg, ws, { noiseMode: 'const' }) };
    });
    const { img } = await (await compile(program)).runNamed({ z });
    await expectClose('G_img_const.npy', img);
    expect(maxAbsDiff(img, await A.load('img_const.npy'))).toBeGreaterThan(1e-2);
  });

  it('discriminator logits and input gradient match', async () => {
    const dcfg = inferDiscriminatorConfig(D, dHints);
    expect(dcfg).toMatchObject({ architecture: 'resnet', mbstdGroupSize: 4, mbstdChannels: 1, convClamp: 256 });
    const img = await A.load('img_const.npy');
    const imgPlus = await A.load('img_wplus_const.npy');
    const program = trace({ img: { shape: img.shape }, imgPlus: { shape: imgPlus.shape } }, (v) => {
      const logits = discriminatorGraph(D.at(''), dcfg, v.img);
      return { logits, logitsPlus: discriminatorGraph(D.at(''), dcfg, v.imgPlus), g: grad(reduceSum(logits), [v.img])[0] };
    });
    const out = await (await compile(program)).runNamed({ img, imgPlus });
    await expectClose('D_logits_img_const.npy', out.logits);
    await expectClose('D_logits_img_wplus.npy', out.logitsPlus);
    await expectClose('grad_D_wrt_img.npy', out.g);
  });
});
