import { CheckpointError } from '../../core/errors.js';

/**
 * StyleGAN3 (alias-free GAN) generator configuration, NVlabs/stylegan3 names in comments.
 * Everything the synthesis layer table depends on is here; `resolveSg3` derives the table the way
 * NVIDIA's SynthesisNetwork / SynthesisLayer constructors do.
 */
export interface Sg3GeneratorConfig {
  /** `z_dim` (0 allowed for conditional-only mapping). */
  zDim: number;
  /** `c_dim`, 0 for unconditional models. */
  cDim: number;
  /** `w_dim`. */
  wDim: number;
  /** `img_resolution`. */
  imgResolution: number;
  /** `img_channels`. */
  imgChannels: number;
  /** `mapping_kwargs.num_layers` (2 by default in stylegan3). */
  mappingLayers: number;
  /** `mapping_kwargs.lr_multiplier` (0.01). */
  mappingLrMultiplier: number;
  /** `channel_base` as passed to G (train.py doubles it for stylegan3-r). */
  channelBase: number;
  /** `channel_max` as passed to G. */
  channelMax: number;
  /** `num_layers` (14): synthesis layers excluding ToRGB. */
  numLayers: number;
  /** `num_critical` (2): critically sampled layers at the end. */
  numCritical: number;
  /** `first_cutoff` (2). */
  firstCutoff: number;
  /** `first_stopband` (2**2.1). */
  firstStopband: number;
  /** `last_stopband_rel` (2**0.3). */
  lastStopbandRel: number;
  /** `margin_size` (10). */
  marginSize: number;
  /** `output_scale` (0.25). */
  outputScale: number;
  /** `conv_kernel`: 3 for stylegan3-t, 1 for stylegan3-r (ToRGB is always 1). */
  convKernel: number;
  /** `use_radial_filters`: jinc down-filters in non-critically-sampled layers (stylegan3-r). */
  useRadialFilters: boolean;
  /** `filter_size` (6): taps per up/down factor. */
  filterSize: number;
  /** `lrelu_upsampling` (2). */
  lreluUpsampling: number;
  /** `conv_clamp` (256), null for none. */
  convClamp: number | null;
}

/** One row of the layer table (a SynthesisLayer, the last one being ToRGB). */
export interface Sg3Layer {
  /** Checkpoint name under `synthesis.`, e.g. `L3_36_48`. */
  name: string;
  index: number;
  /** Row of ws this layer reads (index + 1; row 0 feeds the input layer). */
  wsIndex: number;
  isTorgb: boolean;
  isCriticallySampled: boolean;
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
  inSamplingRate: number;
  outSamplingRate: number;
  tmpSamplingRate: number;
  inCutoff: number;
  outCutoff: number;
  inHalfWidth: number;
  outHalfWidth: number;
  convKernel: number;
  upFactor: number;
  downFactor: number;
  upTaps: number;
  downTaps: number;
  downRadial: boolean;
  /** filtered_lrelu padding [x0, x1, y0, y1] of the upsampled map (negative = crop). */
  padding: [number, number, number, number];
  /** Leaky ReLU slope and gain (ToRGB: 1 and 1, the identity). */
  slope: number;
  gain: number;
}

export interface Sg3Input {
  channels: number;
  size: number;
  samplingRate: number;
  bandwidth: number;
}

export interface ResolvedSg3 extends Sg3GeneratorConfig {
  numWs: number;
  input: Sg3Input;
  layers: readonly Sg3Layer[];
}

/** NVIDIA's defaults for what a pickle's init kwargs leave out. */
export const SG3_DEFAULTS = {
  mappingLayers: 2,
  mappingLrMultiplier: 0.01,
  channelBase: 32768,
  channelMax: 512,
  numLayers: 14,
  numCritical: 2,
  firstCutoff: 2,
  firstStopband: 2 ** 2.1,
  lastStopbandRel: 2 ** 0.3,
  marginSize: 10,
  outputScale: 0.25,
  convKernel: 3,
  useRadialFilters: false,
  filterSize: 6,
  lreluUpsampling: 2,
  convClamp: 256 as number | null,
} as const;

