/**
 * Projection cases (issue 6): one projector step (forward + backward w.r.t. the W+ latent and the noise
 * maps, pixel MSE + NVIDIA's noise regulariser, the program `project` compiles) next to the forward pass
 * of the same generator with the same inputs, at batch 1, for the shipped StyleGAN2 and NVIDIA's
 * paper256 preset (random weights). Steps/s = 1 / time; the target is a step <= 3x a forward.
 */
import { existsSync } from 'node:fs';
import { Tensor } from '../src/core/tensor.js';
import { RandomState } from '../src/core/rng.js';
import { loadModel } from '../src/models/io/loadModel.js';
import type { Program } from '../src/graph/program.js';
import { input, type Value } from '../src/graph/value.js';
import { activeTerms } from '../src/inversion/losses.js';
import { noiseLayers, type ProjectionSpec, projectionProgram } from '../src/inversion/program.js';
import type { GanModel } from '../src/models/ganModel.js';
import { synthesisGraph } from '../src/models/stylegan2/synthesis.js';
import type { ProgramCase } from './engine.js';
import { graphFlops, presetModel } from './models.js';

const SHIPPED = 'models/fmnist-stylegan2';

function spec(model: GanModel, withNoise = true): ProjectionSpec {
  const cfg = model.stylegan2();
  return {
    space: 'w+',
    batch: 1,
    optimizeNoise: withNoise,
    terms: activeTerms(model, withNoise ? { mse: 1, noise: 1e5 } : { mse: 1 }, {}),
    nets: {},
    psi: 1,
    cutoff: null,
    latentMean: Tensor.float32([cfg.numWs, cfg.wDim]),
  };
}

function forwardProgram(model: GanModel): Program {
  const cfg = model.stylegan2();
  const ws = input('latent', [1, cfg.numWs, cfg.wDim]);
  const noise: Record<string, Value> = {};
  for (const l of noiseLayers(model))
    noise[l.name] = input(`noise:${l.name}`, [1, 1, l.resolution, l.resolution]);
  const img = synthesisGraph(model.generatorWeights().at('synthesis'), cfg, ws, { noiseMode: 'const', noise });
  return { inputs: [ws, ...Object.values(noise)], outputs: [img], outputNames: ['img'] };
}

function feedsFor(model: GanModel, step: boolean, noise = true): () => Record<string, Tensor> {
  return () => {
    const cfg = model.stylegan2();
    const rng = new RandomState(0);
    const r = model.resolution;
    const f: Record<string, Tensor> = {
      latent: Tensor.float32([1, cfg.numWs, cfg.wDim], rng.standardNormalFloat32([cfg.numWs * cfg.wDim])),
    };
    if (noise)
      for (const l of noiseLayers(model))
        f[`noise:${l.name}`] = Tensor.float32(
          [1, 1, l.resolution, l.resolution],
          rng.standardNormalFloat32([l.resolution ** 2]),
        );
    if (step) {
      f.target = Tensor.float32(
        [1, model.imgChannels, r, r],
        rng.standardNormalFloat32([model.imgChannels * r * r]).map(Math.tanh),
      );
      f.mask = Tensor.float32([1, 1, r, r], new Float32Array(r * r).fill(1));
    }
    return f;
  };
}


export async function projectionCases(): Promise<ProgramCase[]> {
  const cases: ProgramCase[] = [];
  const add = (key: string, label: string, model: GanModel) => {
    const fwd = () => forwardProgram(model);
    const step = () => projectionProgram(model, spec(model));
    cases.push({
      name: `proj.${key}.fwd`,
      group: 'projection',
      label: `${label}: forward (W+ and noise maps -> image)`,
      flops: graphFlops(fwd()),
      build: fwd,
      feeds: feedsFor(model, false),
    });
    cases.push({
      name: `proj.${key}.step`,
      group: 'projection',
      label: `${label}: projector step (fwd+bwd w.r.t. W+ and noise, MSE + noise reg; steps/s = 1/time)`,
      flops: graphFlops(step()),
      build: step,
      feeds: feedsFor(model, true),
      note: 'target: a step costs <= 3x the forward above',
    });
    const latentOnly = () => projectionProgram(model, spec(model, false));
    cases.push({
      name: `proj.${key}.steplatent`,
      group: 'projection',
      label: `${label}: step w.r.t. W+ only (stored noise maps, MSE; --no-noise, L-BFGS's default)`,
      flops: graphFlops(latentOnly()),
      build: latentOnly,
      feeds: feedsFor(model, true, false),
    });
  };
  if (existsSync(`${SHIPPED}/model.json`))
    add('sg2', 'shipped fmnist-stylegan2 32x32, batch 1', await loadModel(SHIPPED));
  add('256', 'paper256 preset 256x256 (random weights), batch 1', presetModel('paper256'));
  return cases;
}
