import { CheckpointError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { GanModel } from '../ganModel.js';
import { LoadedNetwork } from '../loadedNetwork.js';
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
export class Encoder extends LoadedNetwork<EncoderManifest> {
  readonly config: ResolvedEncoder;

  constructor(manifest: EncoderManifest, tensors: ReadonlyMap<string, Tensor>) {
    super(manifest, tensors);
    this.config = resolveEncoder(manifest.config);
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
}
