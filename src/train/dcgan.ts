import { hashOf } from '../core/options.js';
import { CheckpointError } from '../core/errors.js';
import { RandomState, type RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import { BatchSampler, type BatchSamplerState } from '../data/sampler.js';
import {
  type DcganDiscriminatorConfig,
  type DcganGeneratorConfig,
  inferDcganDiscriminator,
  inferDcganGenerator,
} from '../models/dcgan/config.js';
import { dcganInitialStateDicts } from '../models/dcgan/init.js';
import type { GanModel } from '../models/ganModel.js';
import { sampleZ } from '../models/generate.js';
import { runningStatsOf, updateRunningStats } from '../nn/batchnorm.js';
import { Weights } from '../nn/weights.js';
import { Adam } from '../optim/adam.js';
import { compile, type Executable } from '../runtime/compile.js';
import { type AdamJsonState, type Checkpoint, packAdam, saveCheckpoint, unpackAdam } from './checkpoint.js';
import {
  dStepGraph,
  gradName,
  gStepGraph,
  type StatsRef,
  sampleGraph,
  statName,
  type TrainGraph,
  trainableKeys,
} from './dcganPrograms.js';
import { fakesPath, writeGrid, writeRealsGrid } from './grids.js';
import type { LoopOptions, ProgressSink, StepResult, TrainingTask } from './loop.js';
import { type RunFiles, runFiles, trainedModel } from './run.js';
import { SnapshotFcd, type SnapshotFcdOptions, writeSnapshotBundle } from './snapshotFcd.js';
import type { TrainingProgress } from './types.js';

/**
 * DCGAN training as pytorch/examples dcgan/main.py does it: BCE losses, Adam(lr 2e-4, betas
 * (0.5, 0.999)) for both nets, weights_init N(0, 0.02) convs / N(1, 0.02) BatchNorm, BatchNorm in
 * train mode everywhere with PyTorch's running-statistics updates. Per step: one D program (G
 * forward, D on real and on fake, D gradients), Adam on D, one G program (G forward, D forward
 * with the new D, G gradients), Adam on G.
 */

/** Settings that define the optimisation (a resumed run must use the same). */
export interface DcganTrainConfig {
  /** Dataset identity (name or folder), checked on resume. */
  data: string;
  resolution: number;
  channels: number;
  nz: number;
  ngf: number;
  ndf: number;
  batch: number;
  lr: number;
  betas: [number, number];
  seed: number;
  /** Train on the first `subset` images only (null = all). */
  subset: number | null;
}

export interface DcganTrainOptions {
  dataset: ImageDataset;
  /** What to record as the data source (default dataset.name). */
  dataName?: string;
  outdir: string;
  /** Run length in thousands of real images shown to D. */
  kimg: number;
  batch?: number;
  /** Latent size (default 100). */
  nz?: number;
  ngf?: number;
  ndf?: number;
  lr?: number;
  betas?: [number, number];
  seed?: number;
  subset?: number;
  /** kimg between sample grids, bundles and checkpoints (default: kimg/10). */
  snapKimg?: number;
  /** kimg between sample grids (default snapKimg). */
  sampleKimg?: number;
  /** kimg between log records (default: 1/100 of the run). */
  logKimg?: number;
  /** Also checkpoint this often (default 600 s). */
  checkpointSeconds?: number;
  /** Continue from outdir's checkpoint. */
  resume?: boolean;
  /** Images in the fixed sample grid; z of grid cell i is sampleZ(seed i), as `generate --seeds`. */
  gridSize?: number;
  signal?: AbortSignal;
  /** Status line (default: none; the CLI passes one on stderr). */
  display?: ProgressSink | null;
  onMessage?: (line: string) => void;
  /** After every step (see LoopOptions.onStep). */
  onStep?: LoopOptions['onStep'];
  /** The command line, recorded in the bundle's provenance. */
  command?: string;
  /** ORT intra-op threads. */
  threads?: number;
  /** Measure FCD at every snapshot (metric-fcd.jsonl, and on the snapshot bundle's card). */
  snapshotFcd?: SnapshotFcdOptions;
}

/** The JSON half of a DCGAN checkpoint. */
export interface DcganCheckpointState {
  kind: 'dcgan';
  progress: TrainingProgress;
  config: DcganTrainConfig;
  /** hashOf(config): a resume with other options is refused naming them (absent in older checkpoints). */
  optionsHash?: string;
  noiseRng: RandomStateSnapshot;
  sampler: BatchSamplerState;
  optimizers: { G: AdamJsonState; D: AdamJsonState };
  totalKimg: number;
  command?: string;
}

interface Compiled {
  graph: TrainGraph;
  exe: Executable;
  into: Record<string, Tensor>;
}

async function compileGraph(graph: TrainGraph, threads?: number): Promise<Compiled> {
  // noCache: the run owns its sessions and releases them at the end.
  const exe = await compile(graph.program, { threads, noCache: true });
  const into: Record<string, Tensor> = {};
  for (const o of exe.outputs) into[o.name] = Tensor.zeros(o.dtype, o.shape);
  return { graph, exe, into };
}

function cloneState(m: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...m].map(([k, t]) => [k, t.clone()]));
}

