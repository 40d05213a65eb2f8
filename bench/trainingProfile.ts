/**
 * Where a training step's time goes, per ONNX op type (ORT's profiler), for the trainers' real programs:
 *
 *   npx tsx bench/trainingProfile.ts [--only dcgan.d,dcgan.g,sg2.gMain,sg2.dMain,sg2.dReg] [--threads 2]
 *                                    [--runs 5] [--variant TAG[+TAG]]
 *
 * dcgan.d / dcgan.g: the fmnist-dcgan D and G step programs (batch 64); sg2.*: the fmnist-stylegan2 Gmain,
 * Dmain and R1 programs (batch 32). --variant traces them with a weight-gradient recipe of
 * bench/variants.ts swapped in. Kernel times are summed per op type; shares are what to read on a
 * loaded machine.
 */
import type { Tensor } from '../src/core/tensor.js';
import { dcganInitialStateDicts } from '../src/models/dcgan/init.js';
import { inferDcganDiscriminator, inferDcganGenerator } from '../src/models/dcgan/config.js';
import { resolveGenerator } from '../src/models/stylegan2/config.js';
import { initDiscriminator, initGenerator } from '../src/models/stylegan2/init.js';
import { Weights } from '../src/nn/weights.js';
import { combinedState, dStepGraph, gStepGraph } from '../src/train/dcganPrograms.js';
import { buildTrainGraphs } from '../src/train/stylegan2Graphs.js';
import { networkConfigs } from '../src/train/stylegan2Run.js';
import type { Program } from '../src/graph/program.js';
import { toOnnx } from '../src/runtime/compile.js';
import { full, uniform } from './data.js';
import { formatProfile, profileModel } from './profile.js';
import { sg2Config } from './training.js';
import { type VariantTag, withVariant } from './variants.js';

/** Feeds for every input of `p`: state tensors by name, else deterministic noise (mix: all ones). */
function feedsFor(p: Program, state: ReadonlyMap<string, Tensor>): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  p.inputs.forEach((v, i) => {
    const name = v.source.kind === 'input' ? v.source.name : `in${i}`;
    feeds[name] = state.get(name) ?? (name === 'mix' ? full(v.shape, 1) : uniform(v.shape, -1, 1, 11 + i));
  });
  return feeds;
}

export interface TrainProgram {
  name: string;
  /** Programs traced together (one build traces all of the family's programs). */
  family: string;
  /** Traces the program afresh (so a swapped VJP rule takes effect). */
  build: () => Program;
  feeds: (p: Program) => Record<string, Tensor>;
}

export function dcganPrograms(batch = 64): TrainProgram[] {
  const init = dcganInitialStateDicts({ nz: 100, ngf: 64, ndf: 64, nc: 1, imageSize: 32 }, 0);
  const g = inferDcganGenerator(new Weights(init.netG, 'constant', 'netG'));
  const d = inferDcganDiscriminator(new Weights(init.netD, 'constant', 'netD'));
  const spec = { g, d, gState: init.netG, dState: init.netD, batch };
  const state = combinedState(init.netG, init.netD);
  const feeds = (p: Program) => feedsFor(p, state);
  return [
    { name: 'dcgan.d', family: 'dcgan.d', build: () => dStepGraph(spec).program, feeds },
    { name: 'dcgan.g', family: 'dcgan.g', build: () => gStepGraph(spec).program, feeds },
  ];
}

export function sg2Programs(): TrainProgram[] {
  const c = sg2Config({});
  const nets = networkConfigs(c);
  const gState = initGenerator(nets.g, 0);
  const dState = initDiscriminator(nets.d, 1);
  const build = () =>
    buildTrainGraphs(
      gState,
      dState,
      resolveGenerator(nets.g),
      nets.d,
      { batch: c.batch },
      { gamma: c.r1Gamma, interval: 16 },
    );
  const state = new Map<string, Tensor>();
  for (const [k, t] of gState) state.set(`G.${k}`, t);
  for (const [k, t] of dState) state.set(`D.${k}`, t);
  return (['gMain', 'dMain', 'dReg'] as const).map((k) => ({
    name: `sg2.${k}`,
    family: 'sg2',
    build: () => build()[k],
    feeds: (p: Program) => feedsFor(p, state),
  }));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let only: string[] | undefined;
  let threads = 2;
  let runs = 5;
  let tags: VariantTag[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--only') only = v.split(',');
    else if (k === '--threads') threads = Number(v);
    else if (k === '--runs') runs = Number(v);
    else if (k === '--variant') tags = v.split('+') as VariantTag[];
    else throw new Error(`unknown argument ${k}`);
  }
  const progs = [...dcganPrograms(), ...sg2Programs()].filter((p) => !only || only.includes(p.name));
  for (const p of progs) {
    const program = tags.length ? withVariant(tags, p.build) : p.build();
    const prof = await profileModel(toOnnx(program).bytes, p.feeds(program), threads, runs);
    console.log(formatProfile(`${p.name}${tags.length ? ` [${tags.join('+')}]` : ''}`, prof));
  }
}

if (process.argv[1]?.endsWith('trainingProfile.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
