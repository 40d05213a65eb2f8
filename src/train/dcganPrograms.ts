import type { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { add, neg, sigmoid, softplus } from '../graph/ops/elementwise.js';
import { reduceMean } from '../graph/ops/reduce.js';
import { type Program, program } from '../graph/program.js';
import { input, type Value } from '../graph/value.js';
import type { DcganDiscriminatorConfig, DcganGeneratorConfig } from '../models/dcgan/config.js';
import { dcganDiscriminate, dcganGenerate } from '../models/dcgan/networks.js';
import { type BatchStatsSink, isBatchNormBuffer } from '../nn/batchnorm.js';
import { Weights } from '../nn/weights.js';

/**
 * The DCGAN training graphs (pytorch/examples dcgan/main.py). Parameters are graph inputs named
 * `netG.<key>` / `netD.<key>` (fed from the host each step, updated there by Adam); BatchNorm runs
 * in train mode and its batch statistics are outputs, so the host updates the running statistics
 * exactly as PyTorch's forward passes would. BCE on the sigmoid output is written on the logits:
 * BCE(σ(l), 1) = softplus(−l), BCE(σ(l), 0) = softplus(l).
 */

/** Output names. */
export const gradName = (param: string): string => `grad.${param}`;
export const statName = (pass: string, layer: string, which: 'mean' | 'var'): string =>
  `bn.${pass}.${layer}.${which}`;

/** One train-mode BatchNorm pass over a layer: where to find its statistics in the outputs. */
export interface StatsRef {
  /** 'G' (generator), 'Dreal', 'Dfake', 'Dgen' (D on fakes in the G step). */
  pass: string;
  /** Layer prefix in its own state dict (`main.1`). */
  layer: string;
  /** Elements per channel (N·H·W), the unbiasing count. */
  count: number;
}

export interface TrainGraph {
  program: Program;
  /** Trainable parameters whose gradients are outputs (`grad.<name>`), by graph input name. */
  wrt: string[];
  /** BatchNorm statistics outputs, in the order PyTorch updates the running statistics. */
  stats: StatsRef[];
}

export interface DcganGraphSpec {
  g: DcganGeneratorConfig;
  d: DcganDiscriminatorConfig;
  /** State dicts (their trainable tensors become inputs; only shapes are read). */
  gState: ReadonlyMap<string, Tensor>;
  dState: ReadonlyMap<string, Tensor>;
  batch: number;
}

/** `netG.*` and `netD.*` keys over both state dicts. */
export function combinedState(
  gState: ReadonlyMap<string, Tensor>,
  dState: ReadonlyMap<string, Tensor>,
): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const [k, t] of gState) m.set(`netG.${k}`, t);
  for (const [k, t] of dState) m.set(`netD.${k}`, t);
  return m;
}

/** Trainable keys of a state dict (everything but BatchNorm buffers), in state-dict order. */
export function trainableKeys(state: ReadonlyMap<string, Tensor>): string[] {
  return [...state.keys()].filter((k) => !isBatchNormBuffer(k));
}

function collect(
  outputs: Record<string, Value>,
  stats: StatsRef[],
  pass: string,
  net: string,
  sink: BatchStatsSink,
): void {
  for (const [prefix, s] of sink) {
    const layer = prefix.slice(net.length + 1); // 'netD.main.3' → 'main.3'
    outputs[statName(pass, layer, 'mean')] = s.mean;
    outputs[statName(pass, layer, 'var')] = s.variance;
    stats.push({ pass, layer, count: s.count });
  }
}

/**
 * D step: fake = G(z) (detached: no gradient reaches G), errD = BCE(D(real), 1) + BCE(D(fake), 0),
 * gradients w.r.t. D's parameters. Inputs: real [B, nc, R, R], z [B, nz], every netG/netD parameter.
 * Outputs: errReal, errFake, dReal = mean D(real), dFake = mean D(fake), grad.netD.*, bn.{G,Dreal,Dfake}.*.
 */
