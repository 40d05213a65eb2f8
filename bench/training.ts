/**
 * Training throughput (images/s) of the real trainers, one optimisation step at a time:
 *
 *   dcgan.fmnist  DcganTrainer at the shipped fmnist-dcgan config (32x32x1, nz 100, ngf = ndf = 64, batch 64):
 *                 D step + G step with train-mode BatchNorm and Adam, as pytorch/examples dcgan/main.py.
 *   sg2.fmnist    StyleGAN2Trainer at the shipped fmnist-stylegan2 config (z = w = 128, 2 mapping layers,
 *                 channel base 1024 / max 128, batch 32): Gmain + Dmain every step, R1 every 16th, style mixing.
 *   sg2.A         peer_bench.py's `train` row: fixture-A shapes (32x32x3, z = w = 64, base 512 / max 64),
 *                 batch 8, one G step + one D step, no regularisation, no style mixing.
 *
 * Steps of all cases are interleaved in rounds (the machine is shared), a step's images/s is batch / time,
 * and the table shows the best and the median round. Data are random images: the step's cost does not
 * depend on them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../src/core/tensor.js';
import { InMemoryImageDataset } from '../src/data/memory.js';
import { resolveGenerator } from '../src/models/stylegan2/config.js';
import { initDiscriminator, initGenerator } from '../src/models/stylegan2/init.js';
import { DcganTrainer } from '../src/train/dcgan.js';
import { defaultStyleGAN2Options, StyleGAN2Trainer } from '../src/train/stylegan2.js';
import { networkConfigs, type StyleGAN2TrainConfig } from '../src/train/stylegan2Run.js';
import { uniform } from './data.js';
import { median, table } from './harness.js';

export interface TrainingCase {
  name: string;
  label: string;
  batch: number;
  step: () => Promise<unknown>;
  close: () => Promise<void>;
  /** StyleGAN2 only: make the next step one with (true) or without the lazy R1 phase. */
  nextStepR1?: (r1: boolean) => void;
}

function randomDataset(n: number, channels: number, resolution: number) {
  return new InMemoryImageDataset({
    name: 'random',
    channels,
    resolution,
    pixels: uniform([n, channels, resolution, resolution], -1, 1, 7).data,
    labels: new Int32Array(n),
    labelNames: ['x'],
  });
}

async function dcganCase(threads: number): Promise<TrainingCase> {
  const batch = 64;
  const outdir = await mkdtemp(join(tmpdir(), 'bench-dcgan-'));
  const config = {
    data: 'random',
    resolution: 32,
    channels: 1,
    nz: 100,
    ngf: 64,
    ndf: 64,
    batch,
    lr: 2e-4,
    betas: [0.5, 0.999] as [number, number],
    seed: 0,
    subset: null,
  };
  const dataset = randomDataset(batch * 4, 1, 32);
  const trainer = await DcganTrainer.create(config, dataset, {
    dataset,
    outdir,
    kimg: 1,
    threads,
    gridSize: 1,
  });
  return {
    name: 'dcgan.fmnist',
    label: 'DCGAN fmnist-dcgan config, batch 64 (D + G step)',
    batch,
    step: () => trainer.step(),
    close: async () => {
      await trainer.release();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}

export function sg2Config(over: Partial<StyleGAN2TrainConfig>): StyleGAN2TrainConfig {
  return {
    data: 'random',
    resolution: 32,
    channels: 1,
    zDim: 128,
    mappingLayers: 2,
    channelBase: 1024,
    channelMax: 128,
    mbstdGroup: 4,
    batch: 32,
    lr: 0.0025,
    r1Gamma: 0.01,
    styleMixingProb: 0.9,
    emaKimg: 10,
    seed: 0,
    subset: null,
    ...over,
  };
}

function sg2Case(name: string, label: string, c: StyleGAN2TrainConfig, noReg: boolean): TrainingCase {
  const nets = networkConfigs(c);
  const opts = {
    ...defaultStyleGAN2Options(c.batch),
    styleMixingProb: c.styleMixingProb,
    // "no regularisation": R1 runs once, in the warm-up step, never in timed ones.
    r1Interval: noReg ? 1e9 : 16,
  };
  const trainer = new StyleGAN2Trainer(
    resolveGenerator(nets.g),
    nets.d,
    initGenerator(nets.g, 0),
    initDiscriminator(nets.d, 1),
    opts,
    2,
  );
  const real = uniform([c.batch, c.channels, c.resolution, c.resolution], -1, 1, 3);
  return {
    name,
    label,
    batch: c.batch,
    step: () => trainer.trainStep(real as Tensor<'float32'>),
    close: () => trainer.release(),
    nextStepR1: (r1) => {
      trainer.step = r1 ? 0 : 1;
    },
  };
}

/** The shipped fmnist-stylegan2 config (R1 every 16th step, mixing 0.9). */
export function sg2ShippedCase(): TrainingCase {
  return sg2Case(
    'sg2.fmnist',
    'StyleGAN2 fmnist-stylegan2 config, batch 32 (G + D, R1/16, mixing)',
    sg2Config({}),
    false,
  );
}

export async function trainingCases(threads: number): Promise<TrainingCase[]> {
  return [
    await dcganCase(threads),
    sg2ShippedCase(),
    sg2Case(
      'sg2.A',
      "StyleGAN2 fixture-A shapes 32x32x3, batch 8 (G + D, no reg.) = peer_bench 'train'",
      sg2Config({ channels: 3, zDim: 64, channelBase: 512, channelMax: 64, batch: 8, styleMixingProb: 0 }),
      true,
    ),
  ];
}

export interface TrainingRow {
  name: string;
  label: string;
  batch: number;
  steps: number;
  bestImgPerSec: number;
  medianImgPerSec: number;
  /** Process CPU seconds (all threads) per step, median: the figure least moved by other processes. */
  cpuSecondsPerStep: number;
}

/** Warm-up (2 steps each: compile, first R1), then `rounds` interleaved rounds of `stepsPerRound` steps. */
export async function measureTraining(
  cases: readonly TrainingCase[],
  rounds: number,
  stepsPerRound = 2,
): Promise<TrainingRow[]> {
  for (const c of cases) for (let i = 0; i < 2; i++) await c.step();
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      for (let i = 0; i < stepsPerRound; i++) {
        const [t0, c0] = [performance.now(), process.cpuUsage()];
        await c.step();
        times.get(c.name)!.push(performance.now() - t0);
        const u = process.cpuUsage(c0);
        cpu.get(c.name)!.push((u.user + u.system) / 1e6);
      }
    }
  }
  return cases.map((c) => {
    const ms = times.get(c.name)!;
    return {
      name: c.name,
      label: c.label,
      batch: c.batch,
      steps: ms.length,
      bestImgPerSec: (c.batch * 1000) / Math.min(...ms),
      medianImgPerSec: (c.batch * 1000) / median(ms),
      cpuSecondsPerStep: median(cpu.get(c.name)!),
    };
  });
}

export function formatTraining(rows: readonly TrainingRow[]): string {
  return table(
    ['case', 'what', 'steps', 'img/s best', 'img/s median', 'CPU s/step'],
    rows.map((r) => [
      r.name,
      r.label,
      String(r.steps),
      r.bestImgPerSec.toFixed(1),
      r.medianImgPerSec.toFixed(1),
      r.cpuSecondsPerStep.toFixed(3),
    ]),
  );
}
