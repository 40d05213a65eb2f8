import { ArgumentError, CheckpointError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import type { Weights } from '../../nn/weights.js';

/**
 * A small CNN attribute classifier: stages of conv3×3 (no bias) → BatchNorm → leaky ReLU, each
 * later stage at half the resolution (stride-2 first conv or 2×2 max-pools), then a head giving the
 * feature vector (global average pooling, or a dense layer over the flattened last map), then one
 * linear layer to the logits. Checkpoint keys: `conv<k>.weight`, `bn<k>.{weight,bias,running_mean,
 * running_var,num_batches_tracked}` (k = 1, 2, ... over all convs), dense head `fc1.weight`
 * [features, C·s·s] and `fc1.bias`, then `fc.weight` [classes, features] and `fc.bias`.
 */
export interface ClassifierConfig {
  /** Image channels: 1 (grey) or 3 (RGB). */
  inChannels: number;
  /**
   * Side of the images it was trained on (32 for padded Fashion-MNIST). The 'avgpool' head runs on
   * any side its downsampling leaves a pixel of; the 'dense' head needs this side, and pads smaller
   * images (28 → 32) with background (−1) on every side.
   */
  resolution: number;
  /** Output channels of each stage's convs, e.g. [32, 64, 128]. */
  stageWidths: readonly number[];
  /** Convs per stage, e.g. [2, 2, 1]. */
  stageDepths: readonly number[];
  /** Number of classes (logits). */
  numClasses: number;
  /** Negative slope of the leaky ReLUs. Default 0.1. */
  lreluSlope: number;
  /**
   * How each stage after the first halves the resolution: 'stride' (its first conv has stride 2)
   * or 'maxpool' (a 2×2 max-pool closes every stage, the last included). Default 'stride'.
   */
  downsample: 'stride' | 'maxpool';
  /**
   * 'avgpool': features = global average of the last stage (featureDim = its width). 'dense':
   * features = leaky ReLU(fc1(flattened last stage)), which keeps where things are (Fashion-MNIST
   * images are centred, and where a sleeve ends matters). Default 'dense'.
   */
  head: 'avgpool' | 'dense';
  /** Length of the dense head's feature vector (ignored by 'avgpool'). */
  featureDim: number;
}

/** One conv of the resolved network. */
export interface ClassifierLayer {
  /** 1-based index k of `conv<k>` / `bn<k>`. */
  index: number;
  inChannels: number;
  outChannels: number;
  /** 2 for the first conv of a later stage under 'stride' downsampling, else 1. */
  stride: 1 | 2;
  /** A 2×2 max-pool follows this layer's activation ('maxpool': the last conv of each stage). */
  pool: boolean;
}

export interface ResolvedClassifier extends Readonly<ClassifierConfig> {
  readonly layers: readonly ClassifierLayer[];
  /** Length of the feature vector (the last stage's width under 'avgpool'). */
  readonly featureDim: number;
  /** Smallest image side the downsampling leaves at least 1×1 of. */
  readonly minResolution: number;
  /** Side of the last stage's map for `resolution`-sized inputs. */
  readonly finalSide: number;
  /** Channels of the last stage. */
  readonly finalChannels: number;
}

export const CLASSIFIER_PRESETS = {
  /** A few hundred parameters for tests: 1×8×8 inputs, 3 classes. */
  tiny: {
    inChannels: 1,
    resolution: 8,
    stageWidths: [4, 6],
    stageDepths: [1, 1],
    numClasses: 3,
    lreluSlope: 0.1,
    downsample: 'maxpool',
    head: 'avgpool',
    featureDim: 6,
  },
  /**
   * The shipped Fashion-MNIST classifier: 32×32 grey (28×28 padded), conv widths 16-32-64-128 at
   * 32/16/8/4 px (stride-2 downsampling), a dense 128-d feature layer, 10 classes. ≈7.5 MFLOP per
   * image forward, which keeps training to minutes on two CPU cores.
   */
  fmnist32: {
    inChannels: 1,
    resolution: 32,
    stageWidths: [16, 32, 64, 128],
    stageDepths: [1, 1, 1, 1],
    numClasses: 10,
    lreluSlope: 0.1,
    downsample: 'stride',
    head: 'dense',
    featureDim: 128,
  },
  /**
   * The judge: a second, architecturally different Fashion-MNIST classifier that grades direction
   * edits whose labels came from fmnist32. Three stages of widths 16-32-64 at 32/16/8 px, each
   * closed by a 2×2 max-pool (no strided convs), a dense 96-d feature layer over the 4×4 map.
   * ≈5 MFLOP (2.6 M multiply-adds) per image forward.
   */
  fmnist32pool: {
    inChannels: 1,
    resolution: 32,
    stageWidths: [16, 32, 64],
    stageDepths: [1, 1, 1],
    numClasses: 10,
    lreluSlope: 0.2,
    downsample: 'maxpool',
    head: 'dense',
    featureDim: 96,
  },
} as const satisfies Record<string, ClassifierConfig>;

export type ClassifierPreset = keyof typeof CLASSIFIER_PRESETS;

/** Checks a config and derives the layer table once. */
export function resolveClassifier(cfg: ClassifierConfig): ResolvedClassifier {
  const { stageWidths: widths, stageDepths: depths } = cfg;
  if (!widths.length || widths.length !== depths.length) {
    throw new ArgumentError(
      `classifier: ${widths.length} stage widths and ${depths.length} stage depths; need one of each per stage`,
    );
  }
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (![...widths, ...depths, cfg.inChannels, cfg.numClasses, cfg.resolution].every(positive)) {
    throw new ArgumentError(
      'classifier: widths, depths, channels, classes and resolution must be positive integers',
    );
  }
  if (!(cfg.lreluSlope >= 0 && cfg.lreluSlope < 1)) {
    throw new ArgumentError(`classifier: lreluSlope must lie in [0, 1), got ${cfg.lreluSlope}`);
  }
  const layers: ClassifierLayer[] = [];
  let cin = cfg.inChannels;
  widths.forEach((w, s) => {
    for (let d = 0; d < depths[s]; d++) {
      const stride = cfg.downsample === 'stride' && s > 0 && d === 0 ? 2 : 1;
      const pool = cfg.downsample === 'maxpool' && d === depths[s] - 1;
      layers.push({ index: layers.length + 1, inChannels: cin, outChannels: w, stride, pool });
      cin = w;
    }
  });
  if (cfg.downsample !== 'stride' && cfg.downsample !== 'maxpool') {
    throw new ArgumentError(
      `classifier: downsample must be 'stride' or 'maxpool', got '${String(cfg.downsample)}'`,
    );
  }
  const halvings = cfg.downsample === 'maxpool' ? widths.length : widths.length - 1;
  const minResolution = 2 ** halvings;
  if (cfg.resolution < minResolution) {
    throw new ArgumentError(
      `classifier: ${halvings} halvings need images of at least ${minResolution}px, resolution is ${cfg.resolution}`,
    );
  }
  if (cfg.head !== 'avgpool' && cfg.head !== 'dense') {
    throw new ArgumentError(`classifier: head must be 'avgpool' or 'dense', got '${String(cfg.head)}'`);
  }
  if (cfg.head === 'dense' && !positive(cfg.featureDim)) {
    throw new ArgumentError(
      `classifier: the dense head needs a positive integer featureDim, got ${cfg.featureDim}`,
    );
  }
  let finalSide = cfg.resolution;
  for (const l of layers) {
    if (l.stride === 2) finalSide = Math.ceil(finalSide / 2); // 3×3, pad 1, stride 2
    if (l.pool) finalSide = Math.floor(finalSide / 2);
  }
  const featureDim = cfg.head === 'avgpool' ? cin : cfg.featureDim;
  return Object.freeze({
    ...cfg,
    layers: Object.freeze(layers),
    featureDim,
    minResolution,
    finalSide,
    finalChannels: cin,
  });
}

/**
 * Reads a config from weights: channels from `conv<k>.weight`, classes from `fc.weight`. Stages are
 * runs of equal width (the pool closes each run), so a checkpoint without a manifest must not put
 * two stages of the same width side by side; the manifest's config has the final say.
 */
export function inferClassifierConfig(
  w: Weights,
  hints: Partial<Pick<ClassifierConfig, 'resolution' | 'lreluSlope' | 'downsample'>> = {},
): ClassifierConfig {
  const shapes: (readonly number[])[] = [];
  for (let k = 1; w.has(`conv${k}.weight`); k++) shapes.push(w.tensor(`conv${k}.weight`).shape);
  if (!shapes.length) throw new CheckpointError(w.source, "not a classifier: no 'conv1.weight'");
  const widths: number[] = [];
  const depths: number[] = [];
  shapes.forEach((s, i) => {
    const name = `conv${i + 1}.weight`;
    if (s.length !== 4 || s[2] !== 3 || s[3] !== 3) {
      throw new CheckpointError(w.source, `'${name}' has shape ${formatShape(s)}; expected [out, in, 3, 3]`);
    }
    if (i > 0 && s[1] !== shapes[i - 1][0]) {
      throw new CheckpointError(
        w.source,
        `'${name}' takes ${s[1]} channels, conv${i} gives ${shapes[i - 1][0]}`,
      );
    }
    if (widths.length && widths[widths.length - 1] === s[0]) depths[depths.length - 1]++;
    else {
      widths.push(s[0]);
      depths.push(1);
    }
  });
  const fc = w.tensor('fc.weight');
  const dense = w.has('fc1.weight');
  const featureDim = dense ? w.tensor('fc1.weight').shape[0] : shapes[shapes.length - 1][0];
  if (fc.rank !== 2 || fc.shape[1] !== featureDim) {
    throw new CheckpointError(
      w.source,
      `'fc.weight' has shape ${formatShape(fc.shape)}; expected [classes, ${featureDim}]`,
    );
  }
  return {
    head: dense ? 'dense' : 'avgpool',
    featureDim,
    inChannels: shapes[0][1],
    resolution: hints.resolution ?? 32,
    stageWidths: widths,
    stageDepths: depths,
    numClasses: fc.shape[0],
    lreluSlope: hints.lreluSlope ?? 0.1,
    downsample: hints.downsample ?? 'stride',
  };
}
