import { ArgumentError, CheckpointError } from '../core/errors.js';
import { RandomState, type RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { ResolvedGenerator } from '../models/stylegan2/config.js';
import type { DiscriminatorConfig } from '../models/stylegan2/discriminator.js';
import { Adam } from '../optim/adam.js';
import { compile, type Executable } from '../runtime/compile.js';
import { type AdamJsonState, packAdam, unpackAdam } from './checkpoint.js';
import { pathLengthBatch } from './pathLength.js';
import { buildTrainGraphs, isStyleGAN2Buffer, type TrainGraphs } from './stylegan2Graphs.js';

/** NVIDIA's recipe, scaled down; field names follow train.py's options. */
export interface StyleGAN2TrainOptions {
  batch: number;
  /** Adam learning rate of G and D (NVIDIA: 0.0025). */
  lr: number;
  /** Adam betas (NVIDIA: [0, 0.99]). */
  betas: [number, number];
  /** R1 weight gamma. */
  r1Gamma: number;
  /** Lazy regularisation interval of R1 (NVIDIA: 16). */
  r1Interval: number;
  /** Probability of style mixing per batch (NVIDIA: 0.9). */
  styleMixingProb: number;
  /** Half-life of the G EMA in kimg (NVIDIA auto: batch·10/32). */
  emaKimg: number;
  /** EMA ramp-up (NVIDIA auto: 0.05); null for none. */
  emaRampup: number | null;
  /** Decay of the tracked w average (NVIDIA: 0.995). */
  wAvgBeta: number;
  /** Path-length regularisation weight (NVIDIA: 2); 0: no Greg phase and G's Adam unscaled. */
  plWeight: number;
  /** Greg runs on batch / plBatchShrink latents (NVIDIA: 2). */
  plBatchShrink: number;
  /** EMA rate of the tracked mean path length (NVIDIA: 0.01). */
  plDecay: number;
  /** Lazy regularisation interval of the path-length penalty (NVIDIA's G_reg_interval: 4). */
  plInterval: number;
}

export function defaultStyleGAN2Options(batch: number): StyleGAN2TrainOptions {
  return {
    batch,
    lr: 0.0025,
    betas: [0, 0.99],
    r1Gamma: 0.01,
    r1Interval: 16,
    styleMixingProb: 0.9,
    emaKimg: (batch * 10) / 32,
    emaRampup: 0.05,
    wAvgBeta: 0.995,
    // Off here (the shipped run's setting, and the peer bench's); `train stylegan2` turns NVIDIA's 2 on.
    plWeight: 0,
    plBatchShrink: 2,
    plDecay: 0.01,
    plInterval: 4,
  };
}

export interface StepStats {
  lossG: number;
  lossDfake: number;
  lossDreal: number;
  scoreFake: number;
  scoreReal: number;
  r1?: number;
  /** Greg steps: mean (length − tracked mean)², the mean path length and the tracked mean after it. */
  pl?: { penalty: number; length: number; mean: number };
  /** Milliseconds spent in each phase's ONNX run (for benchmarks and profiling). */
  ms: { gMain: number; gReg?: number; dMain: number; dReg?: number };
}

/** The JSON half of a trainer checkpoint (tensors go into groups). */
export interface StyleGAN2TrainerJson {
  step: number;
  imagesSeen: number;
  rng: RandomStateSnapshot;
  optimizers: { G: AdamJsonState; D: AdamJsonState };
  /** The tracked mean path length (absent in checkpoints from before path-length regularisation: 0). */
  plMean?: number;
}

function copyMap(m: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...m].map(([k, t]) => [k, t.clone()]));
}

/**
 * One StyleGAN2 training run's state and step: Gmain, Dmain and lazy R1 (Dreg) phases with fresh
 * latents per phase, style mixing, random noise, w_avg tracking and the G EMA, as in
 * stylegan2-ada-pytorch's training loop (no ADA augmentation). With plWeight ≠ 0, lazy path-length
 * regularisation (Greg) every plInterval steps, G's Adam rescaled as D's is for R1. Phases in NVIDIA's
 * order: Gmain, Greg, Dmain, Dreg. (Greg's mapping pass does not update w_avg; NVIDIA's does, as its
 * Dmain pass does, which this trainer skips too: w_avg only matters for truncation.)
 */
