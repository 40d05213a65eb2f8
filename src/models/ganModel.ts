import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Weights } from '../nn/weights.js';
import { ProgramCache } from '../runtime/programCache.js';
import type { Executable } from '../runtime/compile.js';
import type { DcganGeneratorConfig } from './dcgan/config.js';
import type { BundleManifest } from './manifest.js';
import { type GeneratorConfig, type ResolvedGenerator, resolveGenerator } from './stylegan2/config.js';
import type { DiscriminatorConfig } from './stylegan2/discriminator.js';

/**
 * A loaded generator (and optionally its discriminator): the manifest plus weights by checkpoint key.
 * It caches compiled programs per shape and option set, so repeated calls cost one ORT run.
 */
export class GanModel {
  private readonly programs = new ProgramCache();
  private gConst?: Weights;
  private dConst?: Weights;

  constructor(
    readonly manifest: BundleManifest,
    readonly g: ReadonlyMap<string, Tensor>,
    readonly d?: ReadonlyMap<string, Tensor>,
  ) {}

  get name(): string {
    return this.manifest.name;
  }

  get architecture(): BundleManifest['architecture'] {
    return this.manifest.architecture;
  }

  get zDim(): number {
    return this.manifest.dims.z;
  }

  get cDim(): number {
    return this.manifest.dims.c;
  }

  get resolution(): number {
    return this.manifest.dims.resolution;
  }

  get imgChannels(): number {
    return this.manifest.dims.channels;
  }

  /** The StyleGAN2 configuration (throws for other architectures, naming the model). */
  stylegan2(): ResolvedGenerator {
    if (this.architecture !== 'stylegan2') {
      throw new ArgumentError(`${this.name} is a ${this.architecture}: it has no W space (StyleGAN2 only)`);
    }
    return resolveGenerator(this.manifest.generator as GeneratorConfig);
  }

  dcgan(): DcganGeneratorConfig {
    if (this.architecture !== 'dcgan') throw new ArgumentError(`${this.name} is not a DCGAN`);
    return this.manifest.generator as DcganGeneratorConfig;
  }

  /** Generator weights as graph constants (one shared instance, so constants are built once). */
  generatorWeights(): Weights {
    this.gConst ??= new Weights(this.g, 'constant', this.name);
    return this.gConst;
  }

  discriminatorWeights(): Weights {
    if (!this.d) throw new ArgumentError(`${this.name} has no discriminator (import a file that contains D)`);
    this.dConst ??= new Weights(this.d, 'constant', `${this.name} (D)`);
    return this.dConst;
  }

  discriminatorConfig(): DiscriminatorConfig {
    if (!this.manifest.discriminator) throw new ArgumentError(`${this.name} has no discriminator`);
    return this.manifest.discriminator as DiscriminatorConfig;
  }

  /** Compiles (once) the program named by `key`. */
  program(key: string, make: () => Promise<Executable>): Promise<Executable> {
    return this.programs.get(key, make);
  }

  async release(): Promise<void> {
    await this.programs.release();
  }
}