export class DcganTrainer implements TrainingTask {
  private readonly files: RunFiles;
  private readonly gParams: string[];
  private readonly dParams: string[];
  private readonly adamG: Adam;
  private readonly adamD: Adam;
  /** Parameter feeds by graph input name; Adam updates these tensors in place. */
  private readonly feeds: Record<string, Tensor> = {};
  private readonly fixedZ: Tensor<'float32'>;
  private readonly fcd: SnapshotFcd | null;

  private constructor(
    readonly config: DcganTrainConfig,
    readonly gCfg: DcganGeneratorConfig,
    readonly dCfg: DcganDiscriminatorConfig,
    /** Current netG / netD state dicts (running statistics replaced each step). */
    readonly g: Map<string, Tensor>,
    readonly d: Map<string, Tensor>,
    private readonly sampler: BatchSampler,
    private readonly noiseRng: RandomState,
    private readonly dStep: Compiled,
    private readonly gStep: Compiled,
    private readonly sampleExe: Executable,
    private readonly opts: DcganTrainOptions,
    readonly dataset: ImageDataset,
  ) {
    this.files = runFiles(opts.outdir);
    this.fcd = opts.snapshotFcd ? new SnapshotFcd(opts.snapshotFcd, opts.outdir, opts.command) : null;
    this.gParams = trainableKeys(g);
    this.dParams = trainableKeys(d);
    const hp = { lr: config.lr, betas: config.betas };
    this.adamG = new Adam({ params: this.gParams.map((k) => g.get(k) as Tensor<'float32'>), ...hp });
    this.adamD = new Adam({ params: this.dParams.map((k) => d.get(k) as Tensor<'float32'>), ...hp });
    for (const k of this.gParams) this.feeds[`netG.${k}`] = g.get(k)!;
    for (const k of this.dParams) this.feeds[`netD.${k}`] = d.get(k)!;
    const gridSize = opts.gridSize ?? 64;
    this.fixedZ = sampleZ(
      config.nz,
      Array.from({ length: gridSize }, (_, i) => i),
    );
  }

  /** Builds a fresh trainer (weights_init from `config.seed`) or one restored from `checkpoint`. */
  static async create(
    config: DcganTrainConfig,
    dataset: ImageDataset,
    opts: DcganTrainOptions,
    checkpoint?: Checkpoint<DcganCheckpointState>,
    file = '<checkpoint>',
  ): Promise<DcganTrainer> {
    let g: Map<string, Tensor>;
    let d: Map<string, Tensor>;
    if (checkpoint) {
      const { G, D } = checkpoint.groups;
      if (!G || !D) throw new CheckpointError(file, 'no G/D tensor groups: not a DCGAN training checkpoint');
      g = cloneState(G);
      d = cloneState(D);
    } else {
      const init = dcganInitialStateDicts(
        {
          nz: config.nz,
          ngf: config.ngf,
          ndf: config.ndf,
          nc: config.channels,
          imageSize: config.resolution,
        },
        config.seed,
      );
      g = init.netG;
      d = init.netD;
    }
    const gCfg = inferDcganGenerator(new Weights(g, 'constant', 'netG'));
    const dCfg = inferDcganDiscriminator(new Weights(d, 'constant', 'netD'));
    const spec = { g: gCfg, d: dCfg, gState: g, dState: d, batch: config.batch };
    const [dStep, gStep, sample] = await Promise.all([
      compileGraph(dStepGraph(spec), opts.threads),
      compileGraph(gStepGraph(spec), opts.threads),
      compile(sampleGraph(gCfg, g, opts.gridSize ?? 64), { threads: opts.threads, noCache: true }),
    ]);
    // Independent streams: weights_init uses RandomState(seed), the sampler and the noise these.
    const sampler = new BatchSampler(dataset, config.batch, [config.seed, 1], {
      subset: config.subset ?? undefined,
    });
    const noiseRng = new RandomState([config.seed, 2]);
    const t = new DcganTrainer(
      config,
      gCfg,
      dCfg,
      g,
      d,
      sampler,
      noiseRng,
      dStep,
      gStep,
      sample,
      opts,
      dataset,
    );
    if (checkpoint) t.restore(checkpoint.state, checkpoint.groups, file);
    return t;
  }

