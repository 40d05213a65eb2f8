import { createHash, type Hash } from 'node:crypto';
import type { Tensor } from '../core/tensor.js';
import type { DcganDiscriminatorConfig, DcganGeneratorConfig } from './dcgan/config.js';
import type { GeneratorConfig } from './stylegan2/config.js';
import { resolveGenerator } from './stylegan2/config.js';
import type { DiscriminatorConfig } from './stylegan2/discriminator.js';
import { resolveSg3, type Sg3GeneratorConfig } from './stylegan3/config.js';
import type { Architecture, LayerRow, Provenance } from './modelTypes.js';

export type { Architecture, LayerRow, Provenance };

/** model.json of a bundle: everything a reader needs without opening the weights. */
export interface BundleManifest {
  format: 'latentlab-bundle';
  version: 1;
  name: string;
  architecture: Architecture;
  generator: GeneratorConfig | Sg3GeneratorConfig | DcganGeneratorConfig;
  discriminator?: DiscriminatorConfig | DcganDiscriminatorConfig;
  dims: { z: number; w: number | null; c: number; numWs: number | null; resolution: number; channels: number };
  /** StyleGAN2: every modulated layer with its resolution and ws row (coarse/middle/fine ranges derive from it). */
  layers: LayerRow[];
  /** Class names for conditional models or for the dataset's labels (optional). */
  labels?: string[];
  provenance: Provenance;
  /** sha256 over the weights (names, dtypes, shapes, bytes), independent of file layout. */
  contentHash: string;
  /** Storage dtype of the weights file; float16 bundles are upcast on load. */
  weightsDtype: 'float32' | 'float16';
  /** The card's measurements by metric name ('fcd', 'classifierConfidence', ...): `metrics ... --record`. */
  evaluation?: Record<string, EvaluationRecord>;
}

/** One measurement of a bundle's weights, kept in its model.json. */
export interface EvaluationRecord {
  value: number;
  /** The contentHash of the weights measured: a record survives only with those weights. */
  modelHash: string;
  /** How it was measured (the command line, flags included). */
  command: string;
  /** Generated images measured. */
  num: number;
  /** The classifier whose features or probabilities define the metric. */
  classifier?: { name: string; contentHash: string };
  /** Companion numbers: terms of the metric, the reference set's value... */
  details?: Record<string, number | string>;
  /** ISO time of the measurement. */
  measured: string;
}

/** The records of `evaluation` that were measured on the weights `contentHash` names. */
export function currentEvaluation(m: Pick<BundleManifest, 'evaluation' | 'contentHash'>): Record<string, EvaluationRecord> {
  return Object.fromEntries(Object.entries(m.evaluation ?? {}).filter(([, r]) => r.modelHash === m.contentHash));
}

/** A stable hash of named tensors (sorted by name), so the same weights hash the same in any file. */
export function hashTensors(groups: Readonly<Record<string, ReadonlyMap<string, Tensor> | undefined>>): string {
  const h = createHash('sha256');
  for (const [prefix, tensors] of Object.entries(groups)) {
    if (!tensors) continue;
    for (const name of [...tensors.keys()].sort()) hashTensor(h, prefix, name, tensors.get(name)!);
  }
  return h.digest('hex');
}

/**
 * One tensor's part of hashTensors' digest: called for each group in order and each name in sorted
 * order, it gives the same hash while tensors are read (and dropped) one at a time.
 */
export function hashTensor(h: Hash, prefix: string, name: string, t: Tensor): void {
  h.update(`${prefix}/${name}:${t.dtype}:[${t.shape.join(',')}]\n`);
  h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

export function stylegan2Dims(cfg: GeneratorConfig): Pick<BundleManifest, 'dims' | 'layers'> {
  const r = resolveGenerator(cfg);
  return {
    dims: { z: cfg.zDim, w: cfg.wDim, c: cfg.cDim, numWs: r.numWs, resolution: cfg.imgResolution, channels: cfg.imgChannels },
    layers: r.layers.map((l) => ({ name: l.name, kind: l.kind, resolution: l.resolution, wsIndex: l.wsIndex })),
  };
}

export function stylegan3Dims(cfg: Sg3GeneratorConfig): Pick<BundleManifest, 'dims' | 'layers'> {
  const r = resolveSg3(cfg);
  return {
    dims: { z: cfg.zDim, w: cfg.wDim, c: cfg.cDim, numWs: r.numWs, resolution: cfg.imgResolution, channels: cfg.imgChannels },
    layers: [
      { name: 'synthesis.input', kind: 'input', resolution: Math.round(2 * r.input.bandwidth), wsIndex: 0 },
      ...r.layers.map((l) => ({ name: `synthesis.${l.name}`, kind: l.isTorgb ? ('torgb' as const) : ('conv' as const), resolution: Math.round(2 * l.outCutoff), wsIndex: l.wsIndex })),
    ],
  };
}

export function dcganDims(cfg: DcganGeneratorConfig): Pick<BundleManifest, 'dims' | 'layers'> {
  return { dims: { z: cfg.nz, w: null, c: 0, numWs: null, resolution: cfg.imageSize, channels: cfg.nc }, layers: [] };
}
