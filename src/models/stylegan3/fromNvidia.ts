import { CheckpointError } from '../../core/errors.js';
import type { NvidiaNetwork } from '../../formats/nvidiaPickle.js';
import type { PlainValue } from '../../formats/pyValue.js';
import type { Weights } from '../../nn/weights.js';
import { type ResolvedSg3, SG3_DEFAULTS, type Sg3GeneratorConfig } from './config.js';

type Kwargs = Record<string, PlainValue>;

/** True when a generator state dict is NVIDIA's StyleGAN3 (Fourier-feature input layer). */
export function isStylegan3StateDict(keys: Iterable<string>): boolean {
  for (const k of keys) if (k === 'synthesis.input.freqs') return true;
  return false;
}

function rec(v: PlainValue | undefined): Kwargs {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

const num = (v: PlainValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * The configuration of an NVIDIA stylegan3 Generator: dims and mapping depth from the weights,
 * the synthesis design parameters from the pickle's init kwargs and module attributes (NVIDIA's
 * defaults where absent). The derived layer table is then checked against every layer's weights
 * and, where the pickle has them, the module attributes NVIDIA's constructor computed.
 */
export function sg3ConfigFromNvidia(net: Pick<NvidiaNetwork, 'initKwargs' | 'modules'>, w: Weights): Sg3GeneratorConfig {
  const kw = net.initKwargs;
  const synthMod = net.modules.find((m) => m.path === 'synthesis');
  const attrs = { ...rec(synthMod?.initKwargs), ...rec(synthMod?.attrs) };
  const pick = (key: string): number | undefined => num(attrs[key]) ?? num(kw[key]);
  const fcs = [...w.tensors.keys()].filter((k) => /^mapping\.fc\d+\.weight$/.test(k)).length;
  if (!fcs) throw new CheckpointError(w.source, 'no mapping.fc0.weight: not a StyleGAN3 generator state dict');
  const cDim = w.has('mapping.embed.weight') ? w.tensor('mapping.embed.weight').shape[1] : 0;
  const embedFeatures = cDim ? w.tensor('mapping.embed.weight').shape[0] : 0;
  const zDim = w.tensor('mapping.fc0.weight').shape[1] - embedFeatures;
  const wDim = w.tensor(`mapping.fc${fcs - 1}.weight`).shape[0];
  const imgResolution = num(kw.img_resolution) ?? num(attrs.img_resolution);
  const imgChannels = num(kw.img_channels) ?? num(attrs.img_channels);
  if (imgResolution === undefined || imgChannels === undefined) {
    throw new CheckpointError(w.source, 'StyleGAN3 generator without img_resolution / img_channels in its init kwargs');
  }
  // The clamp every SynthesisLayer stored (the init kwargs leave NVIDIA's default, 256, implicit).
  const layer = net.modules.find((m) => m.className === 'SynthesisLayer' && Object.hasOwn(m.attrs, 'conv_clamp'));
  const clamp = layer ? layer.attrs.conv_clamp : kw.conv_clamp;
  return {
    zDim,
    cDim,
    wDim,
    imgResolution,
    imgChannels,
    mappingLayers: fcs,
    mappingLrMultiplier: num(rec(kw.mapping_kwargs).lr_multiplier) ?? SG3_DEFAULTS.mappingLrMultiplier,
    channelBase: pick('channel_base') ?? SG3_DEFAULTS.channelBase,
    channelMax: pick('channel_max') ?? SG3_DEFAULTS.channelMax,
    numLayers: pick('num_layers') ?? SG3_DEFAULTS.numLayers,
    numCritical: pick('num_critical') ?? SG3_DEFAULTS.numCritical,
    firstCutoff: pick('first_cutoff') ?? SG3_DEFAULTS.firstCutoff,
    firstStopband: pick('first_stopband') ?? SG3_DEFAULTS.firstStopband,
    lastStopbandRel: pick('last_stopband_rel') ?? SG3_DEFAULTS.lastStopbandRel,
    marginSize: pick('margin_size') ?? SG3_DEFAULTS.marginSize,
    outputScale: pick('output_scale') ?? SG3_DEFAULTS.outputScale,
    convKernel: num(kw.conv_kernel) ?? SG3_DEFAULTS.convKernel,
    useRadialFilters: typeof kw.use_radial_filters === 'boolean' ? kw.use_radial_filters : SG3_DEFAULTS.useRadialFilters,
    filterSize: num(kw.filter_size) ?? SG3_DEFAULTS.filterSize,
    lreluUpsampling: num(kw.lrelu_upsampling) ?? SG3_DEFAULTS.lreluUpsampling,
    convClamp: clamp === undefined ? SG3_DEFAULTS.convClamp : num(clamp) ?? null,
  };
}

/** Checks the layer table against the weights: names, shapes, filters present exactly where NVIDIA has them. */
export function checkSg3Weights(r: ResolvedSg3, w: Weights): void {
  const need = (key: string, shape: number[]) => {
    if (!w.has(key)) {
      const found = [...w.tensors.keys()].filter((k) => /^synthesis\.L\d+_[^.]+\.weight$/.test(k)).map((k) => k.split('.')[1]);
      throw new CheckpointError(w.source, `missing '${key}': the layer table derived from the config does not match the weights (layers in the file: ${found.join(', ') || 'none'})`);
    }
    w.tensor(key, shape);
  };
  const c = r.input.channels;
  need('synthesis.input.weight', [c, c]);
  need('synthesis.input.freqs', [c, 2]);
  need('synthesis.input.phases', [c]);
  need('synthesis.input.transform', [3, 3]);
  need('synthesis.input.affine.weight', [4, r.wDim]);
  need('mapping.w_avg', [r.wDim]);
  for (const l of r.layers) {
    const p = `synthesis.${l.name}`;
    need(`${p}.weight`, [l.outChannels, l.inChannels, l.convKernel, l.convKernel]);
    need(`${p}.bias`, [l.outChannels]);
    need(`${p}.affine.weight`, [l.inChannels, r.wDim]);
    need(`${p}.magnitude_ema`, []);
    if (l.upTaps > 1) need(`${p}.up_filter`, [l.upTaps]);
    if (l.downTaps > 1) need(`${p}.down_filter`, l.downRadial ? [l.downTaps, l.downTaps] : [l.downTaps]);
  }
}

/** Compares the derived table with the attributes NVIDIA's constructors stored in the pickle. */
export function checkSg3ModuleAttrs(r: ResolvedSg3, net: Pick<NvidiaNetwork, 'modules'>, source: string): void {
  const synth = net.modules.find((m) => m.path === 'synthesis');
  const names = synth?.attrs.layer_names;
  if (Array.isArray(names) && names.join() !== r.layers.map((l) => l.name).join()) {
    throw new CheckpointError(source, `StyleGAN3 layer names in the pickle (${names.join(', ')}) differ from the derived table (${r.layers.map((l) => l.name).join(', ')})`);
  }
  for (const l of r.layers) {
    const m = net.modules.find((x) => x.path === `synthesis.${l.name}`);
    if (!m) continue;
    const expect: Record<string, PlainValue> = {
      up_factor: l.upFactor,
      down_factor: l.downFactor,
      up_taps: l.upTaps,
      down_taps: l.downTaps,
      padding: l.padding,
      in_channels: l.inChannels,
      out_channels: l.outChannels,
      conv_kernel: l.convKernel,
      down_radial: l.downRadial,
    };
    for (const [k, v] of Object.entries(expect)) {
      const got = m.attrs[k];
      if (got !== undefined && JSON.stringify(got) !== JSON.stringify(v)) {
        throw new CheckpointError(source, `synthesis.${l.name}.${k}: the pickle says ${JSON.stringify(got)}, the derived layer table ${JSON.stringify(v)}`);
      }
    }
    for (const k of ['in_sampling_rate', 'out_sampling_rate', 'in_cutoff', 'out_cutoff', 'in_half_width', 'out_half_width'] as const) {
      const got = num(m.attrs[k]);
      const camel = k.replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase()) as keyof typeof l;
      const mine = l[camel] as number;
      if (got !== undefined && Math.abs(got - mine) > 1e-9 * Math.max(1, Math.abs(got))) {
        throw new CheckpointError(source, `synthesis.${l.name}.${k}: the pickle says ${got}, the derived layer table ${mine}`);
      }
    }
  }
}