export class StyleGAN2Trainer {
  readonly g: Map<string, Tensor>;
  readonly d: Map<string, Tensor>;
  readonly gEma: Map<string, Tensor>;
  readonly optG: Adam;
  readonly optD: Adam;
  step = 0;
  imagesSeen = 0;
  /** The tracked mean path length (NVIDIA's pl_mean). */
  plMean = 0;
  private rng: RandomState;
  /** Trainable keys, in the optimisers' parameter order. */
  private readonly gKeys: string[];
  private readonly dKeys: string[];
  private graphs?: TrainGraphs;
  private exes?: { gMain: Executable; dMain: Executable; dReg: Executable; gReg?: Executable };
  /** Preallocated outputs per program: ORT writes each step's gradients into the same buffers. */
  private into?: Record<'gMain' | 'dMain' | 'dReg' | 'gReg', Record<string, Tensor>>;

  constructor(
    readonly cfg: ResolvedGenerator,
    readonly dcfg: DiscriminatorConfig,
    g: ReadonlyMap<string, Tensor>,
    d: ReadonlyMap<string, Tensor>,
    readonly opts: StyleGAN2TrainOptions,
    seed = 0,
  ) {
    if (opts.batch % Math.min(dcfg.mbstdGroupSize, opts.batch) !== 0) {
      throw new ArgumentError(
        `batch ${opts.batch} must be a multiple of the minibatch-std group ${dcfg.mbstdGroupSize}`,
      );
    }
    this.g = copyMap(g);
    this.d = copyMap(d);
    this.gEma = copyMap(g);
    this.rng = new RandomState(seed);
    this.gKeys = [...this.g.keys()].filter((k) => !isStyleGAN2Buffer(k));
    this.dKeys = [...this.d.keys()].filter((k) => !k.endsWith('resample_filter'));
    const gParams = this.gKeys.map((k) => this.g.get(k) as Tensor<'float32'>);
    const dParams = this.dKeys.map((k) => this.d.get(k) as Tensor<'float32'>);
    // Lazy regularisation rescales the hyperparameters (NVIDIA: mb_ratio = interval / (interval + 1)).
    // G's only when its regulariser is on: runs without one keep the unscaled Adam they were trained with.
    if (opts.plWeight !== 0) pathLengthBatch(opts.batch, { batchShrink: opts.plBatchShrink });
    const cg = opts.plWeight !== 0 ? opts.plInterval / (opts.plInterval + 1) : 1;
    this.optG = new Adam({
      params: gParams,
      lr: opts.lr * cg,
      betas: [opts.betas[0] ** cg, opts.betas[1] ** cg],
      eps: 1e-8,
    });
    const c = opts.r1Interval / (opts.r1Interval + 1);
    this.optD = new Adam({
      params: dParams,
      lr: opts.lr * c,
      betas: [opts.betas[0] ** c, opts.betas[1] ** c],
      eps: 1e-8,
    });
  }

  private async programs() {
    if (!this.exes) {
      this.graphs = buildTrainGraphs(
        this.g,
        this.d,
        this.cfg,
        this.dcfg,
        { batch: this.opts.batch },
        { gamma: this.opts.r1Gamma, interval: this.opts.r1Interval },
        {
          weight: this.opts.plWeight,
          batchShrink: this.opts.plBatchShrink,
          decay: this.opts.plDecay,
          interval: this.opts.plInterval,
        },
      );
      const { gReg: gRegProgram } = this.graphs;
      const [gMain, dMain, dReg, gReg] = await Promise.all([
        compile(this.graphs.gMain),
        compile(this.graphs.dMain),
        compile(this.graphs.dReg),
        gRegProgram ? compile(gRegProgram) : undefined,
      ]);
      this.exes = { gMain, dMain, dReg, gReg };
      const outputs = (e?: Executable) =>
        Object.fromEntries((e?.outputs ?? []).map((o) => [o.name, Tensor.zeros(o.dtype, o.shape)]));
      this.into = { gMain: outputs(gMain), dMain: outputs(dMain), dReg: outputs(dReg), gReg: outputs(gReg) };
    }
    return { exes: this.exes, graphs: this.graphs!, into: this.into! };
  }

