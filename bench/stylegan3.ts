/**
 * StyleGAN3 cases (issue 19): NVIDIA's `--cfg=stylegan3-t` generator at 256x256 with random weights
 * (z = w = 512, 2 mapping layers, NVIDIA's init and designed filters): generation z -> image at batch 1
 * and 8 (img/s = batch / time), and one W+ projector step at batch 1 (forward + backward w.r.t. W+,
 * pixel MSE; StyleGAN3 has no noise maps; steps/s = 1 / time).
 *
 * The same shapes on NVIDIA's own code (Debian python3-torch, CPU reference ops):
 *   /usr/bin/python3 bench/peer/sg3_torch.py --stylegan3 DIR [--threads 2] [--seconds 10]
 * (DIR = a checkout of NVlabs/stylegan3). Both only mean something in one quiet sitting.
 */
import { Tensor } from '../src/core/tensor.js';
import { RandomState } from '../src/core/rng.js';
import { input } from '../src/graph/value.js';
import { activeTerms } from '../src/inversion/losses.js';
import { type ProjectionSpec, projectionProgram } from '../src/inversion/program.js';
import { GanModel } from '../src/models/ganModel.js';
import { type BundleManifest, stylegan3Dims } from '../src/models/manifest.js';
import { broadcastWs, mapToW } from '../src/models/stylegan2/mapping.js';
import { styleSynthesis } from '../src/models/styleGraph.js';
import { initSg3Generator, sg3Preset } from '../src/models/stylegan3/init.js';
import type { ProgramCase } from './engine.js';
import { graphFlops } from './models.js';

export function sg3t256(): GanModel {
  const cfg = sg3Preset('t', 256);
  const manifest: BundleManifest = {
    format: 'latentlab-bundle',
    version: 1,
    name: 'stylegan3-t 256 (random weights)',
    architecture: 'stylegan3',
    generator: cfg,
    ...stylegan3Dims(cfg),
    provenance: { format: 'init', source: "sg3Preset('t', 256)", created: 'bench' },
    contentHash: 'bench-sg3t256',
    weightsDtype: 'float32',
  };
  return new GanModel(manifest, initSg3Generator(cfg, 0));
}

export function stylegan3Cases(): ProgramCase[] {
  const model = sg3t256();
  const s = model.styleSpace();
  const cases: ProgramCase[] = [];
  for (const b of [1, 8]) {
    const build = () => {
      const z = input('z', [b, s.zDim]);
      const m = model.generatorWeights().at('mapping');
      const img = styleSynthesis(model, broadcastWs(m, s, mapToW(m, s, z)));
      return { inputs: [z], outputs: [img], outputNames: ['img'] };
    };
    cases.push({
      name: `sg3t256.b${b}`,
      group: 'stylegan3',
      label: `generate, stylegan3-t 256x256 (random weights), batch ${b} (img/s = batch / time)`,
      flops: graphFlops(build()),
      build,
      feeds: () => ({ z: Tensor.float32([b, s.zDim], new RandomState(b).standardNormalFloat32([b, s.zDim])) }),
    });
  }
  const spec: ProjectionSpec = {
    space: 'w+',
    batch: 1,
    optimizeNoise: false,
    terms: activeTerms(model, { mse: 1 }, {}),
    nets: {},
    psi: 1,
    cutoff: null,
    latentMean: Tensor.float32([s.numWs, s.wDim]),
  };
  const step = () => projectionProgram(model, spec);
  cases.push({
    name: 'sg3t256.projstep',
    group: 'stylegan3',
    label: 'stylegan3-t 256x256: projector step (fwd+bwd w.r.t. W+, MSE; steps/s = 1/time)',
    flops: graphFlops(step()),
    build: step,
    feeds: () => {
      const rng = new RandomState(0);
      return {
        latent: Tensor.float32([1, s.numWs, s.wDim], rng.standardNormalFloat32([s.numWs * s.wDim])),
        target: Tensor.float32([1, 3, 256, 256], rng.standardNormalFloat32([3 * 256 * 256]).map(Math.tanh)),
        mask: Tensor.float32([1, 1, 256, 256], new Float32Array(256 * 256).fill(1)),
      };
    },
  });
  return cases;
}
