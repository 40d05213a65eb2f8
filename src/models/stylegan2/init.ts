import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { setupFilter } from '../../nn/fir.js';
import { type GeneratorConfig, resolveGenerator } from './config.js';
import type { DiscriminatorConfig } from './discriminator.js';

/** NVIDIA's channel table: min(channel_base // res, channel_max) for res = 4 .. resolution. */
export function channelTable(resolution: number, channelBase: number, channelMax: number): Record<number, number> {
  const t: Record<number, number> = {};
  for (let r = 4; r <= resolution; r *= 2) t[r] = Math.min(Math.floor(channelBase / r), channelMax);
  return t;
}

export interface StyleGAN2Preset {
  generator: GeneratorConfig;
  discriminator: DiscriminatorConfig;
}

/**
 * G and D configs of NVIDIA's train.py for these sizes: unconditional, z = w, mapping lr 0.01, a skip G
 * and a resnet D sharing one channel table (`channel_base // res`, at most `max`), one minibatch-std channel.
 */
export function stylegan2Configs(o: {
  resolution: number;
  channels: number;
  zDim: number;
  mapping: number;
  base: number;
  max: number;
  mbstd: number;
  clamp: number | null;
}): StyleGAN2Preset {
  const channels = channelTable(o.resolution, o.base, o.max);
  return {
    generator: {
      zDim: o.zDim,
      cDim: 0,
      wDim: o.zDim,
      imgResolution: o.resolution,
      imgChannels: o.channels,
      mappingLayers: o.mapping,
      mappingLrMultiplier: 0.01,
      architecture: 'skip',
      channels,
      convClamp: o.clamp,
    },
    discriminator: {
      imgResolution: o.resolution,
      imgChannels: o.channels,
      cDim: 0,
      channels,
      architecture: 'resnet',
      cmapDim: 0,
      mappingLayers: 0,
      mbstdGroupSize: o.mbstd,
      mbstdChannels: 1,
      convClamp: o.clamp,
    },
  };
}

/**
 * Typed presets. `paper256` is NVIDIA's `--cfg paper256` (8 mapping layers, fmaps 0.5, mbstd 8);
 * `ffhq1024` is `--cfg stylegan2` at 1024x1024 (the FFHQ config: fmaps 1, mbstd 4).
 */
export const STYLEGAN2_PRESETS = {
  tiny: stylegan2Configs({ resolution: 16, channels: 3, zDim: 32, mapping: 2, base: 256, max: 32, mbstd: 4, clamp: 256 }),
  paper256: stylegan2Configs({ resolution: 256, channels: 3, zDim: 512, mapping: 8, base: 16384, max: 512, mbstd: 8, clamp: 256 }),
  ffhq1024: stylegan2Configs({ resolution: 1024, channels: 3, zDim: 512, mapping: 8, base: 32768, max: 512, mbstd: 4, clamp: 256 }),
} as const satisfies Record<string, StyleGAN2Preset>;

class Init {
  readonly tensors = new Map<string, Tensor>();
  constructor(private readonly rng: RandomState) {}
  randn(key: string, shape: number[], scale = 1): void {
    const t = Tensor.float32(shape, this.rng.standardNormalFloat32(shape));
    if (scale !== 1) for (let i = 0; i < t.size; i++) t.data[i] *= scale;
    this.tensors.set(key, t);
  }
  fill(key: string, shape: number[], value: number): void {
    this.tensors.set(key, Tensor.float32(shape).reshape(shape));
    if (value !== 0) (this.tensors.get(key)!.data as Float32Array).fill(value);
  }
  filter(key: string): void {
    this.tensors.set(key, setupFilter());
  }
  fc(key: string, out: number, inp: number, lr = 1, biasInit = 0): void {
    this.randn(`${key}.weight`, [out, inp], 1 / lr);
    this.fill(`${key}.bias`, [out], biasInit);
  }
}

/** NVIDIA's initialisation of a Generator state dict (keys exactly as stylegan2-ada-pytorch names them). */
export function initGenerator(cfg: GeneratorConfig, seed = 0): Map<string, Tensor> {
  const r = resolveGenerator(cfg);
  const init = new Init(new RandomState(seed));
  const embed = cfg.cDim ? cfg.wDim : 0;
  if (cfg.cDim) init.fc('mapping.embed', embed, cfg.cDim);
  for (let i = 0; i < cfg.mappingLayers; i++) {
    init.fc(`mapping.fc${i}`, cfg.wDim, i === 0 ? cfg.zDim + embed : cfg.wDim, cfg.mappingLrMultiplier);
  }
  init.fill('mapping.w_avg', [cfg.wDim], 0);
  for (const res of r.blockResolutions) {
    const b = `synthesis.b${res}`;
    if (res === 4) init.randn(`${b}.const`, [cfg.channels[4], 4, 4]);
    init.filter(`${b}.resample_filter`);
    for (const l of r.layers.filter((x) => x.resolution === res)) {
      init.fc(`${l.name}.affine`, l.inChannels, cfg.wDim, 1, 1);
      const k = l.kind === 'conv' ? 3 : 1;
      init.randn(`${l.name}.weight`, [l.outChannels, l.inChannels, k, k]);
      init.fill(`${l.name}.bias`, [l.outChannels], 0);
      if (l.kind === 'conv') {
        init.fill(`${l.name}.noise_strength`, [], 0);
        init.randn(`${l.name}.noise_const`, [res, res]);
        init.filter(`${l.name}.resample_filter`);
      }
    }
    if (cfg.architecture === 'resnet' && res > 4) init.randn(`${b}.skip.weight`, [cfg.channels[res], cfg.channels[res / 2], 1, 1]);
  }
  return init.tensors;
}

/** NVIDIA's initialisation of a Discriminator state dict. */
export function initDiscriminator(cfg: DiscriminatorConfig, seed = 1): Map<string, Tensor> {
  const init = new Init(new RandomState(seed));
  const ch = (res: number) => cfg.channels[res];
  const conv = (key: string, out: number, inp: number, k: number, bias = true) => {
    init.randn(`${key}.weight`, [out, inp, k, k]);
    if (bias) init.fill(`${key}.bias`, [out], 0);
    init.filter(`${key}.resample_filter`);
  };
  for (let res = cfg.imgResolution; res > 4; res /= 2) {
    const b = `b${res}`;
    init.filter(`${b}.resample_filter`);
    if (res === cfg.imgResolution || cfg.architecture === 'skip') conv(`${b}.fromrgb`, ch(res), cfg.imgChannels, 1);
    conv(`${b}.conv0`, ch(res), ch(res), 3);
    conv(`${b}.conv1`, ch(res / 2), ch(res), 3);
    if (cfg.architecture === 'resnet') conv(`${b}.skip`, ch(res / 2), ch(res), 1, false);
  }
  if (cfg.architecture === 'skip') conv('b4.fromrgb', ch(4), cfg.imgChannels, 1);
  conv('b4.conv', ch(4), ch(4) + cfg.mbstdChannels, 3);
  init.fc('b4.fc', ch(4), ch(4) * 16);
  init.fc('b4.out', cfg.cmapDim || 1, ch(4));
  if (cfg.cmapDim) {
    init.fc('mapping.embed', cfg.cmapDim, cfg.cDim);
    for (let i = 0; i < cfg.mappingLayers; i++) init.fc(`mapping.fc${i}`, cfg.cmapDim, cfg.cmapDim, 0.01);
  }
  return init.tensors;
}
