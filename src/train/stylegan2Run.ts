import { hashOf } from '../core/options.js';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import { BatchSampler, type BatchSamplerState } from '../data/sampler.js';
import { makeGrid, toImages, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { mapZ, sampleZ, synthesize } from '../models/generate.js';
import { type GeneratorConfig, resolveGenerator } from '../models/stylegan2/config.js';
import type { DiscriminatorConfig } from '../models/stylegan2/discriminator.js';
import { initDiscriminator, initGenerator, stylegan2Configs } from '../models/stylegan2/init.js';
import { saveCheckpoint } from './checkpoint.js';
import { writeRealsGrid } from './grids.js';
import type { LoopOptions, StepResult, TrainingTask } from './loop.js';
import { type FolderRunResult, openRunChecked, type RunFiles, runFiles, runInFolder, trainedModel } from './run.js';
import { defaultStyleGAN2Options, StyleGAN2Trainer, type StyleGAN2TrainerJson } from './stylegan2.js';
import { pathLengthRunConfig, TRAIN_STYLEGAN2_SPEC } from './stylegan2Options.js';
import { SnapshotFcd, type SnapshotFcdOptions, writeSnapshotBundle } from './snapshotFcd.js';
import type { TrainingProgress } from './types.js';

/** Settings that define a StyleGAN2 run (a resumed run must use the same). */
export interface StyleGAN2TrainConfig {
  data: string;
  resolution: number;
  channels: number;
  zDim: number;
  mappingLayers: number;
  channelBase: number;
  channelMax: number;
  mbstdGroup: number;
  batch: number;
  lr: number;
  r1Gamma: number;
  styleMixingProb: number;
  emaKimg: number;
  seed: number;
  subset: number | null;
  /** Path-length regularisation (absent: off, as in runs from before it existed). */
  plWeight?: number;
  plBatchShrink?: number;
  plDecay?: number;
}

export interface StyleGAN2RunOptions
  extends Partial<Omit<StyleGAN2TrainConfig, 'data' | 'resolution' | 'channels'>> {
  dataset: ImageDataset;
  dataName?: string;
  outdir: string;
  kimg: number;
  snapKimg?: number;
  sampleKimg?: number;
  logKimg?: number;
  checkpointSeconds?: number;
  resume?: boolean;
  signal?: AbortSignal;
  display?: LoopOptions['display'] | null;
  onMessage?: (line: string) => void;
  onStep?: LoopOptions['onStep'];
  /** The command line, recorded in bundles. */
  command?: string;
  /** Cells in the sample grid (seeds 0..n-1 through G_ema). */
  gridSize?: number;
  /** Measure FCD at every snapshot (metric-fcd.jsonl, and on the snapshot bundle's card). */
  snapshotFcd?: SnapshotFcdOptions;
  /** Path-length weight; unset: NVIDIA's 2 for a fresh run, the checkpoint's (absent: 0) on resume. */
  plWeight?: number;
  /**
   * Start a fresh run from these networks (NVIDIA's `--resume=network.pkl`): G and G_ema from the model's
   * generator, D from its discriminator; fresh optimiser state, no EMA ramp-up; kimg counts on from the
   * model's recorded training kimg. Ignored when `resume` finds a checkpoint.
   */
  initFrom?: GanModel;
}

interface CheckpointState extends StyleGAN2TrainerJson {
  kind: 'stylegan2';
  progress: TrainingProgress;
  config: StyleGAN2TrainConfig;
  /** hashOf(config): a resume with other options is refused naming them (absent in older checkpoints). */
  optionsHash?: string;
  sampler: BatchSamplerState;
  command?: string;
}

/** The run's settings; `saved`: the resumed checkpoint's config (the path-length weight defaults to its). */
function resolveConfig(o: StyleGAN2RunOptions, saved?: StyleGAN2TrainConfig): StyleGAN2TrainConfig {
  const ds = o.dataset;
  const batch = o.batch ?? 32;
  const c: StyleGAN2TrainConfig = {
    data: o.dataName ?? ds.name,
    resolution: ds.resolution,
    channels: ds.channels,
    zDim: o.zDim ?? 128,
    mappingLayers: o.mappingLayers ?? 2,
    channelBase: o.channelBase ?? 4096,
    channelMax: o.channelMax ?? 128,
    mbstdGroup: o.mbstdGroup ?? 4,
    batch,
    lr: o.lr ?? 0.0025,
    r1Gamma: o.r1Gamma ?? 0.01,
    styleMixingProb: o.styleMixingProb ?? 0.9,
    emaKimg: o.emaKimg ?? (batch * 10) / 32,
    seed: o.seed ?? 0,
    subset: o.subset ?? null,
    ...pathLengthRunConfig(o, saved),
  };
  for (const k of ['batch', 'zDim', 'mappingLayers', 'channelBase', 'channelMax', 'mbstdGroup'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new ArgumentError(`train stylegan2: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.batch % Math.min(c.mbstdGroup, c.batch) !== 0)
    throw new ArgumentError(
      `train stylegan2: batch ${c.batch} must be a multiple of the minibatch-std group ${c.mbstdGroup}`,
    );
  if (!Number.isInteger(Math.log2(c.resolution)) || c.resolution < 8)
    throw new ArgumentError(`train stylegan2: resolution ${c.resolution} must be a power of two >= 8`);
  if (!(o.kimg > 0)) throw new ArgumentError(`train stylegan2: kimg must be > 0, got ${o.kimg}`);
  if (c.plWeight !== undefined && !(c.plWeight > 0))
    throw new ArgumentError(`train stylegan2: plWeight must be >= 0, got ${c.plWeight}`);
  if (c.plWeight !== undefined && Math.floor(c.batch / c.plBatchShrink!) < 1)
    throw new ArgumentError(`train stylegan2: plBatchShrink ${c.plBatchShrink} leaves no rows of batch ${c.batch}`);
  return c;
}

export function networkConfigs(c: StyleGAN2TrainConfig): { g: GeneratorConfig; d: DiscriminatorConfig } {
  const { generator, discriminator } = stylegan2Configs({
    resolution: c.resolution,
    channels: c.channels,
    zDim: c.zDim,
    mapping: c.mappingLayers,
    base: c.channelBase,
    max: c.channelMax,
    mbstd: c.mbstdGroup,
    clamp: 256,
  });
  return { g: generator, d: discriminator };
}

/** StyleGAN2 as a TrainingTask: data, trainer, grids, bundles and checkpoints. */
class StyleGAN2Task implements TrainingTask {
  private readonly fcd: SnapshotFcd | null;

  constructor(
    readonly trainer: StyleGAN2Trainer,
    readonly sampler: BatchSampler,
    readonly config: StyleGAN2TrainConfig,
    readonly gCfg: GeneratorConfig,
    readonly dCfg: DiscriminatorConfig,
    readonly files: RunFiles,
    readonly opts: StyleGAN2RunOptions,
  ) {
    this.fcd = opts.snapshotFcd ? new SnapshotFcd(opts.snapshotFcd, files.outdir, opts.command) : null;
  }

  async step(): Promise<StepResult> {
    const batch = this.sampler.next();
    const s = await this.trainer.trainStep(batch.images);
    const values: Record<string, number> = {
      G: s.lossG,
      D: s.lossDfake + s.lossDreal,
      'D(x)': s.scoreReal,
      'D(G(z))': s.scoreFake,
    };
    if (s.r1 !== undefined) values.R1 = s.r1;
    if (s.pl) {
      values.PL = s.pl.penalty;
      values['PL mean'] = s.pl.mean;
    }
    return { images: batch.images.shape[0], values };
  }

  /** The current G_ema (and D) as a bundle. */
  model(p: Readonly<TrainingProgress>): GanModel {
    const g = new Map([...this.trainer.gEma].map(([k, t]) => [k, t.clone()]));
    const d = new Map([...this.trainer.d].map(([k, t]) => [k, t.clone()]));
    const info = { trainer: 'stylegan2' as const, dataset: this.opts.dataset, resolution: this.config.resolution, generator: this.gCfg, discriminator: this.dCfg, network: 'G_ema', command: this.opts.command, config: this.config };
    return trainedModel(info, p, g, d);
  }

  async sample(p: Readonly<TrainingProgress>): Promise<void> {
    const model = this.model(p);
    const n = this.opts.gridSize ?? 64;
    const seeds = Array.from({ length: n }, (_, i) => i);
    try {
      const img = await synthesize(model, await mapZ(model, sampleZ(model, seeds)), { noiseMode: 'const' });
      await writePng(
        join(this.files.samples, `fakes-${String(p.imagesSeen).padStart(9, '0')}.png`),
        makeGrid(toImages(img), Math.ceil(Math.sqrt(n)), 1, 255),
      );
    } finally {
      await model.release();
    }
  }

  async writeReals(): Promise<void> {
    await writeRealsGrid(this.files.samples, this.opts.dataset, this.opts.gridSize ?? 64);
  }

  async snapshot(p: Readonly<TrainingProgress>): Promise<void> {
    await writeSnapshotBundle(this.files.bundle, this.model(p), p, this.fcd, this.opts.onMessage);
  }

  async saveCheckpoint(p: Readonly<TrainingProgress>): Promise<void> {
    const { groups, state } = this.trainer.checkpointParts();
    const full: CheckpointState = {
      ...state,
      kind: 'stylegan2',
      progress: { ...p },
      config: this.config,
      optionsHash: hashOf(this.config),
      sampler: this.sampler.getState(),
      command: this.opts.command,
    };
    await saveCheckpoint(this.files.checkpoint, { groups, state: full });
  }
}

export type StyleGAN2RunResult = FolderRunResult;

/**
 * Trains (or with `resume`, continues) a StyleGAN2 into `outdir` (checkpoint, log.jsonl, losses.png,
 * samples/, bundle/ holding G_ema and D). Resolves when done or after `signal` aborts (with a checkpoint).
 */
export async function trainStyleGAN2(o: StyleGAN2RunOptions): Promise<StyleGAN2RunResult> {
  const fresh = resolveConfig(o);
  const files = runFiles(o.outdir);
  const loaded = await openRunChecked<CheckpointState>(
    files,
    o.resume ?? false,
    'stylegan2',
    (saved) => resolveConfig(o, saved.config),
    o.onMessage,
    // a refused resume names the differing options by their flags
    TRAIN_STYLEGAN2_SPEC,
  );
  const config = loaded ? resolveConfig(o, loaded.checkpoint.state.config) : fresh;
  const nets = networkConfigs(config);
  const init = loaded ? undefined : o.initFrom;
  const start = init ? initialWeights(init, nets) : undefined;
  const opts = {
    ...defaultStyleGAN2Options(config.batch),
    ...(init ? { emaRampup: null } : {}),
    lr: config.lr,
    r1Gamma: config.r1Gamma,
    styleMixingProb: config.styleMixingProb,
    emaKimg: config.emaKimg,
    plWeight: config.plWeight ?? 0,
    ...(config.plBatchShrink === undefined ? {} : { plBatchShrink: config.plBatchShrink }),
    ...(config.plDecay === undefined ? {} : { plDecay: config.plDecay }),
  };
  const trainer = new StyleGAN2Trainer(
    resolveGenerator(nets.g),
    nets.d,
    start?.g ?? initGenerator(nets.g, config.seed),
    start?.d ?? initDiscriminator(nets.d, config.seed + 1),
    opts,
    config.seed + 2,
  );
  const sampler = new BatchSampler(o.dataset, config.batch, config.seed);
  if (loaded) {
    trainer.restore(loaded.checkpoint.groups, loaded.checkpoint.state, loaded.path);
    sampler.setState(loaded.checkpoint.state.sampler);
  }
  let progress = loaded?.checkpoint.state.progress;
  if (start) {
    progress = start.progress;
    trainer.step = progress.step;
    trainer.imagesSeen = progress.imagesSeen;
    o.onMessage?.(`starting from ${init!.name} at ${(progress.imagesSeen / 1000).toFixed(1)} kimg (G and G_ema from its generator, D from its discriminator; fresh Adam state)`);
  }
  const task = new StyleGAN2Task(trainer, sampler, config, nets.g, nets.d, files, o);
  try {
    return await runInFolder(task, files, progress, o);
  } finally {
    await trainer.release();
  }
}

/**
 * The weights and progress a run started from `model` begins with. Sizes must equal the run's
 * configuration: the error names the first field that differs.
 */
function initialWeights(
  model: GanModel,
  nets: { g: GeneratorConfig; d: DiscriminatorConfig },
): { g: Map<string, Tensor>; d: Map<string, Tensor>; progress: TrainingProgress } {
  const source = `--resume-from ${model.name}`;
  if (model.architecture !== 'stylegan2') throw new ArgumentError(`${source}: a ${model.architecture}, not a StyleGAN2`);
  if (!model.d) throw new ArgumentError(`${source}: the model has no discriminator (a training snapshot or bundle with D is needed)`);
  const theirs = model.manifest.generator as GeneratorConfig;
  const misfit = (Object.keys(nets.g) as (keyof GeneratorConfig)[]).find(
    (k) => JSON.stringify(nets.g[k]) !== JSON.stringify(theirs[k]),
  );
  if (misfit)
    throw new ArgumentError(
      `${source}: generator ${misfit} is ${JSON.stringify(theirs[misfit])}, the run's flags give ${JSON.stringify(nets.g[misfit])}`,
    );
  // The run's own parameter set, filled from the model (float16 bundles widen to float32).
  const take = (net: string, have: ReadonlyMap<string, Tensor>, need: Map<string, Tensor>) => {
    for (const [k, t] of need) {
      const got = have.get(k);
      if (!got || got.size !== t.size)
        throw new ArgumentError(`${source}: ${net} tensor '${k}' is ${got ? `[${got.shape.join(', ')}]` : 'missing'}, the run needs [${t.shape.join(', ')}]`);
      need.set(k, got.toFloat32().clone().reshape(t.shape));
    }
    return need;
  };
  const g = take('G', model.g, initGenerator(nets.g, 0));
  const d = take('D', model.d, initDiscriminator(nets.d, 1));
  const training = model.manifest.provenance.training as { kimg?: number; step?: number; seconds?: number } | undefined;
  const kimg = training?.kimg ?? 0;
  return {
    g,
    d,
    progress: { imagesSeen: Math.round(kimg * 1000), step: training?.step ?? 0, seconds: training?.seconds ?? 0 },
  };
}
