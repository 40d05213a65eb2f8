import type { Tensor } from '../core/tensor.js';
import { Weights } from '../nn/weights.js';
import type { Executable } from '../runtime/compile.js';
import { ProgramCache } from '../runtime/programCache.js';

/**
 * A network read from a bundle (classifier, encoder): manifest, weights by checkpoint key, and a cache
 * of compiled programs. Weights enter graphs as constants (ORT pre-packs them), created once so every
 * program shares the same values.
 */
export abstract class LoadedNetwork<M extends { name: string }> {
  private readonly programs = new ProgramCache();
  private constWeights?: Weights;

  constructor(
    readonly manifest: M,
    readonly tensors: ReadonlyMap<string, Tensor>,
  ) {}

  get name(): string {
    return this.manifest.name;
  }

  /** The weights as graph constants, created once. */
  weights(): Weights {
    this.constWeights ??= new Weights(this.tensors, 'constant', this.name);
    return this.constWeights;
  }

  /** A compiled program cached under `key` (e.g. `predict:64x32`). */
  program(key: string, make: () => Promise<Executable>): Promise<Executable> {
    return this.programs.get(key, make);
  }

  /** Frees the compiled sessions (the network stays usable: programs recompile on demand). */
  async release(): Promise<void> {
    await this.programs.release();
  }
}
