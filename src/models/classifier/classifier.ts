import type { Tensor } from '../../core/tensor.js';
import { LoadedNetwork } from '../loadedNetwork.js';
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

/** A loaded classifier: manifest plus weights by checkpoint key; programs cached per key, as in GanModel. */
export class Classifier extends LoadedNetwork<ClassifierManifest> {
  readonly config: ResolvedClassifier;

  constructor(manifest: ClassifierManifest, tensors: ReadonlyMap<string, Tensor>) {
    super(manifest, tensors);
    this.config = resolveClassifier(manifest.config);
  }

  get labelNames(): readonly string[] {
    return this.manifest.labelNames;
  }

  get featureDim(): number {
    return this.config.featureDim;
  }
}
