import { CheckpointError } from '../core/errors.js';
import { float32ToHalf, Tensor } from '../core/tensor.js';
import { readTensorBundle, writeTensorBundle } from '../formats/tensorBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { hashTensors, type Provenance } from '../models/manifest.js';
import { Weights } from '../nn/weights.js';
import { ProgramCache } from '../runtime/programCache.js';
import type { Executable } from '../runtime/compile.js';
import { type EncoderConfig, encoderFitsModel, type ResolvedEncoder, resolveEncoder } from './encoderConfig.js';

export const ENCODER_FORMAT = 'latentlab-encoder';

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

/** The manifest's content hash for float32 weights. */
export function encoderHash(tensors: ReadonlyMap<string, Tensor>): string {
  return hashTensors({ E: tensors });
}

/** Rounds weights through float16 (what a float16 bundle stores), so the hash matches after a reload. */
export function roundToHalf(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map(
    [...tensors].map(([k, t]) => [k, new Tensor('float16', t.shape, float32ToHalf(t.toFloat32().data)).toFloat32()]),
  );
}

/**
 * Writes an encoder bundle folder: model.json + weights.safetensors (float32, or float16 halving the
 * size), both via temporaries and renames. The content hash is over the float32 values a reader gets.
 */
export async function writeEncoderBundle(
  dir: string,
  e: Encoder,
  opts: { dtype?: 'float32' | 'float16' } = {},
): Promise<EncoderManifest> {
  const dtype = opts.dtype ?? 'float32';
  const values = dtype === 'float16' ? roundToHalf(e.tensors) : new Map(e.tensors);
  const stored =
    dtype === 'float16'
      ? new Map([...values].map(([k, t]) => [k, new Tensor('float16', t.shape, float32ToHalf(t.toFloat32().data))]))
      : values;
  const manifest: EncoderManifest = { ...e.manifest, contentHash: encoderHash(values), weightsDtype: dtype };
  await writeTensorBundle(dir, manifest, stored);
  return manifest;
}

/** Reads an encoder bundle, upcasting float16, and checks the weights against the manifest's hash. */
export async function readEncoderBundle(dir: string): Promise<Encoder> {
  const { manifest, tensors } = await readTensorBundle<EncoderManifest>(dir, ENCODER_FORMAT, 'encoder', encoderHash);
  return new Encoder(manifest, tensors);
}