  /** Fresh latents, mixing mask and noise maps for one phase of `batch` rows. */
  private phaseFeeds(batch = this.opts.batch): Record<string, Tensor> {
    const { zDim, numWs } = this.cfg;
    const feeds: Record<string, Tensor> = {
      z: Tensor.float32([batch, zDim], this.rng.standardNormalFloat32([batch, zDim])),
      z2: Tensor.float32([batch, zDim], this.rng.standardNormalFloat32([batch, zDim])),
    };
    let cutoff = numWs;
    const candidate = this.rng.randint(1, numWs) as number;
    if (this.rng.randomSample() < this.opts.styleMixingProb) cutoff = candidate;
    feeds.mix = Tensor.float32(
      [1, numWs, 1],
      Array.from({ length: numWs }, (_, r) => (r < cutoff ? 1 : 0)),
    );
    for (const l of this.cfg.layers) {
      if (l.kind !== 'conv') continue;
      const shape = [batch, 1, l.resolution, l.resolution];
      feeds[`noise:${l.name}`] = Tensor.float32(shape, this.rng.standardNormalFloat32(shape));
    }
    return feeds;
  }

  private paramFeeds(feeds: Record<string, Tensor>, which: 'G' | 'D' | 'GD'): void {
    if (which.includes('G')) for (const [k, t] of this.g) if (!isStyleGAN2Buffer(k)) feeds[`G.${k}`] = t;
    if (which.includes('D'))
      for (const [k, t] of this.d) if (!k.endsWith('resample_filter')) feeds[`D.${k}`] = t;
  }

  private updateWAvg(wMean: Tensor): void {
    const wAvg = this.g.get('mapping.w_avg')!.data as Float32Array;
    const m = wMean.f32;
    const beta = this.opts.wAvgBeta;
    // torch: mean.lerp(w_avg, beta) = mean + beta·(w_avg − mean)
    for (let i = 0; i < wAvg.length; i++) wAvg[i] = m[i] + beta * (wAvg[i] - m[i]);
  }

  /** One training step on a batch of real images [B, C, R, R] in [-1, 1]. */
  async trainStep(real: Tensor<'float32'>): Promise<StepStats> {
    const { exes, into } = await this.programs();
    const { batch } = this.opts;
    // Gmain
    const gFeeds = this.phaseFeeds();
    this.paramFeeds(gFeeds, 'GD');
    let t0 = performance.now();
    const gOut = await exes.gMain.runNamed(gFeeds, into.gMain);
    const gMs = performance.now() - t0;
    this.optG.step(this.gKeys.map((k) => gOut[`grad:G.${k}`] ?? null));
    this.updateWAvg(gOut.wMean);
    // Greg every plInterval steps
    let gReg: { ms: number; pl: NonNullable<StepStats['pl']> } | undefined;
    if (exes.gReg && this.step % this.opts.plInterval === 0) gReg = await this.pathLengthPhase(exes.gReg, into.gReg);
    // Dmain
    const dFeeds = this.phaseFeeds();
    dFeeds.real = real;
    this.paramFeeds(dFeeds, 'GD');
    t0 = performance.now();
    const dOut = await exes.dMain.runNamed(dFeeds, into.dMain);
    const dMs = performance.now() - t0;
    // (Dmain's mapping pass would also update w_avg in NVIDIA's code; its z are independent draws.)
    this.optD.step(this.dKeys.map((k) => dOut[`grad:D.${k}`] ?? null));
    const stats: StepStats = {
      lossG: gOut.loss.item(),
      lossDfake: dOut.lossFake.item(),
      lossDreal: dOut.lossReal.item(),
      scoreFake: dOut.scoreFake.item(),
      scoreReal: dOut.scoreReal.item(),
      ms: { gMain: gMs, dMain: dMs },
    };
    if (gReg) {
      stats.pl = gReg.pl;
      stats.ms.gReg = gReg.ms;
    }
    // Dreg every r1Interval steps
    if (this.step % this.opts.r1Interval === 0) {
      const rFeeds: Record<string, Tensor> = { real };
      this.paramFeeds(rFeeds, 'D');
      t0 = performance.now();
      const rOut = await exes.dReg.runNamed(rFeeds, into.dReg);
      stats.ms.dReg = performance.now() - t0;
      this.optD.step(this.dKeys.map((k) => rOut[`grad:D.${k}`] ?? null));
      stats.r1 = rOut.r1.item();
    }
    this.step++;
    this.imagesSeen += batch;
    this.updateEma();
    return stats;
  }

