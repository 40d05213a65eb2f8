import type { Tensor } from '../core/tensor.js';
import type { ExternalFile } from '../onnx/model.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Intra-op threads; default: `setSessionDefaults`, LATENTLAB_THREADS, else the number of cores, at most 4. */
  threads?: number;
  /** ORT graph optimisation level; default 'all' (pre-packs constant conv weights). */
  optimization?: OptimizationLevel;
  /**
   * Let ORT's worker threads spin-wait between ops. Measured here: with spinning, DCGAN training ran
   * 2x slower on a busy 2-core machine and a session run right after two others took 1.8-2.35x
   * longer; without it, no cost was found. Default: off, or LATENTLAB_SPIN=1.
   */
  spinning?: boolean;
  /**
   * ORT's memory pattern: after the first run, every run allocates one block laid out by the first
   * run's allocation trace. On top of the arena, which keeps the first run's memory, it doubles the
   * peak: a 1024x1024 StyleGAN2 projection step went from 4.3 to 7.4 GiB resident at its second run.
   * Without it the arena alone reuses freed chunks. Default: off, or LATENTLAB_MEM_PATTERN=1.
   */
  memoryPattern?: boolean;
  /**
   * ORT's CPU memory arena (a BFC arena that keeps every block it ever grew). Off, each tensor is a
   * plain malloc/free: a 1024x1024 StyleGAN2 projection peaked 0.57 GiB lower, but with glibc's
   * defaults big blocks go back to the kernel and every step page-faults its activations afresh,
   * unless the process started with `withKeptPages` (mallocEnv.ts). Default: on, or LATENTLAB_MEM_ARENA=0
   * (projections from 512 px turn it off themselves when pages are kept: `projectionDropsArena`).
   */
  memoryArena?: boolean;
}

/**
 * What a runtime must provide: onnxruntime-node implements it here (ortNode.ts); onnxruntime-web
 * (wasm/WebGPU) implements it for pages in src/studio/web/src/engine/ortWeb.ts.
 */
export interface Backend {
  readonly name: string;
  /** True when createSession takes in-memory external initializer data (`external`). */
  readonly externalData?: boolean;
  /**
   * `external`: the files the model's external initializers name (only passed to a backend with
   * `externalData`); the runtime copies what it needs while creating the session.
   */
  createSession(model: Uint8Array, options: Required<SessionOptions>, external?: readonly ExternalFile[]): Promise<BackendSession>;
}

export interface BackendSession {
  /**
   * Runs the model. `into` optionally holds preallocated output tensors that the runtime writes
   * in place (training loops reuse them every step).
   */
  run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[], into?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}
