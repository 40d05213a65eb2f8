import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { resolveSg3, SG3_DEFAULTS, type Sg3GeneratorConfig } from './config.js';

/**
 * Random StyleGAN3 generators (NVIDIA's initialisation) with their designed FIR filters, for benches
 * and tests where no checkpoint exists. The filter recipe is NVIDIA's design_lowpass_filter
 * (scipy.signal.firwin with a Kaiser window; radial jinc for stylegan3-r), written out here.
 */

/** Modified Bessel function I0 by its power series (converges for every beta used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/** Bessel J1 by Bessel's integral (1/π)∫₀^π cos(τ − x sin τ) dτ; the trapezoid rule is spectrally exact for it. */
function besselJ1(x: number): number {
  const n = 400;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const t = (Math.PI * i) / n;
    s += (i === 0 || i === n ? 0.5 : 1) * Math.cos(t - x * Math.sin(t));
  }
  return s / n;
}

/** scipy.signal.kaiser_beta(kaiser_atten(numtaps, width / nyq)). */
export function kaiserBeta(numtaps: number, width: number, fs: number): number {
  const a = 2.285 * (numtaps - 1) * Math.PI * (width / (fs / 2)) + 7.95;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a > 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

function kaiser(numtaps: number, beta: number): number[] {
  const i0 = besselI0(beta);
  return Array.from({ length: numtaps }, (_, n) => besselI0(beta * Math.sqrt(Math.max(0, 1 - ((2 * n) / (numtaps - 1) - 1) ** 2))) / i0);
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/**
 * NVIDIA's design_lowpass_filter: null for 1 tap; else a 1-D Kaiser-windowed sinc (firwin,
 * normalised to unit DC gain) or, radial, a 2-D windowed jinc. float32 like the stored buffers.
 */
export function designLowpassFilter(numtaps: number, cutoff: number, width: number, fs: number, radial = false): Tensor<'float32'> | null {
  if (numtaps === 1) return null;
  const beta = kaiserBeta(numtaps, width, fs);
  const w = kaiser(numtaps, beta);
  const m = Array.from({ length: numtaps }, (_, i) => i - (numtaps - 1) / 2);
  if (!radial) {
    const h = m.map((v, i) => sinc((cutoff / (fs / 2)) * v) * w[i]);
    const sum = h.reduce((a, b) => a + b, 0);
    return Tensor.float32([numtaps], h.map((v) => v / sum));
  }
  const x = m.map((v) => v / fs);
  const f = new Float64Array(numtaps * numtaps);
  let sum = 0;
  for (let i = 0; i < numtaps; i++) {
    for (let j = 0; j < numtaps; j++) {
      const r = Math.hypot(x[j], x[i]);
      const v = (besselJ1(2 * cutoff * Math.PI * r) / (Math.PI * r)) * w[i] * w[j];
      f[i * numtaps + j] = v;
      sum += v;
    }
  }
  return Tensor.float32([numtaps, numtaps], Array.from(f, (v) => v / sum));
}

/** NVIDIA's `--cfg=stylegan3-t` / `stylegan3-r` generator at a resolution (train.py: z = w = 512, 2 mapping layers). */
export function sg3Preset(variant: 't' | 'r', resolution: number, o: Partial<Sg3GeneratorConfig> = {}): Sg3GeneratorConfig {
  const r = variant === 'r';
  return {
    ...SG3_DEFAULTS,
    zDim: 512,
    cDim: 0,
    wDim: 512,
    imgResolution: resolution,
    imgChannels: 3,
    channelBase: r ? 2 * 32768 : 32768,
    channelMax: r ? 1024 : 512,
    convKernel: r ? 1 : 3,
    useRadialFilters: r,
    ...o,
  };
}

/**
 * A randomly initialised generator state dict with NVIDIA's keys and initialisation: FC weights
 * N(0,1)/lr, affine biases 1 (the input affine: weight 0, bias [1, 0, 0, 0]), Fourier frequencies
 * in the bandwidth disc and uniform phases, identity transform, magnitude_ema 1, designed filters.
 */
export function initSg3Generator(cfg: Sg3GeneratorConfig, seed: number): Map<string, Tensor> {
  const rng = new RandomState(seed);
  const r = resolveSg3(cfg);
  const out = new Map<string, Tensor>();
  const randn = (key: string, shape: number[], scale = 1) => {
    const t = Tensor.float32(shape, rng.standardNormalFloat32(shape));
    if (scale !== 1) for (let i = 0; i < t.size; i++) t.data[i] *= scale;
    out.set(key, t);
  };
  const fill = (key: string, shape: number[], v: number | number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    out.set(key, Tensor.float32(shape, Array.from({ length: size }, (_, i) => (Array.isArray(v) ? v[i] : v))));
  };
  for (let i = 0; i < cfg.mappingLayers; i++) {
    const inF = i === 0 ? cfg.zDim + (cfg.cDim ? cfg.wDim : 0) : cfg.wDim;
    randn(`mapping.fc${i}.weight`, [cfg.wDim, inF], 1 / cfg.mappingLrMultiplier);
    fill(`mapping.fc${i}.bias`, [cfg.wDim], 0);
  }
  if (cfg.cDim) {
    randn('mapping.embed.weight', [cfg.wDim, cfg.cDim]);
    fill('mapping.embed.bias', [cfg.wDim], 0);
  }
  fill('mapping.w_avg', [cfg.wDim], 0);
  const c = r.input.channels;
  randn('synthesis.input.weight', [c, c]);
  fill('synthesis.input.affine.weight', [4, cfg.wDim], 0);
  fill('synthesis.input.affine.bias', [4], [1, 0, 0, 0]);
  fill('synthesis.input.transform', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const freqs = rng.standardNormalFloat32([c, 2]);
  for (let k = 0; k < c; k++) {
    const [fx, fy] = [freqs[2 * k], freqs[2 * k + 1]];
    const radius = Math.hypot(fx, fy);
    const scale = r.input.bandwidth / (radius * Math.exp(radius ** 2) ** 0.25);
    freqs[2 * k] = fx * scale;
    freqs[2 * k + 1] = fy * scale;
  }
  out.set('synthesis.input.freqs', Tensor.float32([c, 2], freqs));
  out.set('synthesis.input.phases', Tensor.float32([c], Array.from({ length: c }, () => rng.rand(1)[0] - 0.5)));
  for (const l of r.layers) {
    const p = `synthesis.${l.name}`;
    randn(`${p}.affine.weight`, [l.inChannels, cfg.wDim]);
    fill(`${p}.affine.bias`, [l.inChannels], 1);
    randn(`${p}.weight`, [l.outChannels, l.inChannels, l.convKernel, l.convKernel]);
    fill(`${p}.bias`, [l.outChannels], 0);
    out.set(`${p}.magnitude_ema`, Tensor.float32([], [1]));
    const up = designLowpassFilter(l.upTaps, l.inCutoff, l.inHalfWidth * 2, l.tmpSamplingRate);
    const down = designLowpassFilter(l.downTaps, l.outCutoff, l.outHalfWidth * 2, l.tmpSamplingRate, l.downRadial);
    if (up) out.set(`${p}.up_filter`, up);
    if (down) out.set(`${p}.down_filter`, down);
  }
  return out;
}
