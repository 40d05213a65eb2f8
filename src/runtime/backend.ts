import type { Tensor } from '../core/tensor.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Intra-op threads; default: the number of cores, at most 4. */
  threads?: number;
  /** ORT graph optimisation level; default 'all' (pre-packs constant conv weights). */
  optimization?: OptimizationLevel;
}

/**
 * What a runtime must provide: onnxruntime-node implements it here; onnxruntime-web (wasm/WebGPU)
 * can implement the same two methods in the studio.
 */
export interface Backend {
  readonly name: string;
  createSession(model: Uint8Array, options: Required<SessionOptions>): Promise<BackendSession>;
}

export interface BackendSession {
  /**
   * Runs the model. `into` optionally holds preallocated output tensors that the runtime writes
   * in place (training loops reuse them every step).
   */
  run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[], into?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}
