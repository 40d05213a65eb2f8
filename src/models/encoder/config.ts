import { ArgumentError } from '../../core/errors.js';
import type { GanModel } from '../ganModel.js';

/**
 * A ResNet-ish image -> W+ encoder (pSp / e4e style: the codes are predicted as offsets from the
 * generator's w_avg). Sizes come from the generator's manifest (resolution, channels, numWs, wDim),
 * so one config type serves the shipped 32×32×1 StyleGAN2 and any other StyleGAN2 bundle.
 *
 * Layout: a 1×1 `stem` conv to the first stage's width, then one residual block per resolution from
 * R down to 8 (`b<r>`: conv3×3 -> lrelu -> conv3×3 stride 2 -> lrelu, plus a stride-2 1×1 `skip`,
 * summed and scaled by √½), leaving a 4×4 map that is flattened into a dense layer `fc` (lrelu) and a
 * linear `head` giving numWs·wDim offsets. Buffer `w_avg` [wDim] is added to every row.
 */
export interface EncoderConfig {
  /** Image side (a power of two >= 8). */
  resolution: number;
  /** Image channels (1 or 3). */
  imgChannels: number;
  /** Rows of W+ (the generator's num_ws). */
  numWs: number;
  /** Width of w. */
  wDim: number;
  /** Channels at resolution r = min(channelBase / r, channelMax), as StyleGAN's cbase/cmax. */
  channelBase: number;
  channelMax: number;
  /** Width of the dense layer between the 4×4 map and the head. */
  hidden: number;
  /** Negative slope of the leaky ReLUs (StyleGAN: 0.2). */
  lreluSlope: number;
}

export interface EncoderStage {
  /** Input side of the block (`b<resolution>`); its output is half that. */
  resolution: number;
  inChannels: number;
  outChannels: number;
}

export interface ResolvedEncoder extends Readonly<EncoderConfig> {
  readonly stages: readonly EncoderStage[];
  /** Channels of the stem output (the first stage's input). */
  readonly stemChannels: number;
  /** Channels of the final 4×4 map. */
  readonly finalChannels: number;
}

export function encoderChannels(cfg: Pick<EncoderConfig, 'channelBase' | 'channelMax'>, r: number): number {
  return Math.max(1, Math.min(Math.floor(cfg.channelBase / r), cfg.channelMax));
}

/** Checks a config and derives the stage table once. */
export function resolveEncoder(cfg: EncoderConfig): ResolvedEncoder {
  const posInt = (name: keyof EncoderConfig) => {
    const v = cfg[name];
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new ArgumentError(`encoder config: ${name} must be a positive integer, got ${String(v)}`);
  };
  for (const k of ['resolution', 'imgChannels', 'numWs', 'wDim', 'channelBase', 'channelMax', 'hidden'] as const) posInt(k);
  if (!Number.isInteger(Math.log2(cfg.resolution)) || cfg.resolution < 8)
    throw new ArgumentError(`encoder config: resolution ${cfg.resolution} must be a power of two >= 8`);
  if (!(cfg.lreluSlope >= 0 && cfg.lreluSlope < 1))
    throw new ArgumentError(`encoder config: lreluSlope must lie in [0, 1), got ${cfg.lreluSlope}`);
  const stages: EncoderStage[] = [];
  for (let r = cfg.resolution; r >= 8; r /= 2) {
    stages.push({ resolution: r, inChannels: encoderChannels(cfg, r), outChannels: encoderChannels(cfg, r / 2) });
  }
  return {
    ...cfg,
    stages,
    stemChannels: encoderChannels(cfg, cfg.resolution),
    finalChannels: encoderChannels(cfg, 4),
  };
}

/** Defaults sized for small generators (the shipped 32×32 model: 32/64/128/128 channels, ~1.1 M parameters). */
export const ENCODER_DEFAULTS = Object.freeze({ channelBase: 1024, channelMax: 128, hidden: 256, lreluSlope: 0.2 });

/** An encoder config for `model` (a StyleGAN2 or StyleGAN3 bundle): sizes from its manifest, widths from `opts`. */
export function encoderConfigFor(
  model: GanModel,
  opts: Partial<Pick<EncoderConfig, 'channelBase' | 'channelMax' | 'hidden' | 'lreluSlope'>> = {},
): EncoderConfig {
  const g = model.styleSpace();
  return {
    resolution: model.resolution,
    imgChannels: model.imgChannels,
    numWs: g.numWs,
    wDim: g.wDim,
    ...ENCODER_DEFAULTS,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
}

/** Whether an encoder config produces codes for `model` (same image size, channels, numWs, wDim). */
export function encoderFitsModel(cfg: EncoderConfig, model: GanModel): string | null {
  const g = model.styleSpace();
  const want = { resolution: model.resolution, imgChannels: model.imgChannels, numWs: g.numWs, wDim: g.wDim };
  const diffs = (Object.keys(want) as (keyof typeof want)[])
    .filter((k) => cfg[k] !== want[k])
    .map((k) => `${k} ${cfg[k]} vs ${want[k]}`);
  return diffs.length ? diffs.join(', ') : null;
}
