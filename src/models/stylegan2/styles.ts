import { ArgumentError, ShapeError } from '../../core/errors.js';
import { formatShape } from '../../core/shape.js';
import { concat, reshape, slice } from '../../graph/ops/movement.js';
import type { Value } from '../../graph/value.js';
import { fullyConnected } from '../../nn/functional.js';
import type { Scope } from '../../nn/weights.js';
import type { ResolvedGenerator, SynthesisLayerInfo } from './config.js';

/** One modulated layer's block of StyleSpace: its styles occupy columns [offset, offset + channels). */
export interface StyleLayer {
  /** Checkpoint prefix, e.g. `synthesis.b16.conv0` (its styles are `…affine` outputs). */
  name: string;
  kind: SynthesisLayerInfo['kind'];
  resolution: number;
  /** The ws row the layer's affine reads. */
  wsIndex: number;
  /** Style channels = the layer's input channels. */
  channels: number;
  offset: number;
}

/**
 * StyleSpace S (Wu et al., CVPR 2021): the concatenated styles s = A(w) of every modulated layer —
 * the convolutions and the ToRGB layers, in forward order — one flat vector per image.
 */
export interface StyleLayout {
  layers: readonly StyleLayer[];
  /** Total style channels (1024 on the shipped 32² model: 672 conv + 352 ToRGB). */
  dim: number;
}

export function styleLayout(cfg: ResolvedGenerator): StyleLayout {
  let offset = 0;
  const layers = cfg.layers.map((l) => {
    const layer: StyleLayer = { name: l.name, kind: l.kind, resolution: l.resolution, wsIndex: l.wsIndex, channels: l.inChannels, offset };
    offset += l.inChannels;
    return layer;
  });
  return { layers, dim: offset };
}

/** The layer and channel of flat style index `index` (what a StyleSpace channel is called: `synthesis.b16.conv0:12`). */
export function styleChannel(layout: StyleLayout, index: number): { layer: StyleLayer; channel: number; name: string } {
  if (!Number.isInteger(index) || index < 0 || index >= layout.dim) throw new ArgumentError(`style channel ${index} is outside [0, ${layout.dim})`);
  const layer = layout.layers.find((l) => index < l.offset + l.channels)!;
  return { layer, channel: index - layer.offset, name: `${layer.name}:${index - layer.offset}` };
}

/** Flat index of `synthesis.b16.conv0:12` (layer name and channel). */
export function styleIndex(layout: StyleLayout, name: string): number {
  const cut = name.lastIndexOf(':');
  const layerName = name.slice(0, cut);
  const layer = layout.layers.find((l) => l.name === layerName || l.name === `synthesis.${layerName}`);
  const channel = Number(name.slice(cut + 1));
  if (cut < 0 || !layer || !Number.isInteger(channel) || channel < 0 || channel >= layer.channels)
    throw new ArgumentError(`style channel '${name}': expected LAYER:CHANNEL with LAYER one of ${layout.layers.map((l) => `${l.name} (${l.channels})`).join(', ')}`);
  return layer.offset + channel;
}

/** Flat offsets Δs [N, dim] split into the per-layer [N, channels] inputs synthesisGraph takes. */
export function splitStyleOffsets(layout: StyleLayout, flat: Value): Record<string, Value> {
  if (flat.rank !== 2 || flat.shape[1] !== layout.dim)
    throw new ShapeError(`style offsets: expected [N, ${layout.dim}], got ${formatShape(flat.shape)}`);
  const out: Record<string, Value> = {};
  for (const l of layout.layers) out[l.name] = slice(flat, [l.offset], [l.offset + l.channels], [1]);
  return out;
}

/** ws [N, numWs, wDim] -> the styles s = A(w) of every layer, flat [N, dim] (ToRGB's before its weight gain, as NVIDIA's `styles`). */
export function stylesGraph(p: Scope, cfg: ResolvedGenerator, ws: Value): Value {
  if (ws.rank !== 3 || ws.shape[1] !== cfg.numWs || ws.shape[2] !== cfg.wDim)
    throw new ShapeError(`styles: ws should be [N, ${cfg.numWs}, ${cfg.wDim}], got ${formatShape(ws.shape)}`);
  const [n, , wDim] = ws.shape;
  const parts = cfg.layers.map((l) => {
    const w = reshape(slice(ws, [l.wsIndex], [l.wsIndex + 1], [1]), [n, wDim]);
    return fullyConnected(p.at(`${l.name.slice('synthesis.'.length)}.affine`), w);
  });
  return concat(parts, 1);
}