/** numpy.rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** The layer table, computed exactly as SynthesisNetwork.__init__ / SynthesisLayer.__init__ do. */
export function resolveSg3(cfg: Sg3GeneratorConfig): ResolvedSg3 {
  const { imgResolution: res, numLayers: L, numCritical } = cfg;
  if (!Number.isInteger(L) || L < 1 || numCritical < 0 || numCritical >= L) {
    throw new CheckpointError('config', `StyleGAN3 num_layers ${L} / num_critical ${numCritical} are inconsistent`);
  }
  const lastCutoff = res / 2;
  const lastStopband = lastCutoff * cfg.lastStopbandRel;
  const cutoffs: number[] = [];
  const stopbands: number[] = [];
  const rates: number[] = [];
  const halfWidths: number[] = [];
  const sizes: number[] = [];
  const channels: number[] = [];
  for (let i = 0; i <= L; i++) {
    const e = Math.min(i / (L - numCritical), 1);
    cutoffs.push(cfg.firstCutoff * (lastCutoff / cfg.firstCutoff) ** e);
    stopbands.push(cfg.firstStopband * (lastStopband / cfg.firstStopband) ** e);
    rates.push(2 ** Math.ceil(Math.log2(Math.min(stopbands[i] * 2, res))));
    halfWidths.push(Math.max(stopbands[i], rates[i] / 2) - cutoffs[i]);
    sizes.push(rates[i] + cfg.marginSize * 2);
    channels.push(rint(Math.min(cfg.channelBase / 2 / cutoffs[i], cfg.channelMax)));
  }
  sizes[L - 1] = res;
  sizes[L] = res;
  channels[L] = cfg.imgChannels;
  const layers: Sg3Layer[] = [];
  for (let i = 0; i <= L; i++) {
    const prev = Math.max(i - 1, 0);
    const isTorgb = i === L;
    const tmp = Math.max(rates[prev], rates[i]) * (isTorgb ? 1 : cfg.lreluUpsampling);
    const upFactor = rint(tmp / rates[prev]);
    const downFactor = rint(tmp / rates[i]);
    const upTaps = upFactor > 1 && !isTorgb ? cfg.filterSize * upFactor : 1;
    const downTaps = downFactor > 1 && !isTorgb ? cfg.filterSize * downFactor : 1;
    const convKernel = isTorgb ? 1 : cfg.convKernel;
    const isCriticallySampled = i >= L - numCritical;
    let padTotal = (sizes[i] - 1) * downFactor + 1;
    padTotal -= (sizes[prev] + convKernel - 1) * upFactor;
    padTotal += upTaps + downTaps - 2;
    const lo = floorDiv(padTotal + upFactor, 2);
    const hi = padTotal - lo;
    layers.push({
      name: `L${i}_${sizes[i]}_${channels[i]}`,
      index: i,
      wsIndex: i + 1,
      isTorgb,
      isCriticallySampled,
      inChannels: channels[prev],
      outChannels: channels[i],
      inSize: sizes[prev],
      outSize: sizes[i],
      inSamplingRate: rates[prev],
      outSamplingRate: rates[i],
      tmpSamplingRate: tmp,
      inCutoff: cutoffs[prev],
      outCutoff: cutoffs[i],
      inHalfWidth: halfWidths[prev],
      outHalfWidth: halfWidths[i],
      convKernel,
      upFactor,
      downFactor,
      upTaps,
      downTaps,
      downRadial: cfg.useRadialFilters && !isCriticallySampled,
      padding: [lo, hi, lo, hi],
      slope: isTorgb ? 1 : 0.2,
      gain: isTorgb ? 1 : Math.SQRT2,
    });
  }
  const input = { channels: channels[0], size: sizes[0], samplingRate: rates[0], bandwidth: cutoffs[0] };
  return { ...cfg, numWs: L + 2, input, layers };
}

/** The layer table as text rows (for `latentlab info`). */
export function formatLayerTable(r: ResolvedSg3): string[] {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
  const head = 'layer              ws  ch in>out   size in>out  rate in>tmp>out  cutoff   half-width  up/down taps  pad';
  const rows = [head];
  rows.push(`input              0   ${r.input.channels}            ${r.input.size}           ${f(r.input.samplingRate)}                bw ${f(r.input.bandwidth)}`);
  for (const l of r.layers) {
    const taps = `${l.upFactor}/${l.downFactor} ${l.upTaps}/${l.downTaps}${l.downRadial ? 'r' : ''}`;
    rows.push(
      [
        l.name.padEnd(18),
        String(l.wsIndex).padEnd(3),
        `${l.inChannels}>${l.outChannels}`.padEnd(11),
        `${l.inSize}>${l.outSize}`.padEnd(12),
        `${f(l.inSamplingRate)}>${f(l.tmpSamplingRate)}>${f(l.outSamplingRate)}`.padEnd(16),
        f(l.outCutoff).padEnd(8),
        f(l.outHalfWidth).padEnd(11),
        taps.padEnd(13),
        `${l.padding[0]},${l.padding[1]}`,
      ].join(' '),
    );
  }
  return rows;
}