export function dStepGraph(spec: DcganGraphSpec): TrainGraph {
  const { g, d, batch } = spec;
  const w = new Weights(
    combinedState(spec.gState, spec.dState),
    'input',
    'dcgan (D step)',
    isBatchNormBuffer,
  );
  const real = input('real', [batch, d.nc, d.imageSize, d.imageSize]);
  const z = input('z', [batch, g.nz]);
  const gSink: BatchStatsSink = new Map();
  const realSink: BatchStatsSink = new Map();
  const fakeSink: BatchStatsSink = new Map();
  const fake = dcganGenerate(w.at('netG'), g, z, { train: true, stats: gSink });
  const lReal = dcganDiscriminate(w.at('netD'), d, real, { train: true, logits: true, stats: realSink });
  const lFake = dcganDiscriminate(w.at('netD'), d, fake, { train: true, logits: true, stats: fakeSink });
  const errReal = reduceMean(softplus(neg(lReal)));
  const errFake = reduceMean(softplus(lFake));
  const wrt = trainableKeys(spec.dState).map((k) => `netD.${k}`);
  const grads = grad(
    add(errReal, errFake),
    wrt.map((k) => w.get(k)),
  );
  const outputs: Record<string, Value> = {
    errReal,
    errFake,
    dReal: reduceMean(sigmoid(lReal)),
    dFake: reduceMean(sigmoid(lFake)),
  };
  wrt.forEach((k, i) => {
    outputs[gradName(k)] = grads[i];
  });
  // PyTorch's order: netD(real), netG(noise), netD(fake.detach()).
  const stats: StatsRef[] = [];
  collect(outputs, stats, 'Dreal', 'netD', realSink);
  collect(outputs, stats, 'G', 'netG', gSink);
  collect(outputs, stats, 'Dfake', 'netD', fakeSink);
  return { program: program([real, z, ...w.inputs()], outputs), wrt, stats };
}

/**
 * G step: errG = BCE(D(G(z)), 1) with D's freshly updated parameters, gradients w.r.t. G's.
 * Inputs: z, every netG/netD parameter. Outputs: errG, dGen = mean D(G(z)), grad.netG.*, bn.Dgen.*.
 * (G's own statistics equal the D step's, which already updated G's running statistics.)
 */
export function gStepGraph(spec: DcganGraphSpec): TrainGraph {
  const { g, d, batch } = spec;
  const w = new Weights(
    combinedState(spec.gState, spec.dState),
    'input',
    'dcgan (G step)',
    isBatchNormBuffer,
  );
  const z = input('z', [batch, g.nz]);
  const genSink: BatchStatsSink = new Map();
  const fake = dcganGenerate(w.at('netG'), g, z, { train: true });
  const logits = dcganDiscriminate(w.at('netD'), d, fake, { train: true, logits: true, stats: genSink });
  const errG = reduceMean(softplus(neg(logits)));
  const wrt = trainableKeys(spec.gState).map((k) => `netG.${k}`);
  const grads = grad(
    errG,
    wrt.map((k) => w.get(k)),
  );
  const outputs: Record<string, Value> = { errG, dGen: reduceMean(sigmoid(logits)) };
  wrt.forEach((k, i) => {
    outputs[gradName(k)] = grads[i];
  });
  const stats: StatsRef[] = [];
  collect(outputs, stats, 'Dgen', 'netD', genSink);
  return { program: program([z, ...w.inputs()], outputs), wrt, stats };
}

/**
 * netG in eval mode (running statistics, what a bundle generates with) with every tensor, buffers
 * included, as an input: one compiled program serves every snapshot. Input names are G's keys.
 */
export function sampleGraph(
  g: DcganGeneratorConfig,
  gState: ReadonlyMap<string, Tensor>,
  count: number,
): Program {
  const w = new Weights(gState, 'input', 'dcgan (samples)');
  const z = input('z', [count, g.nz]);
  const img = dcganGenerate(w.at(''), g, z);
  return program([z, ...w.inputs()], { img });
}