  /** Greg: the path-length penalty's G gradient on batch / shrink fresh latents, noise and image noise. */
  private async pathLengthPhase(exe: Executable, into: Record<string, Tensor>) {
    const n = pathLengthBatch(this.opts.batch, { batchShrink: this.opts.plBatchShrink });
    const feeds = this.phaseFeeds(n);
    const { imgChannels: c, imgResolution: r } = this.cfg;
    feeds.plNoise = Tensor.float32([n, c, r, r], this.rng.standardNormalFloat32([n, c, r, r]));
    feeds.plMeanBefore = Tensor.float32([], [this.plMean]);
    this.paramFeeds(feeds, 'G');
    const t0 = performance.now();
    const out = await exe.runNamed(feeds, into);
    const ms = performance.now() - t0;
    this.optG.step(this.gKeys.map((k) => out[`grad:G.${k}`] ?? null));
    this.plMean = out.plMean.item();
    return { ms, pl: { penalty: out.plPenalty.item(), length: out.plLength.item(), mean: this.plMean } };
  }

  private updateEma(): void {
    let emaNimg = this.opts.emaKimg * 1000;
    if (this.opts.emaRampup !== null) emaNimg = Math.min(emaNimg, this.imagesSeen * this.opts.emaRampup);
    const beta = 0.5 ** (this.opts.batch / Math.max(emaNimg, 1e-8));
    for (const [k, t] of this.g) {
      const e = this.gEma.get(k)!.data as Float32Array;
      const p = t.data as Float32Array;
      if (isStyleGAN2Buffer(k)) e.set(p);
      else for (let i = 0; i < p.length; i++) e[i] = p[i] + (e[i] - p[i]) * beta;
    }
  }

  /** Tensor groups and JSON state for a checkpoint (see src/train/checkpoint.ts). */
  checkpointParts(): { groups: Record<string, Map<string, Tensor>>; state: StyleGAN2TrainerJson } {
    const optG = packAdam('optG', this.optG, this.gKeys);
    const optD = packAdam('optD', this.optD, this.dKeys);
    return {
      groups: { G: this.g, D: this.d, G_ema: this.gEma, ...optG.groups, ...optD.groups },
      state: {
        step: this.step,
        imagesSeen: this.imagesSeen,
        rng: this.rng.getState(),
        optimizers: { G: optG.state, D: optD.state },
        ...(this.opts.plWeight !== 0 ? { plMean: this.plMean } : {}),
      },
    };
  }

  /** Restores what checkpointParts saved. */
  restore(
    groups: Readonly<Record<string, ReadonlyMap<string, Tensor>>>,
    state: StyleGAN2TrainerJson,
    file: string,
  ): void {
    const assign = (dst: Map<string, Tensor>, name: string) => {
      const src = groups[name];
      if (!src) throw new CheckpointError(file, `no tensor group '${name}'`);
      for (const [k, t] of dst) {
        const v = src.get(k);
        if (!v || v.size !== t.size)
          throw new CheckpointError(file, `${name}/${k} is missing or has the wrong size`);
        (t.data as Float32Array).set(v.data as Float32Array);
      }
    };
    assign(this.g, 'G');
    assign(this.d, 'D');
    assign(this.gEma, 'G_ema');
    unpackAdam('optG', this.optG, this.gKeys, groups, state.optimizers.G, file);
    unpackAdam('optD', this.optD, this.dKeys, groups, state.optimizers.D, file);
    this.step = state.step;
    this.imagesSeen = state.imagesSeen;
    this.rng.setState(state.rng);
    this.plMean = state.plMean ?? 0;
  }

  async release(): Promise<void> {
    if (this.exes) await Promise.all(Object.values(this.exes).map((e) => e?.release()));
    this.exes = undefined;
    this.into = undefined;
  }
}
