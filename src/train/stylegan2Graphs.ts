import type { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { add, mul, neg, softplus, sub } from '../graph/ops/elementwise.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import type { Program } from '../graph/program.js';
import { input, type Value } from '../graph/value.js';
import type { ResolvedGenerator } from '../models/stylegan2/config.js';
import { type DiscriminatorConfig, discriminatorGraph } from '../models/stylegan2/discriminator.js';
import { broadcastWs, mapToW } from '../models/stylegan2/mapping.js';
import { synthesisGraph } from '../models/stylegan2/synthesis.js';
import { type Scope, Weights } from '../nn/weights.js';
import { type PathLengthSettings, pathLengthBatch, pathLengthTerms } from './pathLength.js';

/** Buffers that are never trained: FIR filters, stored noise maps, the tracked w average. */
export function isStyleGAN2Buffer(key: string): boolean {
  return key.endsWith('resample_filter') || key.endsWith('noise_const') || key === 'mapping.w_avg';
}

export interface TrainGraphs {
  gMain: Program;
  dMain: Program;
  dReg: Program;
  /** Greg (path-length regularisation), when its weight is not 0. */
  gReg?: Program;
  /** Trainable parameter keys in the order of each program's gradient outputs. */
  gParams: string[];
  dParams: string[];
}

interface Sizes {
  batch: number;
}

/**
 * Generator forward for training, stylegan2-ada-pytorch's run_G: z -> w (w_avg untouched),
 * style mixing by a per-batch row mask (rows where mask = 1 come from z, the rest from z2),
 * random noise maps fed as inputs.
 */
function runG(gs: Scope, cfg: ResolvedGenerator, n: number): { img: Value; ws: Value; wMean: Value; feeds: Value[] } {
  const z = input('z', [n, cfg.zDim]);
  const z2 = input('z2', [n, cfg.zDim]);
  const mix = input('mix', [1, cfg.numWs, 1]);
  const m = gs.at('mapping');
  const w = mapToW(m, cfg, z);
  const w2 = mapToW(m, cfg, z2);
  const ws1 = broadcastWs(m, cfg, w);
  const ws2 = broadcastWs(m, cfg, w2);
  const ws = add(ws2, mul(sub(ws1, ws2), mix));
  const noise: Record<string, Value> = {};
  for (const l of cfg.layers)
    if (l.kind === 'conv') noise[l.name] = input(`noise:${l.name}`, [n, 1, l.resolution, l.resolution]);
  const img = synthesisGraph(gs.at('synthesis'), cfg, ws, { noise });
  return { img, ws, wMean: reduceMean(w, [0]), feeds: [z, z2, mix, ...Object.values(noise)] };
}

function trainable(w: Weights): Value[] {
  return w.inputs().filter((v) => v.source.kind === 'input' && !isStyleGAN2Buffer(v.source.name));
}

function nameOf(v: Value): string {
  return v.source.kind === 'input' ? v.source.name : '?';
}

/**
 * The training programs of NVIDIA's StyleGAN2Loss (non-saturating logistic loss):
 * Gmain: mean softplus(-D(G(z))) -> grads w.r.t. G; Dmain: mean softplus(D(G(z))) + softplus(-D(x))
 * -> grads w.r.t. D; Dreg (lazy R1): mean(gamma/2 · |∇x D(x)|²) · interval -> grads w.r.t. D, a
 * second-order gradient through the discriminator; with `pl` (weight ≠ 0) Greg, the lazy path-length
 * penalty (pathLength.ts) -> grads w.r.t. G, a second-order gradient through the generator.
 */
export function buildTrainGraphs(
  g: ReadonlyMap<string, Tensor>,
  d: ReadonlyMap<string, Tensor>,
  cfg: ResolvedGenerator,
  dcfg: DiscriminatorConfig,
  { batch }: Sizes,
  r1: { gamma: number; interval: number },
  pl?: PathLengthSettings,
): TrainGraphs {
  const prefixed = (m: ReadonlyMap<string, Tensor>, p: string) =>
    new Map([...m].map(([k, t]) => [`${p}${k}`, t]));
  const graphsFor = () => {
    const gw = new Weights(prefixed(g, 'G.'), 'input', 'G', (k) => isStyleGAN2Buffer(k.slice(2)));
    const dw = new Weights(prefixed(d, 'D.'), 'input', 'D', (k) => k.endsWith('resample_filter'));
    return { gw, dw };
  };

  // Gmain
  const a = graphsFor();
  const gen = runG(a.gw.at('G'), cfg, batch);
  const genLogits = discriminatorGraph(a.dw.at('D'), dcfg, gen.img);
  const lossG = reduceMean(softplus(neg(genLogits)));
  const gParamsV = trainable(a.gw).filter((v) => nameOf(v).startsWith('G.'));
  const gGrads = grad(lossG, gParamsV);
  const gMain: Program = {
    inputs: [...gen.feeds, ...a.gw.inputs(), ...a.dw.inputs()],
    outputs: [lossG, gen.wMean, ...gGrads],
    outputNames: ['loss', 'wMean', ...gParamsV.map((v) => `grad:${nameOf(v)}`)],
  };

  // Dmain
  const b = graphsFor();
  const fake = runG(b.gw.at('G'), cfg, batch);
  const real = input('real', [batch, dcfg.imgChannels, dcfg.imgResolution, dcfg.imgResolution]);
  const fakeLogits = discriminatorGraph(b.dw.at('D'), dcfg, fake.img);
  const realLogits = discriminatorGraph(b.dw.at('D'), dcfg, real);
  const lossGen = reduceMean(softplus(fakeLogits));
  const lossReal = reduceMean(softplus(neg(realLogits)));
  const dParamsV = trainable(b.dw);
  const dGrads = grad(add(lossGen, lossReal), dParamsV);
  const dMain: Program = {
    inputs: [...fake.feeds, real, ...b.gw.inputs(), ...b.dw.inputs()],
    outputs: [lossGen, lossReal, reduceMean(fakeLogits), reduceMean(realLogits), ...dGrads],
    outputNames: [
      'lossFake',
      'lossReal',
      'scoreFake',
      'scoreReal',
      ...dParamsV.map((v) => `grad:${nameOf(v)}`),
    ],
  };

  // Dreg: R1 on reals, lazily every `interval` steps (scaled by the interval as NVIDIA does).
  const c = graphsFor();
  const realR = input('real', [batch, dcfg.imgChannels, dcfg.imgResolution, dcfg.imgResolution]);
  const logitsR = discriminatorGraph(c.dw.at('D'), dcfg, realR);
  const [gx] = grad(reduceSum(logitsR), [realR]);
  const penalty = reduceSum(mul(gx, gx), [1, 2, 3]); // [N]
  const lossR1 = mul(reduceMean(penalty), (r1.gamma / 2) * r1.interval);
  const dParamsR = trainable(c.dw);
  const rGrads = grad(lossR1, dParamsR);
  const dReg: Program = {
    inputs: [realR, ...c.dw.inputs()],
    outputs: [reduceMean(penalty), ...rGrads],
    outputNames: ['r1', ...dParamsR.map((v) => `grad:${nameOf(v)}`)],
  };

  // Greg: path-length regularisation on batch / shrink fresh latents, lazily every `interval` steps.
  let gReg: Program | undefined;
  if (pl && pl.weight !== 0) {
    const e = graphsFor();
    const n = pathLengthBatch(batch, pl);
    const run = runG(e.gw.at('G'), cfg, n);
    const plNoise = input('plNoise', run.img.shape);
    const plMeanBefore = input('plMeanBefore', []);
    const t = pathLengthTerms(run.ws, run.img, plNoise, plMeanBefore, pl);
    const gParamsP = trainable(e.gw);
    gReg = {
      inputs: [...run.feeds, plNoise, plMeanBefore, ...e.gw.inputs()],
      outputs: [t.penalty, t.plMean, reduceMean(t.lengths), ...grad(t.loss, gParamsP)],
      outputNames: ['plPenalty', 'plMean', 'plLength', ...gParamsP.map((v) => `grad:${nameOf(v)}`)],
    };
  }

  return {
    gMain,
    dMain,
    dReg,
    gReg,
    gParams: gParamsV.map((v) => nameOf(v).slice(2)),
    dParams: dParamsV.map((v) => nameOf(v).slice(2)),
  };
}