  private restore(s: DcganCheckpointState, groups: Checkpoint['groups'], file: string): void {
    if (s.kind !== 'dcgan')
      throw new CheckpointError(file, `a '${String(s.kind)}' checkpoint, not a DCGAN one`);
    unpackAdam('optG', this.adamG, this.gParams, groups, s.optimizers.G, file);
    unpackAdam('optD', this.adamD, this.dParams, groups, s.optimizers.D, file);
    this.noiseRng.setState(s.noiseRng);
    this.sampler.setState(s.sampler);
  }

  /** Applies PyTorch's running-statistics update for each train-mode BatchNorm pass, in order. */
  private updateRunning(stats: readonly StatsRef[], out: Readonly<Record<string, Tensor>>): void {
    for (const s of stats) {
      const sd = s.pass === 'G' ? this.g : this.d;
      const next = updateRunningStats(
        runningStatsOf(sd, s.layer),
        out[statName(s.pass, s.layer, 'mean')].f32,
        out[statName(s.pass, s.layer, 'var')].f32,
        s.count,
      );
      sd.set(`${s.layer}.running_mean`, next.runningMean);
      sd.set(`${s.layer}.running_var`, next.runningVar);
      sd.set(`${s.layer}.num_batches_tracked`, Tensor.int64([], [next.numBatchesTracked]));
    }
  }

  async step(): Promise<StepResult> {
    const { batch, nz } = this.config;
    const real = this.sampler.next().images;
    const z = Tensor.float32([batch, nz], this.noiseRng.standardNormalFloat32([batch, nz]));
    const dOut = await this.dStep.exe.runNamed({ ...this.feeds, real, z }, this.dStep.into);
    this.updateRunning(this.dStep.graph.stats, dOut);
    this.adamD.step(this.dParams.map((k) => dOut[gradName(`netD.${k}`)]));
    const errD = dOut.errReal.item() + dOut.errFake.item();
    const dReal = dOut.dReal.item();
    const dFake = dOut.dFake.item();
    const gOut = await this.gStep.exe.runNamed({ ...this.feeds, z }, this.gStep.into);
    this.updateRunning(this.gStep.graph.stats, gOut);
    this.adamG.step(this.gParams.map((k) => gOut[gradName(`netG.${k}`)]));
    return { images: batch, values: { D: errD, G: gOut.errG.item(), 'D(x)': dReal, 'D(G(z))': dFake } };
  }

  /** The fixed-z grid in eval mode (what the bundle generates for seeds 0..gridSize−1). */
  async samples(): Promise<Tensor> {
    const feeds: Record<string, Tensor> = { z: this.fixedZ };
    for (const p of this.sampleExe.inputs) if (p.name !== 'z') feeds[p.name] = this.g.get(p.name)!;
    return (await this.sampleExe.runNamed(feeds)).img;
  }

  async sample(p: Readonly<TrainingProgress>): Promise<void> {
    await writeGrid(fakesPath(this.files.samples, p.imagesSeen), await this.samples());
  }

  /** The first grid's worth of training images. */
  async writeReals(): Promise<void> {
    await writeRealsGrid(this.files.samples, this.dataset, this.fixedZ.shape[0]);
  }

  /** The current networks as a latentlab bundle (eval-mode netG + netD, training facts). */
  model(p: Readonly<TrainingProgress>): GanModel {
    const g = new Map(this.g);
    const d = new Map(this.d);
    const info = { trainer: 'dcgan' as const, dataset: this.dataset, resolution: this.config.resolution, generator: this.gCfg, discriminator: this.dCfg, command: this.opts.command, config: this.config };
    return trainedModel(info, p, g, d);
  }

  async snapshot(p: Readonly<TrainingProgress>): Promise<void> {
    await writeSnapshotBundle(this.files.bundle, this.model(p), p, this.fcd, this.opts.onMessage);
  }

  checkpointData(p: Readonly<TrainingProgress>): Checkpoint<DcganCheckpointState> {
    const optG = packAdam('optG', this.adamG, this.gParams);
    const optD = packAdam('optD', this.adamD, this.dParams);
    return {
      groups: { G: this.g, D: this.d, ...optG.groups, ...optD.groups },
      state: {
        kind: 'dcgan',
        progress: { ...p },
        config: this.config,
        optionsHash: hashOf(this.config),
        noiseRng: this.noiseRng.getState(),
        sampler: this.sampler.getState(),
        optimizers: { G: optG.state, D: optD.state },
        totalKimg: this.opts.kimg,
        command: this.opts.command,
      },
    };
  }

  async saveCheckpoint(p: Readonly<TrainingProgress>): Promise<void> {
    await saveCheckpoint(this.files.checkpoint, this.checkpointData(p));
  }

  async release(): Promise<void> {
    await Promise.all([this.dStep.exe.release(), this.gStep.exe.release(), this.sampleExe.release()]);
  }
}
