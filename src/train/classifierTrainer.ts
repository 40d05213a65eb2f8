import { ArgumentError, ShapeError } from '../core/errors.js';
import { RandomState, type RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { ImageDataset } from '../data/dataset.js';
import { BatchSampler, type BatchSamplerState } from '../data/sampler.js';
import { writeClassifierBundle } from '../models/io/classifierBundle.js';
import { Classifier, type ClassifierManifest } from '../models/classifier/classifier.js';
import {
  type ClassifierConfig,
  type ResolvedClassifier,
  resolveClassifier,
} from '../models/classifier/config.js';
import { initClassifierWeights } from '../models/classifier/init.js';
import { argmaxRows } from '../models/classifier/predict.js';
import { runningStatsOf, updateRunningStats } from '../nn/batchnorm.js';
import { cosineSchedule, type Schedule } from '../optim/schedule.js';
import { AdamTrainer, type AdamTrainerState, checkpointWeights, type CompiledTrainer, compileTrainer } from './adamTrainer.js';
import type { AdamJsonState, Checkpoint } from './checkpoint.js';
import { type AugmentOptions, augmentInto } from './classifierAugment.js';
import {
  buildClassifierEvalProgram,
  buildClassifierTrainProgram,
  type ClassifierTrainProgram,
} from './classifierGraphs.js';
import type { StepResult } from './loop.js';
import type { TrainingProgress } from './types.js';

/** Settings that define the optimisation; a resumed run must use the same. */
export interface ClassifierTrainConfig {
  /** Dataset identity, checked on resume. */
  data: string;
  network: ClassifierConfig;
  /** Images per step. */
  batch: number;
  /** Passes over the training set (also the length of the learning-rate schedule). */
  epochs: number;
  /** Peak Adam learning rate: linear warmup, then half a cosine to 0 at the end of the run. */
  lr: number;
  warmupSteps: number;
  /** Adam L2 weight decay (torch semantics). */
  weightDecay: number;
  /** Label smoothing ε: targets (1 − ε)·onehot + ε/K. */
  labelSmoothing: number;
  /** Training-image augmentation; null for none. */
  augment: AugmentOptions | null;
  seed: number;
  /** Train on the first `subset` images only (null = all). */
  subset: number | null;
}

/** One evaluation on the test split, at the end of an epoch. */
export interface EpochRecord {
  epoch: number;
  kimg: number;
  seconds: number;
  testAccuracy: number;
  testLoss: number;
}

/** The JSON half of a classifier checkpoint. */
export interface ClassifierCheckpointState {
  kind: 'classifier';
  progress: TrainingProgress;
  config: ClassifierTrainConfig;
  sampler: BatchSamplerState;
  augmentRng: RandomStateSnapshot;
  optimizer: AdamJsonState;
  history: EpochRecord[];
  command?: string;
}

export interface ClassifierTaskOptions {
  outdir: string;
  /** Evaluated at the end of every epoch; its accuracy goes into the bundle. */
  testset: ImageDataset;
  /** Name of the bundle (default `classifier-<data>-<resolution>`). */
  name?: string;
  onMessage?: (line: string) => void;
  /** Recorded in the bundle's provenance. */
  command?: string;
  threads?: number;
}

/**
 * Classifier training as a TrainingTask: train-mode steps (BatchNorm batch statistics, running
 * statistics updated as PyTorch does), Adam with a cosine schedule, seeded order (BatchSampler)
 * and augmentation; each snapshot evaluates the test split and writes the bundle.
 */
export class ClassifierTrainer extends AdamTrainer<'classifier', EpochRecord> {
  readonly cfg: ResolvedClassifier;
  private readonly schedule: Schedule;
  private readonly x: Tensor<'float32'>;
  private readonly targets: Tensor<'float32'>;
  private readonly labels: Int32Array;
  private testAccuracy: number | null = null;

  private constructor(
    readonly config: ClassifierTrainConfig,
    tensors: Map<string, Tensor>,
    readonly dataset: ImageDataset,
    sampler: BatchSampler,
    augmentRng: RandomState,
    compiled: CompiledTrainer,
    private readonly batchNorms: ClassifierTrainProgram['batchNorms'],
    private readonly opts: ClassifierTaskOptions,
  ) {
    super('classifier', 'C', tensors, compiled, sampler, augmentRng, opts.outdir, { lr: config.lr, weightDecay: config.weightDecay });
    this.cfg = resolveClassifier(config.network);
    const totalSteps = Math.max(1, Math.ceil((config.epochs * sampler.size) / config.batch));
    const warmup = Math.min(config.warmupSteps, Math.floor(totalSteps / 10));
    this.schedule = cosineSchedule({ base: config.lr, numSteps: totalSteps, warmupSteps: warmup });
    const r = dataset.resolution;
    this.x = Tensor.float32([config.batch, dataset.channels, r, r]);
    this.targets = Tensor.float32([config.batch, this.cfg.numClasses]);
    this.labels = new Int32Array(config.batch);
  }

  /** A fresh trainer (weights from `config.seed`) or one restored from `checkpoint`. */
  static async create(
    config: ClassifierTrainConfig,
    dataset: ImageDataset,
    opts: ClassifierTaskOptions,
    checkpoint?: Checkpoint<ClassifierCheckpointState>,
    file = '<checkpoint>',
  ): Promise<ClassifierTrainer> {
    const cfg = resolveClassifier(config.network);
    for (const d of [dataset, opts.testset]) {
      if (
        d.channels !== cfg.inChannels ||
        d.numClasses !== cfg.numClasses ||
        d.resolution < cfg.minResolution
      ) {
        throw new ShapeError(
          `${d.name}: ${d.channels}×${d.resolution}² images in ${d.numClasses} classes; the classifier takes ${cfg.inChannels} channels, ${cfg.numClasses} classes, at least ${cfg.minResolution}px`,
        );
      }
    }
    const tensors = checkpoint ? checkpointWeights(checkpoint, 'C', file, 'a classifier') : initClassifierWeights(cfg, config.seed);
    const graph = buildClassifierTrainProgram(tensors, cfg, config.batch, dataset.resolution);
    const evalBatch = Math.min(500, opts.testset.size);
    const ev = buildClassifierEvalProgram(tensors, cfg, evalBatch, opts.testset.resolution);
    const compiled = await compileTrainer(graph, { ...ev, batch: evalBatch }, opts.threads);
    // Independent streams: init uses RandomState(seed), the sampler and augmentation these.
    const sampler = new BatchSampler(dataset, config.batch, [config.seed, 1], {
      subset: config.subset ?? undefined,
    });
    const augmentRng = new RandomState([config.seed, 2]);
    const t = new ClassifierTrainer(config, tensors, dataset, sampler, augmentRng, compiled, graph.batchNorms, opts);
    if (checkpoint) {
      t.restore(checkpoint.state, checkpoint.state.augmentRng, checkpoint.groups, file);
      const h = t.history;
      t.testAccuracy = h.length ? h[h.length - 1].testAccuracy : null;
    }
    return t;
  }

  /** Fills x and targets with the next batch, augmented. */
  private fillBatch(): void {
    const { augment, labelSmoothing } = this.config;
    const k = this.cfg.numClasses;
    const { channels, resolution } = this.dataset;
    const stride = channels * resolution * resolution;
    const off = labelSmoothing / k;
    this.targets.data.fill(off);
    this.sampler.nextIndices().forEach((idx, b) => {
      const img = this.dataset.image(idx);
      if (augment) augmentInto(this.x.data, b * stride, img, channels, resolution, this.rng, augment);
      else this.x.data.set(img, b * stride);
      const label = this.dataset.label(idx);
      this.labels[b] = label;
      this.targets.data[b * k + label] = 1 - labelSmoothing + off;
    });
  }

  async step(p: Readonly<TrainingProgress>): Promise<StepResult> {
    this.fillBatch();
    const out = await this.trainStep({ x: this.x, targets: this.targets }, this.schedule(p.step));
    for (const { prefix, count } of this.batchNorms) {
      const next = updateRunningStats(
        runningStatsOf(this.tensors, prefix),
        out[`mean:${prefix}`].f32,
        out[`var:${prefix}`].f32,
        count,
      );
      this.tensors.set(`${prefix}.running_mean`, next.runningMean);
      this.tensors.set(`${prefix}.running_var`, next.runningVar);
      this.tensors.set(`${prefix}.num_batches_tracked`, Tensor.int64([], [next.numBatchesTracked]));
    }
    const predicted = argmaxRows(out.logits);
    let correct = 0;
    predicted.forEach((c, b) => {
      if (c === this.labels[b]) correct++;
    });
    const values: Record<string, number> = { loss: out.loss.item(), acc: correct / this.config.batch };
    if (this.testAccuracy !== null) values.testAcc = this.testAccuracy;
    return { images: this.config.batch, values };
  }

  /** Accuracy and mean cross-entropy of the current weights (eval mode) on `dataset`. */
  async evaluate(dataset: ImageDataset): Promise<{ accuracy: number; loss: number }> {
    const { exe, batch } = this.compiled.evaluator;
    const { channels: c, resolution: r } = dataset;
    if (r !== exe.inputs[0].shape[2])
      throw new ShapeError(
        `evaluate: ${dataset.name} is ${r}px, the eval program ${exe.inputs[0].shape[2]}px`,
      );
    const x = Tensor.float32([batch, c, r, r]);
    const stride = c * r * r;
    const k = this.cfg.numClasses;
    let correct = 0;
    let loss = 0;
    await this.evaluateBatches(
      dataset.size,
      (start, count) => {
        for (let b = 0; b < batch; b++) x.data.set(dataset.image(start + Math.min(b, count - 1)), b * stride);
        return x;
      },
      (out, start, count) => {
        const logits = out.logits.f32;
        for (let b = 0; b < count; b++) {
          const row = logits.subarray(b * k, (b + 1) * k);
          const label = dataset.label(start + b);
          let best = 0;
          for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
          if (best === label) correct++;
          let sum = 0;
          for (let j = 0; j < k; j++) sum += Math.exp(row[j] - row[best]);
          loss += row[best] + Math.log(sum) - row[label];
        }
      },
    );
    return { accuracy: correct / dataset.size, loss: loss / dataset.size };
  }

  /** The current weights as a classifier bundle. */
  classifier(p: Readonly<TrainingProgress>): Classifier {
    const c = this.config;
    const manifest: ClassifierManifest = {
      format: 'latentlab-classifier',
      version: 1,
      name:
        this.opts.name ?? `classifier-${c.data.replace(/[^A-Za-z0-9._-]+/g, '_')}-${this.dataset.resolution}`,
      config: { ...c.network },
      labelNames: [...this.dataset.labelNames],
      inputRange: [-1, 1],
      resolution: this.dataset.resolution,
      channels: this.dataset.channels,
      testAccuracy: this.testAccuracy,
      provenance: {
        format: 'latentlab-train',
        source: 'latentlab train classifier',
        created: new Date().toISOString(),
        training: {
          command: this.opts.command ?? null,
          testset: this.opts.testset.name,
          kimg: p.imagesSeen / 1000,
          step: p.step,
          seconds: Math.round(p.seconds * 10) / 10,
          history: this.history,
          ...c,
        },
      },
      contentHash: '',
    };
    return new Classifier(manifest, new Map(this.tensors));
  }

  /** End of an epoch (and of the run): test accuracy, then the bundle. */
  async snapshot(p: Readonly<TrainingProgress>): Promise<void> {
    const { accuracy, loss } = await this.evaluate(this.opts.testset);
    this.testAccuracy = accuracy;
    const epoch = p.imagesSeen / this.sampler.size;
    this.history.push({
      epoch: Math.round(epoch * 1000) / 1000,
      kimg: p.imagesSeen / 1000,
      seconds: Math.round(p.seconds * 10) / 10,
      testAccuracy: accuracy,
      testLoss: loss,
    });
    this.opts.onMessage?.(
      `epoch ${epoch.toFixed(2)}: test accuracy ${(100 * accuracy).toFixed(2)}% (loss ${loss.toFixed(4)}), ${p.seconds.toFixed(0)} s`,
    );
    await writeClassifierBundle(this.files.bundle, this.classifier(p));
  }

  protected checkpointState(
    _p: Readonly<TrainingProgress>,
    common: AdamTrainerState<'classifier', EpochRecord>,
  ): ClassifierCheckpointState {
    const { kind, progress, sampler, optimizer, history } = common;
    return { kind, progress, config: this.config, sampler, augmentRng: this.rng.getState(), optimizer, history, command: this.opts.command };
  }
}

export function checkTrainConfig(c: ClassifierTrainConfig): void {
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`train classifier: ${name} must be a positive integer, got ${v}`);
  };
  posInt('epochs', c.epochs);
  posInt('batch', c.batch);
  if (c.subset !== null) posInt('subset', c.subset);
  if (c.batch < 2)
    throw new ArgumentError(
      'train classifier: batch must be at least 2 (BatchNorm needs two values per channel)',
    );
  if (!(c.lr > 0) || !Number.isFinite(c.lr))
    throw new ArgumentError(`train classifier: lr must be > 0, got ${c.lr}`);
  if (!(c.weightDecay >= 0))
    throw new ArgumentError(`train classifier: weight decay must be >= 0, got ${c.weightDecay}`);
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1))
    throw new ArgumentError(`train classifier: label smoothing must lie in [0, 1), got ${c.labelSmoothing}`);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0)
    throw new ArgumentError(`train classifier: warmup steps must be an integer >= 0, got ${c.warmupSteps}`);
  resolveClassifier(c.network);
}
