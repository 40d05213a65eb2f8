import { existsSync } from 'node:fs';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { ModelFacts } from '../latent/generate.js';
import { HYBRID_DEFAULTS } from './hybrid.js';

/** Where `encode` looks for its networks unless told (the shipped bundles, from the working directory). */
export const ENCODE_DEFAULT_PATHS = Object.freeze({
  encoder: 'models/fmnist-encoder',
  model: 'models/fmnist-stylegan2',
  classifier: 'models/fmnist-classifier',
});

/** `latentlab encode`, resolved: every default decided here, once. */
export interface EncodeRunOptions {
  /** Images and folders of images. */
  readonly inputs: readonly string[];
  readonly outdir: string;
  readonly encoder: string;
  readonly model: string;
  /** Classifier bundle of the feature distance (and the hybrid's feature loss); 'none': without. */
  readonly classifier: string;
  /** Hybrid: projector steps refining the encoder's code (0: the encoder alone). */
  readonly steps: number;
  /** Hybrid: initial learning rate (null without steps). */
  readonly lr: number | null;
  /** Hybrid: classifier feature loss weight (null without steps). */
  readonly featureWeight: number | null;
  readonly upscale: number;
  readonly batch: number;
  /** Re-encode images that already have outputs (a resume with other options is refused without it). */
  readonly force: boolean;
}

export const ENCODE_SPEC: VerbSpec = {
  words: ['encode'],
  options: [
    { key: 'inputs', flag: 'inputs', kind: 'string', help: 'images or folders of images', positional: true, repeat: true },
    {
      key: 'outdir',
      flag: 'outdir',
      kind: 'string',
      help: 'output folder: <name>.latent.safetensors, <name>.png, compare.png, metrics.json (MSE on [0, 1], PSNR, SSIM, feature distance)',
    },
    { key: 'encoder', flag: 'encoder', kind: 'string', help: 'encoder bundle folder', default: ENCODE_DEFAULT_PATHS.encoder },
    { key: 'model', flag: 'model', kind: 'string', help: 'StyleGAN2 bundle the codes are for', default: ENCODE_DEFAULT_PATHS.model },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: "classifier bundle for the feature distance ('none' to skip)",
      defaultText: `${ENCODE_DEFAULT_PATHS.classifier} when it exists`,
    },
    {
      key: 'steps',
      flag: 'steps',
      kind: 'number',
      help: 'hybrid: refine the encoder output with N projector steps (Adam, W+, noise maps)',
      default: 0,
    },
    {
      key: 'lr',
      flag: 'lr',
      kind: 'number',
      help: 'hybrid: initial learning rate',
      default: HYBRID_DEFAULTS.initialLearningRate,
    },
    {
      key: 'featureWeight',
      flag: 'feature-weight',
      kind: 'number',
      help: 'hybrid: classifier feature loss weight',
      defaultText: '0.05 with a classifier on a 1-channel model, else 0',
    },
    { key: 'upscale', flag: 'upscale', kind: 'number', help: 'nearest-neighbour upscaling of the PNGs', default: 1 },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'images per ONNX Runtime call', default: 16 },
    {
      key: 'force',
      flag: 'force',
      kind: 'boolean',
      help: 're-encode images that already have outputs (default: resume; other options are refused)',
      default: false,
    },
  ],
};

function int(v: number, min: number, max: number, flag: string): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ArgumentError(`encode: --${flag} must be an integer ${min}..${max}, got ${v}`);
  return v;
}

/**
 * The partial options completed. `model` may be the generator's facts (channels decide the hybrid's
 * feature-loss default); without them the default is decided as for a 1-channel model.
 */
export function resolveEncodeOptions(p: Partial<EncodeRunOptions>, model?: ModelFacts & { imgChannels: number }): EncodeRunOptions {
  if (!p.inputs?.length) throw new ArgumentError('encode: name one or more images or folders');
  if (!p.outdir) throw new ArgumentError('encode: --outdir is required');
  if (model && model.architecture === 'dcgan')
    throw new ArgumentError(`encode: ${model.name} is a DCGAN; encoders invert StyleGAN2/StyleGAN3 generators (into W+)`);
  const steps = int(p.steps ?? 0, 0, 1_000_000, 'steps');
  const classifier =
    p.classifier ?? (existsSync(`${ENCODE_DEFAULT_PATHS.classifier}/model.json`) ? ENCODE_DEFAULT_PATHS.classifier : 'none');
  if (steps === 0)
    for (const [flag, v] of [
      ['lr', p.lr],
      ['feature-weight', p.featureWeight],
    ] as const)
      if (v !== undefined && v !== null) throw new ArgumentError(`encode: --${flag} applies to the hybrid (--steps N)`);
  const oneChannel = (model?.imgChannels ?? 1) === 1;
  const featureWeight = steps === 0 ? null : (p.featureWeight ?? (classifier !== 'none' && oneChannel ? 0.05 : 0));
  if (featureWeight !== null && !(featureWeight >= 0 && Number.isFinite(featureWeight)))
    throw new ArgumentError(`encode: --feature-weight must be >= 0, got ${featureWeight}`);
  if (featureWeight && classifier === 'none') throw new ArgumentError('encode: --feature-weight needs --classifier');
  const lr = steps === 0 ? null : (p.lr ?? HYBRID_DEFAULTS.initialLearningRate);
  if (lr !== null && !(lr > 0 && Number.isFinite(lr))) throw new ArgumentError(`encode: --lr must be > 0, got ${lr}`);
  return {
    inputs: [...p.inputs],
    outdir: p.outdir,
    encoder: p.encoder ?? ENCODE_DEFAULT_PATHS.encoder,
    model: p.model ?? ENCODE_DEFAULT_PATHS.model,
    classifier,
    steps,
    lr,
    featureWeight,
    upscale: int(p.upscale ?? 1, 1, 16, 'upscale'),
    batch: int(p.batch ?? 16, 1, 4096, 'batch'),
    force: p.force ?? false,
  };
}

/** The options an encoding's outputs depend on, less the networks' paths (their content hashes are recorded). */
export function encodingKey(o: EncodeRunOptions): Record<string, unknown> {
  const { inputs: _i, outdir: _o, force: _f, batch: _b, model: _m, encoder: _e, ...key } = o;
  return key;
}
