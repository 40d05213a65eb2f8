import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Weights } from '../nn/weights.js';
import { ProgramCache } from '../runtime/programCache.js';
import type { Executable } from '../runtime/compile.js';
import type { DcganGeneratorConfig } from './dcgan/config.js';
import type { BundleManifest } from './manifest.js';
import { type GeneratorConfig, type ResolvedGenerator, resolveGenerator } from './stylegan2/config.js';
import type { DiscriminatorConfig } from './stylegan2/discriminator.js';
import { type ResolvedSg3, resolveSg3, type Sg3GeneratorConfig } from './stylegan3/config.js';
import { checkSg3Weights } from './stylegan3/fromNvidia.js';

/** What W-space verbs need of a style-based generator, StyleGAN2 or StyleGAN3 alike. */
export interface StyleSpace {
  architecture: 'stylegan2' | 'stylegan3';
  zDim: number;
  cDim: number;
  wDim: number;
  numWs: number;
  mappingLayers: number;
  mappingLrMultiplier: number;
  /** Per-layer noise inputs exist (StyleGAN2); StyleGAN3 has none. */
  hasNoise: boolean;
}

/**
 * A loaded generator (and optionally its discriminator): the manifest plus weights by checkpoint key.
 * It caches compiled programs per shape and option set, so repeated calls cost one ORT run.
 */
export class GanModel {
  private readonly programs = new ProgramCache();
  private gConst?: Weights;
  private sg3?: ResolvedSg3;
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
      const what = this.architecture === 'stylegan3' ? 'this needs a StyleGAN2 (it works on noise maps or the StyleGAN2 layer layout)' : 'it has no W space (StyleGAN2 only)';
      throw new ArgumentError(`${this.name} is a ${this.architecture}: ${what}`);
    }
    return resolveGenerator(this.manifest.generator as GeneratorConfig);
  }

  /** The StyleGAN3 configuration and layer table (checked once against the weights). */
  stylegan3(): ResolvedSg3 {
    if (this.architecture !== 'stylegan3') throw new ArgumentError(`${this.name} is a ${this.architecture}, not a StyleGAN3`);
    if (!this.sg3) {
      const r = resolveSg3(this.manifest.generator as Sg3GeneratorConfig);
      checkSg3Weights(r, this.generatorWeights());
      this.sg3 = r;
    }
    return this.sg3;
  }

  /** True for generators with a mapping network and W/W+ latents (StyleGAN2, StyleGAN3). */
  get hasWSpace(): boolean {
    return this.architecture === 'stylegan2' || this.architecture === 'stylegan3';
  }

  /** The W space of a StyleGAN2 or StyleGAN3 (throws for DCGAN, naming the model). */
  styleSpace(): StyleSpace {
    if (this.architecture === 'stylegan3') {
      const r = this.stylegan3();
      return { architecture: 'stylegan3', zDim: r.zDim, cDim: r.cDim, wDim: r.wDim, numWs: r.numWs, mappingLayers: r.mappingLayers, mappingLrMultiplier: r.mappingLrMultiplier, hasNoise: false };
    }
    const r = this.stylegan2();
    return { architecture: 'stylegan2', zDim: r.zDim, cDim: r.cDim, wDim: r.wDim, numWs: r.numWs, mappingLayers: r.mappingLayers, mappingLrMultiplier: r.mappingLrMultiplier, hasNoise: true };
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
