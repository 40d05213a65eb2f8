import { CheckpointError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Weights } from '../../nn/weights.js';
import { ProgramCache } from '../../runtime/programCache.js';
import type { Executable } from '../../runtime/compile.js';
import type { GanModel } from '../ganModel.js';
import type { Provenance } from '../manifest.js';
import { type EncoderConfig, encoderFitsModel, type ResolvedEncoder, resolveEncoder } from './config.js';

/** model.json of an encoder bundle (format `latentlab-encoder`), after the classifier bundle. */
export interface EncoderManifest {
  format: 'latentlab-encoder';
  version: 1;
  name: string;
  config: EncoderConfig;
  /** The generator it was trained for: its codes are W+ codes of this model. */
  generator: { name: string; contentHash: string };
  /** Pixel range of the input images: [-1, 1], like generator output. */
  inputRange: [number, number];
  /** Where the weights came from; training facts (command, kimg, seconds, losses) in `training`. */
  provenance: Provenance;
  /** sha256 over the float32 weights (see `hashTensors`), independent of the storage dtype. */
  contentHash: string;
  /** Storage dtype of weights.safetensors; float16 is upcast on load. */
  weightsDtype: 'float32' | 'float16';
}

/** A loaded encoder: manifest, float32 weights by key, and a cache of compiled programs. */
export class Encoder {
  private readonly programs = new ProgramCache();
  private constWeights?: Weights;
  readonly config: ResolvedEncoder;

  constructor(
    readonly manifest: EncoderManifest,
    readonly tensors: ReadonlyMap<string, Tensor>,
  ) {
    this.config = resolveEncoder(manifest.config);
  }

  get name(): string {
    return this.manifest.name;
  }

  /** The weights as graph constants (ORT pre-packs them), created once. */
  weights(): Weights {
    this.constWeights ??= new Weights(this.tensors, 'constant', this.name);
    return this.constWeights;
  }

  /** A compiled program cached under `key`. */
  program(key: string, make: () => Promise<Executable>): Promise<Executable> {
    return this.programs.get(key, make);
  }

  /**
   * How `model` relates to the generator this encoder was trained for: null when it is the same
   * weights; a warning when only the weights differ (e.g. a newer snapshot of the same config: the
   * codes still fit, quality may drop until fine-tuned). Throws when the sizes do not fit.
   */
  checkModel(model: GanModel): string | null {
    const misfit = encoderFitsModel(this.manifest.config, model);
    if (misfit) throw new CheckpointError(this.name, `encoder does not fit ${model.name}: ${misfit}`);
    const want = this.manifest.generator;
    if (want.contentHash === model.manifest.contentHash) return null;
    return `encoder ${this.name} was trained for ${want.name} (${want.contentHash.slice(0, 12)}), not these weights of ${model.name} (${model.manifest.contentHash.slice(0, 12)}); codes still fit, fine-tune with 'latentlab train encoder --resume --model' for best results`;
  }

  async release(): Promise<void> {
    await this.programs.release();
  }
}
