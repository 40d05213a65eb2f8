import { hashOf } from '../core/options.js';
import { join } from 'node:path';
import { ArgumentError, CheckpointError } from '../core/errors.js';
import { RandomState, type RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import { BatchSampler, type BatchSamplerState } from '../data/sampler.js';
import { makeGrid, toImages, writePng } from '../formats/image.js';
import { Encoder, type EncoderManifest } from '../models/encoder/encoder.js';
import { writeEncoderBundle } from '../models/io/encoderBundle.js';
import { type EncoderConfig, type ResolvedEncoder, resolveEncoder } from '../models/encoder/config.js';
import { initEncoderWeights } from '../models/encoder/network.js';
import { stackImages } from '../inversion/encode.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { batchRows } from '../models/batching.js';
import { mapZ, sampleZ, synthesize } from '../models/generate.js';
import { reconstructionMetrics } from '../inversion/metrics.js';
import { AdamTrainer, type AdamTrainerState, checkpointWeights, type CompiledTrainer, compileTrainer } from './adamTrainer.js';
import type { AdamJsonState, Checkpoint } from './checkpoint.js';
import { buildEncoderEvalProgram, buildEncoderTrainProgram, type EncoderLossWeights } from './encoderGraphs.js';
import type { StepResult } from './loop.js';
import type { TrainingProgress } from './types.js';

/** Settings that define an encoder run; a resumed run must use the same (the generator may change). */
export interface EncoderTrainConfig {
  /** Real-image dataset identity, checked on resume. */
  data: string;
  network: EncoderConfig;
  /** Generated (code, image) pairs per step. */
  generated: number;
  /** Real dataset images per step (image losses only). */
  real: number;
  /** Adam learning rate (betas 0.9, 0.999). */
  lr: number;
  /** Halve the learning rate every this many kimg (null: constant). Depends only on kimg, so runs can be extended. */
  lrHalfLifeKimg: number | null;
  weights: EncoderLossWeights;
  /** Probability that a generated row mixes two codes at a random crossover row (StyleGAN's 0.9). */
  mixingProb: number;
  /** Std of independent Gaussian offsets added to every W+ row, in units of the w spread around w_avg. */
  rowNoise: number;
  seed: number;
  subset: number | null;
}

/** One evaluation of reconstruction quality on held-out images. */
export interface EncoderEvalRecord {
  kimg: number;
  seconds: number;
  images: number;
  mse: number;
  psnr: number;
  ssim: number;
}

/** The JSON half of an encoder checkpoint. */
export interface EncoderCheckpointState {
  kind: 'encoder';
  progress: TrainingProgress;
  config: EncoderTrainConfig;
  /** hashOf(config): a resume with other options is refused naming them (absent in older checkpoints). */
  optionsHash?: string;
  /** The generator the weights were last trained against. */
  generator: { name: string; contentHash: string };
  classifier: { name: string; contentHash: string };
  rng: RandomStateSnapshot;
  sampler: BatchSamplerState;
  optimizer: AdamJsonState;
  history: EncoderEvalRecord[];
  command?: string;
}

export interface EncoderTaskOptions {
  outdir: string;
  /** Held-out real images: the sample grid's real rows and the quality evaluated at each snapshot. */
  testset: ImageDataset;
  /** Test images evaluated per snapshot (default 100). */
  evalImages?: number;
  /** Bundle name (default `encoder-<generator name>`). */
  name?: string;
  /** Storage dtype of the bundle written at snapshots (default float32). */
  bundleDtype?: 'float32' | 'float16';
  onMessage?: (line: string) => void;
  command?: string;
  threads?: number;
}

const GRID_COLUMNS = 8;

/**
 * Encoder training as a TrainingTask. Each step draws `generated` style-mixed W+ codes (z from a
 * seeded RandomState, constant noise) and `real` dataset images, and takes one Adam step on the
 * weighted latent + pixel + classifier-feature loss (see buildEncoderTrainProgram).
 */
export class EncoderTrainer extends AdamTrainer<'encoder', EncoderEvalRecord> {
  readonly cfg: ResolvedEncoder;
  private readonly real: Tensor<'float32'>;
  private readonly generator: { name: string; contentHash: string };
  /** The generated rows' inputs of the current step (z, z2, mix, wsNoise) and the real batch. */
  private readonly inputs: Record<string, Tensor> = {};

  private constructor(
    readonly config: EncoderTrainConfig,
    /** Current weights by key (w_avg included). */
    tensors: Map<string, Tensor>,
    readonly model: GanModel,
    readonly classifier: Classifier | null,
    readonly dataset: ImageDataset,
    sampler: BatchSampler,
    rng: RandomState,
    /** Spread of w around w_avg (per-dimension RMS), the unit of rowNoise. */
    readonly wSpread: number,
    compiled: CompiledTrainer,
    private readonly opts: EncoderTaskOptions,
  ) {
    super('encoder', 'E', tensors, compiled, sampler, rng, opts.outdir, { lr: config.lr, betas: [0.9, 0.999] });
    this.cfg = resolveEncoder(config.network);
    this.real = Tensor.float32([config.real, this.cfg.imgChannels, this.cfg.resolution, this.cfg.resolution]);
    this.generator = { name: model.name, contentHash: model.manifest.contentHash };
  }

  /** A fresh trainer (weights from `config.seed`, w_avg from `model`) or one restored from `checkpoint`. */
  static async create(
    config: EncoderTrainConfig,
    model: GanModel,
    classifier: Classifier | null,
    dataset: ImageDataset,
    opts: EncoderTaskOptions,
    checkpoint?: Checkpoint<EncoderCheckpointState>,
    file = '<checkpoint>',
  ): Promise<EncoderTrainer> {
    const cfg = resolveEncoder(config.network);
    let tensors: Map<string, Tensor>;
    if (checkpoint) tensors = checkpointWeights(checkpoint, 'E', file, 'an encoder');
    else {
      const wAvg = model.g.get('mapping.w_avg');
      if (!wAvg) throw new CheckpointError(model.name, "generator has no 'mapping.w_avg' buffer");
      tensors = initEncoderWeights(cfg, wAvg.toFloat32().data, config.seed);
    }
    const wSpread = await spreadAroundAverage(model);
    const graph = buildEncoderTrainProgram(tensors, cfg, model, classifier, { generated: config.generated, real: config.real }, config.weights);
    const evalBatch = Math.min(50, opts.evalImages ?? 100, opts.testset.size);
    const ev = buildEncoderEvalProgram(tensors, cfg, model, evalBatch);
    const compiled = await compileTrainer(graph, { ...ev, batch: evalBatch }, opts.threads);
    const sampler = new BatchSampler(dataset, config.real, [config.seed, 1], { subset: config.subset ?? undefined });
    const rng = new RandomState([config.seed, 2]);
    const t = new EncoderTrainer(config, tensors, model, classifier, dataset, sampler, rng, wSpread, compiled, opts);
    if (checkpoint) t.restoreRun(checkpoint.state, checkpoint.groups, file);
    return t;
  }

  private restoreRun(s: EncoderCheckpointState, groups: Checkpoint['groups'], file: string): void {
    this.restore(s, s.rng, groups, file);
    if (s.generator.contentHash !== this.generator.contentHash) {
      this.opts.onMessage?.(
        `generator changed: ${file} was trained against ${s.generator.name} (${s.generator.contentHash.slice(0, 12)}), now ${this.model.name} (${this.generator.contentHash.slice(0, 12)}); fine-tuning for the new weights`,
      );
    }
    const clfHash = this.classifier?.manifest.contentHash ?? 'none';
    if (s.classifier.contentHash !== clfHash) {
      this.opts.onMessage?.(`feature classifier changed since ${file} (${s.classifier.contentHash.slice(0, 12)} -> ${clfHash.slice(0, 12)})`);
    }
  }

  /** Fills the generated rows' inputs: z, z2, per-row crossover masks and W+ row offsets. */
  private drawGenerated(): void {
    const { generated: n, mixingProb, rowNoise } = this.config;
    if (n === 0) return;
    const g = this.model.styleSpace();
    this.inputs.z = Tensor.float32([n, g.zDim], this.rng.standardNormalFloat32([n, g.zDim]));
    this.inputs.z2 = Tensor.float32([n, g.zDim], this.rng.standardNormalFloat32([n, g.zDim]));
    const mix = Tensor.float32([n, g.numWs, 1]);
    for (let i = 0; i < n; i++) {
      const candidate = this.rng.randint(1, g.numWs) as number;
      const cutoff = this.rng.randomSample() < mixingProb ? candidate : g.numWs;
      for (let r = 0; r < cutoff; r++) mix.data[i * g.numWs + r] = 1;
    }
    this.inputs.mix = mix;
    const noise = this.rng.standardNormalFloat32([n, g.numWs, g.wDim]);
    const scale = rowNoise * this.wSpread;
    for (let i = 0; i < noise.length; i++) noise[i] *= scale;
    this.inputs.wsNoise = Tensor.float32([n, g.numWs, g.wDim], noise);
  }

  /** Learning rate after `imagesSeen` images. */
  lrAt(imagesSeen: number): number {
    const h = this.config.lrHalfLifeKimg;
    return h === null ? this.config.lr : this.config.lr * 0.5 ** (imagesSeen / 1000 / h);
  }

  async step(p: Readonly<TrainingProgress>): Promise<StepResult> {
    this.drawGenerated();
    if (this.config.real > 0) {
      this.real.data.set(this.sampler.next().images.data);
      this.inputs.real = this.real;
    }
    const out = await this.trainStep(this.inputs, this.lrAt(p.imagesSeen));
    const values: Record<string, number> = { loss: out.loss.item(), pix: out.pixel.item(), feat: out.feature ? out.feature.item() : 0 };
    if (out.latent) values.lat = out.latent.item();
    return { images: this.config.generated + this.config.real, values };
  }

  /** ws and reconstructions of images [N, C, R, R] with the current weights. */
  async reconstruct(images: Tensor<'float32'>): Promise<{ ws: Tensor<'float32'>; recon: Tensor<'float32'> }> {
    const n = images.shape[0];
    const rowSize = images.size / n;
    const ws = Tensor.float32([n, this.cfg.numWs, this.cfg.wDim]);
    const recon = Tensor.float32(images.shape);
    const wsRow = this.cfg.numWs * this.cfg.wDim;
    await this.evaluateBatches(
      n,
      (start, count, batch) => batchRows(images, start, count, batch),
      (out, start, count) => {
        ws.data.set(out.ws.f32.subarray(0, count * wsRow), start * wsRow);
        recon.data.set(out.recon.f32.subarray(0, count * rowSize), start * rowSize);
      },
    );
    return { ws, recon };
  }

  private testImages(n: number): Tensor<'float32'> {
    const d = this.opts.testset;
    const count = Math.min(n, d.size);
    return stackImages(Array.from({ length: count }, (_, i) => d.image(i)), d.channels, d.resolution);
  }

  /** samples/recon-<images>.png: rows of generated targets, their reconstructions, test images, theirs. */
  async sample(p: Readonly<TrainingProgress>): Promise<void> {
    const fakes = await synthesize(this.model, await mapZ(this.model, sampleZ(this.model, Array.from({ length: GRID_COLUMNS }, (_, i) => i))), { noiseMode: 'const' });
    const reals = this.testImages(GRID_COLUMNS);
    const fakeRecon = (await this.reconstruct(fakes)).recon;
    const realRecon = (await this.reconstruct(reals)).recon;
    const rows = [fakes, fakeRecon, reals, realRecon].flatMap((t) => toImages(t));
    await writePng(join(this.files.samples, `recon-${String(p.imagesSeen).padStart(9, '0')}.png`), makeGrid(rows, GRID_COLUMNS, 1, 255));
  }

  /** Reconstruction quality on the first `evalImages` test images (the projector's metrics: MSE on [0, 1], PSNR, SSIM). */
  async evaluate(): Promise<{ images: number; mse: number; psnr: number; ssim: number }> {
    const x = this.testImages(this.opts.evalImages ?? 100);
    const { recon } = await this.reconstruct(x);
    const m = await reconstructionMetrics(recon, x);
    const mean = (f: (q: (typeof m)[number]) => number) => m.reduce((s, q) => s + f(q), 0) / m.length;
    return { images: x.shape[0], mse: mean((q) => q.mse), psnr: mean((q) => q.psnr), ssim: mean((q) => q.ssim) };
  }

  encoder(p: Readonly<TrainingProgress>): Encoder {
    const manifest: EncoderManifest = {
      format: 'latentlab-encoder',
      version: 1,
      name: this.opts.name ?? `encoder-${this.model.name}`,
      config: { ...this.config.network },
      generator: { ...this.generator },
      inputRange: [-1, 1],
      provenance: {
        format: 'latentlab-train',
        source: 'latentlab train encoder',
        created: new Date().toISOString(),
        training: {
          command: this.opts.command ?? null,
          kimg: p.imagesSeen / 1000,
          step: p.step,
          seconds: Math.round(p.seconds * 10) / 10,
          classifier: this.classifier?.name ?? 'none',
          testset: this.opts.testset.name,
          history: this.history,
          ...this.config,
        },
      },
      contentHash: '',
      weightsDtype: 'float32',
    };
    return new Encoder(manifest, new Map([...this.tensors].map(([k, t]) => [k, t.clone()])));
  }

  async snapshot(p: Readonly<TrainingProgress>): Promise<void> {
    const q = await this.evaluate();
    this.history.push({ kimg: p.imagesSeen / 1000, seconds: Math.round(p.seconds * 10) / 10, ...q });
    this.opts.onMessage?.(`kimg ${(p.imagesSeen / 1000).toFixed(1)}: ${q.images} test images PSNR ${q.psnr.toFixed(2)} dB, SSIM ${q.ssim.toFixed(4)}`);
    await writeEncoderBundle(this.files.bundle, this.encoder(p), { dtype: this.opts.bundleDtype });
  }

  protected checkpointState(
    _p: Readonly<TrainingProgress>,
    common: AdamTrainerState<'encoder', EncoderEvalRecord>,
  ): EncoderCheckpointState {
    const { kind, progress, sampler, optimizer, history } = common;
    return {
      kind,
      progress,
      config: this.config,
      optionsHash: hashOf(this.config),
      generator: this.generator,
      classifier: { name: this.classifier?.name ?? 'none', contentHash: this.classifier?.manifest.contentHash ?? 'none' },
      rng: this.rng.getState(),
      sampler,
      optimizer,
      history,
      command: this.opts.command,
    };
  }
}

/** Per-dimension RMS of w around w_avg over 1000 fixed seeds (the unit of the row noise). */
async function spreadAroundAverage(model: GanModel): Promise<number> {
  const g = model.styleSpace();
  const n = 1000;
  const ws = await mapZ(model, sampleZ(model, Array.from({ length: n }, (_, i) => 1_000_000 + i)), { batchSize: 250 });
  const wAvg = model.g.get('mapping.w_avg')!.toFloat32().data;
  let sum = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < g.wDim; k++) sum += (ws.data[i * g.numWs * g.wDim + k] - wAvg[k]) ** 2;
  return Math.sqrt(sum / (n * g.wDim));
}

export function checkEncoderTrainConfig(c: EncoderTrainConfig): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new ArgumentError(`train encoder: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('generated', c.generated, 0);
  int('real', c.real, 0);
  if (c.generated + c.real < 1) throw new ArgumentError('train encoder: a step needs at least one generated or real image');
  if (c.subset !== null) int('subset', c.subset, 1);
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new ArgumentError(`train encoder: lr must be > 0, got ${c.lr}`);
  if (c.lrHalfLifeKimg !== null && !(c.lrHalfLifeKimg > 0)) throw new ArgumentError(`train encoder: lr half-life must be > 0 kimg, got ${c.lrHalfLifeKimg}`);
  for (const [k, v] of Object.entries(c.weights))
    if (!(v >= 0) || !Number.isFinite(v)) throw new ArgumentError(`train encoder: loss weight ${k} must be >= 0, got ${v}`);
  if (!(c.mixingProb >= 0 && c.mixingProb <= 1)) throw new ArgumentError(`train encoder: mixing probability must lie in [0, 1], got ${c.mixingProb}`);
  if (!(c.rowNoise >= 0)) throw new ArgumentError(`train encoder: row noise must be >= 0, got ${c.rowNoise}`);
  resolveEncoder(c.network);
}
