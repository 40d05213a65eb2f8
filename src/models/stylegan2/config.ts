import { CheckpointError } from '../../core/errors.js';
import type { Weights } from '../../nn/weights.js';

export type SynthesisArchitecture = 'orig' | 'skip' | 'resnet';

/** StyleGAN2 generator configuration (stylegan2-ada-pytorch names in comments). */
export interface GeneratorConfig {
  /** Latent z size (`z_dim`); 0 is allowed for conditional-only mapping. */
  zDim: number;
  /** Conditioning label size (`c_dim`), 0 for unconditional models. */
  cDim: number;
  /** Intermediate latent size (`w_dim`). */
  wDim: number;
  /** Output resolution (`img_resolution`), a power of two >= 4. */
  imgResolution: number;
  /** Output channels (`img_channels`). */
  imgChannels: number;
  /** Number of mapping FC layers (`mapping_kwargs.num_layers`; 8 in the paper, 2 for ADA's auto cfg). */
  mappingLayers: number;
  /** Mapping learning-rate multiplier (`lr_multiplier`, default 0.01). */
  mappingLrMultiplier: number;
  /** 'skip' (G default), 'resnet' or 'orig'. */
  architecture: SynthesisArchitecture;
  /** Channels per block resolution. */
  channels: Readonly<Record<number, number>>;
  /** Clamp of conv outputs (`conv_clamp`), null for none. */
  convClamp: number | null;
}

export interface SynthesisLayerInfo {
  /** Checkpoint prefix, e.g. `synthesis.b16.conv0`. */
  name: string;
  kind: 'conv' | 'torgb';
  resolution: number;
  /** Row of ws this layer reads. */
  wsIndex: number;
  inChannels: number;
  outChannels: number;
  up: 1 | 2;
}

export interface ResolvedGenerator extends GeneratorConfig {
  blockResolutions: readonly number[];
  numWs: number;
  /** Every modulated layer in forward order with the ws row it consumes. */
  layers: readonly SynthesisLayerInfo[];
}

export function resolveGenerator(cfg: GeneratorConfig): ResolvedGenerator {
  const log2 = Math.log2(cfg.imgResolution);
  if (!Number.isInteger(log2) || log2 < 2) throw new CheckpointError('config', `imgResolution ${cfg.imgResolution} is not a power of two >= 4`);
  const blockResolutions = Array.from({ length: log2 - 1 }, (_, i) => 2 ** (i + 2));
  const layers: SynthesisLayerInfo[] = [];
  let wsIndex = 0;
  for (const res of blockResolutions) {
    const isLast = res === cfg.imgResolution;
    const inCh = res > 4 ? cfg.channels[res / 2] : 0;
    const outCh = cfg.channels[res];
    const prefix = `synthesis.b${res}`;
    if (res > 4) layers.push({ name: `${prefix}.conv0`, kind: 'conv', resolution: res, wsIndex: wsIndex, inChannels: inCh, outChannels: outCh, up: 2 });
    const conv1Index = res > 4 ? wsIndex + 1 : wsIndex;
    layers.push({ name: `${prefix}.conv1`, kind: 'conv', resolution: res, wsIndex: conv1Index, inChannels: outCh, outChannels: outCh, up: 1 });
    const numConv = res > 4 ? 2 : 1;
    if (isLast || cfg.architecture === 'skip') {
      layers.push({ name: `${prefix}.torgb`, kind: 'torgb', resolution: res, wsIndex: wsIndex + numConv, inChannels: outCh, outChannels: cfg.imgChannels, up: 1 });
    }
    wsIndex += numConv;
  }
  const numWs = wsIndex + 1;
  return { ...cfg, blockResolutions, numWs, layers };
}

function countPrefixed(w: Weights, re: RegExp): number[] {
  const found = new Set<number>();
  for (const k of w.tensors.keys()) {
    const m = re.exec(k);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * Reads a generator's configuration from its weights (mapping depth, dims, resolution, channels,
 * architecture); what weights cannot tell (conv_clamp, lr multiplier) comes from `hints`
 * (a pickle's init kwargs) or NVIDIA's defaults.
 */
export function inferGeneratorConfig(w: Weights, hints: Partial<GeneratorConfig> = {}): GeneratorConfig {
  const fcs = countPrefixed(w, /^mapping\.fc(\d+)\.weight$/);
  if (!fcs.length) throw new CheckpointError(w.source, 'no mapping.fc0.weight: not a StyleGAN2 generator state dict');
  const mappingLayers = fcs.length;
  const cDim = w.has('mapping.embed.weight') ? w.tensor('mapping.embed.weight').shape[1] : 0;
  const embedFeatures = cDim ? w.tensor('mapping.embed.weight').shape[0] : 0;
  const zDim = w.tensor('mapping.fc0.weight').shape[1] - embedFeatures;
  const wDim = w.tensor(`mapping.fc${mappingLayers - 1}.weight`).shape[0];
  const resolutions = countPrefixed(w, /^synthesis\.b(\d+)\.conv1\.weight$/);
  if (!resolutions.length) throw new CheckpointError(w.source, 'no synthesis.b*.conv1.weight tensors');
  const imgResolution = resolutions[resolutions.length - 1];
  const channels: Record<number, number> = {};
  for (const r of resolutions) channels[r] = w.tensor(`synthesis.b${r}.conv1.weight`).shape[0];
  const imgChannels = w.tensor(`synthesis.b${imgResolution}.torgb.weight`).shape[0];
  const torgbs = countPrefixed(w, /^synthesis\.b(\d+)\.torgb\.weight$/);
  const architecture: SynthesisArchitecture =
    torgbs.length > 1 ? 'skip' : w.has(`synthesis.b${imgResolution}.skip.weight`) ? 'resnet' : 'orig';
  return {
    zDim,
    cDim,
    wDim,
    imgResolution,
    imgChannels,
    mappingLayers,
    mappingLrMultiplier: hints.mappingLrMultiplier ?? 0.01,
    architecture,
    channels,
    convClamp: hints.convClamp === undefined ? null : hints.convClamp,
  };
}
