/**
 * The cost of path-length regularisation at the shipped fmnist-stylegan2 config (32x32x1, z = w = 128,
 * 2 mapping layers, channel base 1024 / max 128, batch 32, R1/16, mixing 0.9): two trainers, one with
 * --pl-weight 0 (the shipped run) and one with NVIDIA's 2, stepped in interleaved rounds. Each round times a
 * plain step of the PL-off trainer (Gmain + Dmain) and a Greg step of the PL-on one (Gmain + Greg + Dmain;
 * its Greg phase on batch/2 = 16 latents is read from the step's stats). Reported: best and median wall
 * milliseconds, process CPU seconds per step (the figure least moved by other processes; ORT threads
 * included), the graph sizes, and the overhead per 16-step period: (4 · Greg) / (16 · plain + R1).
 *
 *   [LATENTLAB_THREADS=N] npx tsx bench/pathLength.ts [--rounds 5]
 */
import { topoSort } from '../src/graph/topo.js';
import { resolveGenerator } from '../src/models/stylegan2/config.js';
import { initDiscriminator, initGenerator } from '../src/models/stylegan2/init.js';
import { buildTrainGraphs } from '../src/train/stylegan2Graphs.js';
import { defaultStyleGAN2Options, type StepStats, StyleGAN2Trainer } from '../src/train/stylegan2.js';
import { networkConfigs } from '../src/train/stylegan2Run.js';
import { uniform } from './data.js';
import { median } from './harness.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('rounds', 5);

const config = {
  data: 'random', resolution: 32, channels: 1, zDim: 128, mappingLayers: 2, channelBase: 1024, channelMax: 128,
  mbstdGroup: 4, batch: 32, lr: 0.0025, r1Gamma: 0.01, styleMixingProb: 0.9, emaKimg: 10, seed: 0, subset: null,
};
const nets = networkConfigs(config);
const cfg = resolveGenerator(nets.g);
const g0 = initGenerator(nets.g, 0);
const d0 = initDiscriminator(nets.d, 1);
const base = defaultStyleGAN2Options(config.batch);
const off = new StyleGAN2Trainer(cfg, nets.d, g0, d0, { ...base, plWeight: 0 }, 2);
const on = new StyleGAN2Trainer(cfg, nets.d, g0, d0, { ...base, plWeight: 2 }, 2);
const real = uniform([32, 1, 32, 32], -1, 1, 3) as Parameters<StyleGAN2Trainer['trainStep']>[0];

const graphs = buildTrainGraphs(g0, d0, cfg, nets.d, { batch: 32 }, { gamma: 0.01, interval: 16 }, { weight: 2, batchShrink: 2, decay: 0.01, interval: 4 });
const nodes = (p: { outputs: readonly Parameters<typeof topoSort>[0][number][] }) => topoSort(p.outputs).filter((v) => v.source.kind === 'op').length;

async function timed(t: StyleGAN2Trainer, step: number): Promise<{ ms: number; cpu: number; stats: StepStats }> {
  t.step = step;
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  const stats = await t.trainStep(real);
  const u = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpu: (u.user + u.system) / 1e6, stats };
}

const tc = performance.now();
await timed(off, 0); // compile + R1 warm-up
await timed(off, 1);
const compileOff = performance.now() - tc;
const tc2 = performance.now();
await timed(on, 0);
await timed(on, 4);
const compileOn = performance.now() - tc2;
const plain: { ms: number; cpu: number }[] = [];
const withGreg: { ms: number; cpu: number; greg: number; gmain: number }[] = [];
const r1: number[] = [];
for (let r = 0; r < rounds; r++) {
  plain.push(await timed(off, 1));
  const s = await timed(on, 4); // step 4: Greg (4 | step), no R1 (16 ∤ step)
  withGreg.push({ ms: s.ms, cpu: s.cpu, greg: s.stats.ms.gReg!, gmain: s.stats.ms.gMain });
  if (r === 0) r1.push((await timed(off, 0)).ms);
}
const best = (xs: number[]) => Math.min(...xs);
const loads = (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');
const plainBest = best(plain.map((p) => p.ms));
const gregBest = best(withGreg.map((p) => p.greg));
const plainCpu = median(plain.map((p) => p.cpu));
const gregStepCpu = median(withGreg.map((p) => p.cpu));
console.log(`path-length regularisation cost, shipped fmnist-stylegan2 config, batch 32 (Greg on 16); ${rounds} interleaved rounds; load average ${loads}`);
console.log(`graph ops: Gmain ${nodes(graphs.gMain)}, Greg ${nodes(graphs.gReg!)}, Dmain ${nodes(graphs.dMain)}, Dreg ${nodes(graphs.dReg)}`);
console.log(`first two steps (compile + warm-up): PL off ${(compileOff / 1000).toFixed(1)} s, PL on ${(compileOn / 1000).toFixed(1)} s`);
console.log(`plain step (Gmain + Dmain): best ${plainBest.toFixed(0)} ms, median ${median(plain.map((p) => p.ms)).toFixed(0)} ms, CPU ${plainCpu.toFixed(2)} s/step`);
console.log(`Greg step (Gmain + Greg + Dmain): best ${best(withGreg.map((p) => p.ms)).toFixed(0)} ms, median ${median(withGreg.map((p) => p.ms)).toFixed(0)} ms, CPU ${gregStepCpu.toFixed(2)} s/step`);
console.log(`  its Greg phase: best ${gregBest.toFixed(0)} ms, median ${median(withGreg.map((p) => p.greg)).toFixed(0)} ms (its Gmain: best ${best(withGreg.map((p) => p.gmain)).toFixed(0)} ms)`);
const period = 16 * plainBest + r1[0];
console.log(`per 16-step period: off ${(period / 1000).toFixed(1)} s, on +4 Greg = ${((period + 4 * gregBest) / 1000).toFixed(1)} s (+${((400 * gregBest) / period).toFixed(0)} %); by CPU seconds: +${((400 * (gregStepCpu - plainCpu)) / (16 * plainCpu)).toFixed(0)} % of the plain steps`);
await off.release();
await on.release();
