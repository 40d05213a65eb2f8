/**
 * Model cases (issue 3): image generation (mapping + synthesis, weights as initializers, const noise)
 * for the fixture-A generator (NVIDIA pickle) and NVIDIA's paper256 preset with random weights, at
 * batch 1 and 8; on request (issue 22) NVIDIA's FFHQ config at 1024x1024 (`gen1024.b1`, batch 1 only:
 * a call takes seconds; its PyTorch peer is bench/peer/sg2_gen1024.py).
 * FLOPs are counted from the graph itself: 2·MACs of every Conv, ConvTranspose, Gemm and MatMul.
 */
import { existsSync } from 'node:fs';
import { Tensor } from '../src/core/tensor.js';
import { loadModel } from '../src/models/io/loadModel.js';
import { GanModel } from '../src/models/ganModel.js';
import { type BundleManifest, stylegan2Dims } from '../src/models/manifest.js';
import type { Program } from '../src/graph/program.js';
import { topoSort } from '../src/graph/topo.js';
import { input, type Value } from '../src/graph/value.js';
import { type GeneratorConfig, resolveGenerator } from '../src/models/stylegan2/config.js';
import { initDiscriminator, initGenerator, STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { broadcastWs, mapToW } from '../src/models/stylegan2/mapping.js';
import { synthesisGraph } from '../src/models/stylegan2/synthesis.js';
import { Weights } from '../src/nn/weights.js';
import type { ProgramCase } from './engine.js';
import { TARGET_FWD } from './engine.js';

/** 2·MACs of the linear-algebra ops reachable from the program's outputs. */
export function graphFlops(p: Program): number {
  let flops = 0;
  for (const v of topoSort(p.outputs)) {
    if (v.source.kind !== 'op') continue;
    const ins = v.source.inputs;
    const attrs = v.source.attrs as { group?: number; transA?: boolean };
    switch (v.source.op) {
      case 'Conv': {
        const [n, cout, ho, wo] = v.shape;
        const [, cinG, kh, kw] = ins[1].shape;
        flops += 2 * n * cout * ho * wo * cinG * kh * kw;
        break;
      }
      case 'ConvTranspose': {
        const [n, cin, h, w] = ins[0].shape;
        const [, coutG, kh, kw] = ins[1].shape;
        flops += 2 * n * cin * h * w * coutG * kh * kw;
        break;
      }
      case 'Gemm': {
        const [m, nn] = v.shape;
        const k = attrs.transA ? ins[0].shape[0] : ins[0].shape[1];
        flops += 2 * m * nn * k;
        break;
      }
      case 'MatMul': {
        const k = ins[0].shape[ins[0].rank - 1];
        flops += 2 * v.size * k;
        break;
      }
    }
  }
  return flops;
}

export function generatorProgram(g: ReadonlyMap<string, Tensor>, cfg: GeneratorConfig, batch: number): Program {
  const r = resolveGenerator(cfg);
  const w = new Weights(g, 'constant', 'bench');
  const z: Value = input('z', [batch, r.zDim]);
  const ws = broadcastWs(w.at('mapping'), r, mapToW(w.at('mapping'), r, z));
  const img = synthesisGraph(w.at('synthesis'), r, ws, { noiseMode: 'const' });
  return { inputs: [z], outputs: [img], outputNames: ['img'] };
}

export function zFeeds(batch: number, zDim: number): () => Record<string, Tensor> {
  return () => ({
    z: Tensor.float32(
      [batch, zDim],
      Array.from({ length: batch * zDim }, (_, i) => Math.sin(i * 0.71)),
    ),
  });
}

/** A STYLEGAN2_PRESETS network with random weights (G seed 0, D seed 1), as a model: the benches' stand-in for a trained one. */
export function presetModel(preset: keyof typeof STYLEGAN2_PRESETS, withD = false): GanModel {
  const p = STYLEGAN2_PRESETS[preset];
  const manifest: BundleManifest = {
    format: 'latentlab-bundle',
    version: 1,
    name: `${preset} (random weights)`,
    architecture: 'stylegan2',
    generator: p.generator,
    ...(withD ? { discriminator: p.discriminator } : {}),
    ...stylegan2Dims(p.generator),
    provenance: { format: 'init', source: `STYLEGAN2_PRESETS.${preset}`, created: 'bench' },
    contentHash: `bench-${preset}`,
    weightsDtype: 'float32',
  };
  return new GanModel(manifest, initGenerator(p.generator, 0), withD ? initDiscriminator(p.discriminator, 1) : undefined);
}

const FIXTURE_A = '../shared/fixtures/A_nvidia_sg2ada_uncond32/network-snapshot-000000.pkl';

/** Generation cases; the fixture-A ones need ../shared (skipped with a note otherwise). */
export async function modelCases(opts: { gen1024?: boolean } = {}): Promise<ProgramCase[]> {
  const cases: ProgramCase[] = [];
  const add = (
    name: string,
    label: string,
    g: ReadonlyMap<string, Tensor>,
    cfg: GeneratorConfig,
    batch: number,
    target = false,
  ) => {
    const build = () => generatorProgram(g, cfg, batch);
    cases.push({
      name,
      group: 'models',
      label: `${label}, batch ${batch} (img/s = batch / time)`,
      flops: graphFlops(build()),
      build,
      feeds: zFeeds(batch, cfg.zDim),
      ...(target ? { target: { ...TARGET_FWD, minRatio: 0.7, text: 'gen >= 70% ceil' } } : {}),
    });
  };
  if (existsSync(FIXTURE_A)) {
    const m = await loadModel(FIXTURE_A);
    for (const b of [1, 8])
      add(`genA.b${b}`, 'generate, fixture-A G_ema 32x32', m.g, m.manifest.generator as GeneratorConfig, b);
  }
  const p256 = STYLEGAN2_PRESETS.paper256.generator;
  const g256 = initGenerator(p256, 0);
  for (const b of [1, 8]) add(`gen256.b${b}`, 'generate, paper256 preset 256x256', g256, p256, b, true);
  if (opts.gen1024) {
    const p1024 = STYLEGAN2_PRESETS.ffhq1024.generator;
    add('gen1024.b1', 'generate, ffhq1024 preset 1024x1024', initGenerator(p1024, 0), p1024, 1);
  }
  return cases;
}
