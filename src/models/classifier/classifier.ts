import type { Tensor } from '../../core/tensor.js';
import { Weights } from '../../nn/weights.js';
import { ProgramCache } from '../../runtime/programCache.js';
import type { Executable } from '../../runtime/compile.js';
import type { Provenance } from '../manifest.js';
import { type ClassifierConfig, type ResolvedClassifier, resolveClassifier } from './config.js';

/** model.json of a classifier bundle (format `latentlab-classifier`). */
export interface ClassifierManifest {
  format: 'latentlab-classifier';
  version: 1;
  name: string;
  config: ClassifierConfig;
  /** One name per class, in logit order. */
  labelNames: string[];
  /** Pixel range the network expects: [-1, 1], like generator output. */
  inputRange: [number, number];
  /** Image side and channels it was trained on (the config's, repeated for readers of the JSON). */
  resolution: number;
  channels: number;
  /** Accuracy on the dataset's test split, in [0, 1] (null when not measured). */
  testAccuracy: number | null;
  /** Where the weights came from; training facts (command, epochs, seconds) go in `training`. */
  provenance: Provenance;
  /** sha256 over the weights (see `hashTensors`). */
  contentHash: string;
}

/**
 * A loaded classifier: manifest plus weights by checkpoint key. Weights enter graphs as constants
 * (ORT pre-packs them); compiled programs are cached per key, as in GanModel.
 */
export class Classifier {
  private readonly programs = new ProgramCache();
  private constWeights?: Weights;
  readonly config: ResolvedClassifier;

  constructor(
    readonly manifest: ClassifierManifest,
    readonly tensors: ReadonlyMap<string, Tensor>,
  ) {
    this.config = resolveClassifier(manifest.config);
  }

  get name(): string {
    return this.manifest.name;
  }

  get labelNames(): readonly string[] {
    return this.manifest.labelNames;
  }

  get featureDim(): number {
    return this.config.featureDim;
  }

  /** The weights as graph constants, created once so every program shares the same values. */
  weights(): Weights {
    this.constWeights ??= new Weights(this.tensors, 'constant', this.name);
    return this.constWeights;
  }

  /** A compiled program cached under `key` (e.g. `predict:64x32`). */
  program(key: string, make: () => Promise<Executable>): Promise<Executable> {
    return this.programs.get(key, make);
  }

  /** Frees the compiled sessions (the classifier stays usable: programs recompile on demand). */
  async release(): Promise<void> {
    await this.programs.release();
  }
}
