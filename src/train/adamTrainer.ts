import { CheckpointError } from '../core/errors.js';
import type { RandomState, RandomStateSnapshot } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { BatchSampler, BatchSamplerState } from '../data/sampler.js';
import type { Program } from '../graph/program.js';
import { Adam, type AdamGroupConfig } from '../optim/adam.js';
import { compile, type Executable } from '../runtime/compile.js';
import { type AdamJsonState, type Checkpoint, packAdam, saveCheckpoint, unpackAdam } from './checkpoint.js';
import type { StepResult, TrainingTask } from './loop.js';
import { type RunFiles, runFiles } from './run.js';
import type { TrainingProgress } from './types.js';

/**
 * What the classifier and encoder trainers share: ONE network's weights (by checkpoint key) trained by
 * Adam through a compiled train-step program with a `grad:<key>` output per trainable weight, an
 * evaluation program run in fixed batches, a seeded batch sampler and one more seeded random stream,
 * and checkpoints of weights plus optimiser moments. A subclass fills the step's inputs and says what
 * its evaluation, bundle and checkpoint state are.
 */

/** The compiled halves of a trainer: the train step (outputs preallocated) and the evaluation program. */
export interface CompiledTrainer {
  train: { exe: Executable; into: Record<string, Tensor> };
  /** Trainable keys, in the order of the `grad:` outputs (and of the optimiser's parameters). */
  keys: string[];
  evaluator: { exe: Executable; keys: string[]; batch: number };
}

/** Compiles both programs for one run (noCache: the run owns its sessions and releases them at the end). */
export async function compileTrainer(
  train: { program: Program; params: string[] },
  evaluate: { program: Program; keys: string[]; batch: number },
  threads: number | undefined,
): Promise<CompiledTrainer> {
  const exe = await compile(train.program, { threads, noCache: true });
  const into: Record<string, Tensor> = {};
  for (const o of exe.outputs) into[o.name] = Tensor.zeros(o.dtype, o.shape);
  const evalExe = await compile(evaluate.program, { threads, noCache: true });
  return { train: { exe, into }, keys: train.params, evaluator: { exe: evalExe, keys: evaluate.keys, batch: evaluate.batch } };
}

/** The weights of tensor group `group` of a checkpoint, copied (the run updates them in place). */
export function checkpointWeights(checkpoint: Checkpoint, group: string, file: string, what: string): Map<string, Tensor> {
  const g = checkpoint.groups[group];
  if (!g) throw new CheckpointError(file, `no ${group} tensor group: not ${what} training checkpoint`);
  return new Map([...g].map(([k, t]) => [k, t.clone()]));
}

/** The checkpoint state every AdamTrainer stores (a subclass adds its own fields). */
export interface AdamTrainerState<K extends string, H> {
  kind: K;
  progress: TrainingProgress;
  sampler: BatchSamplerState;
  optimizer: AdamJsonState;
  history: H[];
  command?: string;
}

export abstract class AdamTrainer<K extends string, H> implements TrainingTask {
  readonly files: RunFiles;
  /** One record per evaluation (kept in checkpoints and bundles). */
  readonly history: H[] = [];
  protected readonly keys: readonly string[];
  protected readonly adam: Adam;
  /** The trainable weights as program inputs (the optimiser updates them in place). */
  protected readonly feeds: Record<string, Tensor> = {};

  protected constructor(
    /** The `kind` of its checkpoints, and the tensor group of its weights. */
    private readonly kind: K,
    private readonly group: string,
    /** Current weights by checkpoint key. */
    readonly tensors: Map<string, Tensor>,
    protected readonly compiled: CompiledTrainer,
    protected readonly sampler: BatchSampler,
    /** The run's second random stream (augmentation, code sampling), beside the sampler's. */
    protected readonly rng: RandomState,
    outdir: string,
    adam: Omit<AdamGroupConfig, 'params'>,
  ) {
    this.files = runFiles(outdir);
    this.keys = compiled.keys;
    this.adam = new Adam({ ...adam, params: this.keys.map((k) => tensors.get(k) as Tensor<'float32'>) });
    for (const k of this.keys) this.feeds[k] = tensors.get(k)!;
  }

  abstract step(p: Readonly<TrainingProgress>): Promise<StepResult>;

  /** The JSON half of a checkpoint at `p`: `common` plus what the subclass must restore exactly. */
  protected abstract checkpointState(p: Readonly<TrainingProgress>, common: AdamTrainerState<K, H>): AdamTrainerState<K, H>;

  /** Runs the train step on the weights plus `inputs`, then one Adam step at `lr`; returns every output. */
  protected async trainStep(inputs: Readonly<Record<string, Tensor>>, lr: number): Promise<Record<string, Tensor>> {
    const { exe, into } = this.compiled.train;
    const out = await exe.runNamed({ ...this.feeds, ...inputs }, into);
    this.adam.setLr(lr);
    this.adam.step(this.keys.map((k) => out[`grad:${k}`]));
    return out;
  }

  /**
   * Runs the evaluation program over `n` rows in its fixed batch: `input(start, count, batch)` gives a
   * batch's `x` (rows past `count` are padding), `take` reads the outputs of its first `count` rows.
   */
  protected async evaluateBatches(
    n: number,
    input: (start: number, count: number, batch: number) => Tensor,
    take: (out: Record<string, Tensor>, start: number, count: number) => void,
  ): Promise<void> {
    const { exe, keys, batch } = this.compiled.evaluator;
    const weights: Record<string, Tensor> = {};
    for (const k of keys) weights[k] = this.tensors.get(k)!;
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      take(await exe.runNamed({ ...weights, x: input(start, count, batch) }), start, count);
    }
  }

  /** Restores what `checkpointData` stored besides the weights: optimiser, sampler, RNG and history. */
  protected restore(s: AdamTrainerState<K, H>, rng: RandomStateSnapshot, groups: Checkpoint['groups'], file: string): void {
    if (s.kind !== this.kind) throw new CheckpointError(file, `a '${String(s.kind)}' checkpoint, not a '${this.kind}' one`);
    unpackAdam('opt', this.adam, this.keys, groups, s.optimizer, file);
    this.sampler.setState(s.sampler);
    this.rng.setState(rng);
    this.history.push(...s.history);
  }

  checkpointData(p: Readonly<TrainingProgress>): Checkpoint<AdamTrainerState<K, H>> {
    const opt = packAdam('opt', this.adam, this.keys);
    const common: AdamTrainerState<K, H> = {
      kind: this.kind,
      progress: { ...p },
      sampler: this.sampler.getState(),
      optimizer: opt.state,
      history: this.history,
    };
    return { groups: { [this.group]: this.tensors, ...opt.groups }, state: this.checkpointState(p, common) };
  }

  async saveCheckpoint(p: Readonly<TrainingProgress>): Promise<void> {
    await saveCheckpoint(this.files.checkpoint, this.checkpointData(p));
  }

  async release(): Promise<void> {
    await Promise.all([this.compiled.train.exe.release(), this.compiled.evaluator.exe.release()]);
  }
}
