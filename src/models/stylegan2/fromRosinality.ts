import { CheckpointError } from '../../core/errors.js';
import { formatShape, type Shape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { asTensor } from '../../formats/numpyPickle.js';
import { type PlainValue, plainBudget, PyDict, PyObject, type PyValue, toPlain } from '../../formats/pyValue.js';
import { stateDictFrom } from '../../formats/stateDict.js';
import type { GeneratorConfig } from './config.js';

/**
 * rosinality/stylegan2-pytorch generators (model.py `Generator`) as NVIDIA-named state dicts, so
 * the stylegan2-ada-pytorch graph in mapping.ts / synthesis.ts computes rosinality's arithmetic.
 *
 *   rosinality                          NVIDIA key                       change
 *   style.{i}.weight / .bias (i ≥ 1)    mapping.fc{i-1}.weight / .bias   none: EqualLinear(lr_mul)
 *                                                                        = FC with lr multiplier
 *   latent_avg [D] (checkpoint root)    mapping.w_avg [D]                none
 *   input.input [1, C, 4, 4]            synthesis.b4.const [C, 4, 4]     squeeze
 *   *.conv.weight [1, O, I, k, k]       *.weight [O, I, k, k]            × 1/sqrt(I·k²) (styled convs)
 *   *.conv.modulation.weight / .bias    *.affine.weight / .bias          none (bias init 1 both)
 *   *.noise.weight [1]                  *.noise_strength []              squeeze
 *   *.activate.bias [O]                 *.bias [O]                       none (lrelu 0.2 · sqrt 2)
 *   noises.noise_{i} [1, 1, r, r]       *.noise_const [r, r]             squeeze, see layer table
 *   convs.{2k}.conv.blur.kernel         b{r}.conv0.resample_filter       ÷ 4 (their kernel holds ×up²)
 *   to_rgbs.{k}.upsample.kernel         b{r}.resample_filter             ÷ 4
 *   to_rgb*.conv.weight [1, 3, I, 1, 1] *.torgb.weight [3, I, 1, 1]      squeeze only, see toRgb
 *   to_rgb*.bias [1, 3, 1, 1]           *.torgb.bias [3]                 squeeze
 *
 * Layers (r = 2^(k+3)), with the latent row each reads; rosinality's `latent[:, j]` equals
 * resolveGenerator's wsIndex everywhere, and n_latent = 2·log2(size) − 2 = numWs:
 *   conv1      → b4.conv1   ws 0   noise_0        to_rgb1    → b4.torgb  ws 1
 *   convs.2k   → b{r}.conv0 ws 2k+1 noise_{2k+1}  convs.2k+1 → b{r}.conv1 ws 2k+2 noise_{2k+2}
 *   to_rgbs.k  → b{r}.torgb ws 2k+3
 */

export interface RosinalityOptions {
  /** Which generator of a training checkpoint: 'g_ema' (default, what their scripts sample) or 'g'. */
  key?: 'g_ema' | 'g';
}

export interface RosinalityMeta {
  /** The generator read ('g_ema' or 'g'; 'state_dict' for a bare state dict). */
  key: string;
  size: number;
  styleDim: number;
  nMlp: number;
  /** Latent rows (rosinality's n_latent), equal to our numWs. */
  nLatent: number;
  /** Channels per resolution, read from weight shapes. */
  channels: Record<number, number>;
  /** Whether `latent_avg` was present (then mapping.w_avg is set and truncation works). */
  hasLatentAvg: boolean;
  /** Whether `noises.noise_*` buffers were present (needed for noiseMode 'const'). */
  hasNoiseBuffers: boolean;
  /** Generator keys this conversion did not use (none for a stock model). */
  unusedKeys: string[];
  /** The checkpoint's `args` (train.py's argparse Namespace) as plain data, or null. */
  args: PlainValue;
}

export interface RosinalityGenerator {
  /** NVIDIA-named tensors for Weights / inferGeneratorConfig / mapToW / synthesize. */
  stateDict: Map<string, Tensor>;
  /** What shapes cannot tell: no conv clamp, mapping lr multiplier (args.lr_mlp, else model.py's 0.01). */
  hints: Partial<GeneratorConfig>;
  meta: RosinalityMeta;
}

type Source = ReadonlyMap<string, Tensor>;

/**
 * The generator's state dict, latent_avg and args from whatever torch.load returned. `owned`: the
 * map was built here (not the caller's), so converted entries may be dropped from it as they go.
 */
function open(ckpt: PyValue | Source, file: string, key: string) {
  let src: Source;
  let owned = true;
  let latentAvg: Tensor | undefined;
  let args: PlainValue = null;
  let used = key;
  if (ckpt instanceof PyDict) {
    const bare = !ckpt.has(key) && ckpt.has('style.1.weight');
    if (bare && key !== 'g_ema')
      throw new CheckpointError(file, `a bare generator state dict has no '${key}'`);
    src = bare ? stateDictFrom(ckpt, file) : stateDictFrom(ckpt, file, key);
    if (bare) used = 'state_dict';
    latentAvg = asTensor(ckpt.get('latent_avg'));
    const a = ckpt.get('args');
    if (a !== undefined && a !== null) args = toPlain(a, plainBudget(file));
  } else if (ckpt instanceof Map) {
    // A flat map: the generator's own keys, or collectTensors' `g_ema.style.1.weight` paths.
    const prefixed = [...ckpt.keys()].filter((k) => k.startsWith(`${key}.`));
    if (prefixed.length) {
      src = new Map(prefixed.map((k) => [k.slice(key.length + 1), ckpt.get(k)!]));
    } else if (ckpt.has('style.1.weight') && key === 'g_ema') {
      src = ckpt;
      owned = false;
      used = 'state_dict';
    } else {
      throw new CheckpointError(
        file,
        `no '${key}.*' or 'style.1.weight' tensors: not a rosinality generator`,
      );
    }
    latentAvg = ckpt.get('latent_avg');
  } else if (ckpt instanceof PyObject) {
    src = stateDictFrom(ckpt, file);
    used = 'module';
  } else {
    src = stateDictFrom(ckpt as PyValue, file, key);
  }
  return { src, latentAvg, args, used, owned };
}

function lrMlp(args: PlainValue): number | undefined {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return undefined;
  return typeof args.lr_mlp === 'number' ? args.lr_mlp : undefined;
}

function indices(src: Source, re: RegExp): number[] {
  const out: number[] = [];
  for (const k of src.keys()) {
    const m = re.exec(k);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** model.py's ModulatedConv2d blur pads for upsample (p = K − 2 − (k − 1)) vs modconv.ts' upFilter. */
function upBlurMatches(taps: number, kernel: number): boolean {
  const p = taps - 2 - (kernel - 1);
  const theirs = [Math.floor((p + 1) / 2) + 1, Math.floor(p / 2) + 1];
  // Ours pads (fw − 2)/2 on both sides of the 2H + 1 transposed-conv output, i.e. assumes k = 3.
  return kernel === 3 && theirs[0] === (taps - 2) / 2 && theirs[1] === (taps - 2) / 2;
}

/**
 * Converts a rosinality checkpoint (what `torch.load` returned: a dict with `g_ema`, and from
 * train.py also `g`, `d`, `args`; a bare `Generator.state_dict()`; or a flat tensor map) into an
 * NVIDIA-named generator state dict. Every size comes from tensor shapes, never model.py's table.
 */
export function fromRosinality(
  ckpt: PyValue | Source,
  file: string,
  opts: RosinalityOptions = {},
): RosinalityGenerator {
  const { src, latentAvg, args, used, owned } = open(ckpt, file, opts.key ?? 'g_ema');
  const taken = new Set<string>();
  const out = new Map<string, Tensor>();
  const where = (k: string) => (used === 'g_ema' || used === 'g' ? `${used}.${k}` : k);
  const allKeys = [...src.keys()];

  /**
   * The tensor `key` as float32, checked against `shape` (−1 = any size). A map built here lets go
   * of it (unless `keep`): the source tensor is freed once converted, not when the whole import ends.
   */
  const take = (key: string, shape: Shape, keep = false): Tensor<'float32'> => {
    const t = src.get(key);
    if (!t) throw new CheckpointError(file, `missing '${where(key)}' (rosinality StyleGAN2 generator)`);
    if (t.rank !== shape.length || t.shape.some((d, i) => shape[i] >= 0 && d !== shape[i])) {
      throw new CheckpointError(
        file,
        `'${where(key)}' has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`,
      );
    }
    taken.add(key);
    if (owned && !keep) (src as Map<string, Tensor>).delete(key);
    return t.dtype === 'float32' ? (t as Tensor<'float32'>) : t.toFloat32();
  };
  const put = (key: string, t: Tensor<'float32'>, shape: Shape, scale = 1) => {
    const data = scale === 1 ? t.data : t.data.map((v) => v * scale);
    out.set(key, new Tensor('float32', shape, data));
  };

  // Mapping: PixelNorm is style.0, so EqualLinear layers are style.1 … style.n_mlp.
  const fcs = indices(src, /^style\.(\d+)\.weight$/);
  if (!fcs.length)
    throw new CheckpointError(file, `missing '${where('style.1.weight')}': not a rosinality generator`);
  const styleDim = take('style.1.weight', [-1, -1], true).shape[1];
  fcs.forEach((idx, i) => {
    if (idx !== i + 1)
      throw new CheckpointError(
        file,
        `mapping layers should be style.1 … style.${fcs.length}, found style.${idx}`,
      );
    put(`mapping.fc${i}.weight`, take(`style.${idx}.weight`, [styleDim, styleDim]), [styleDim, styleDim]);
    put(`mapping.fc${i}.bias`, take(`style.${idx}.bias`, [styleDim]), [styleDim]);
  });
  if (latentAvg) {
    if (latentAvg.size !== styleDim || latentAvg.shape.some((d) => d !== 1 && d !== styleDim)) {
      throw new CheckpointError(
        file,
        `'latent_avg' has shape ${formatShape(latentAvg.shape)}, expected [${styleDim}]`,
      );
    }
    put('mapping.w_avg', latentAvg.toFloat32(), [styleDim]);
  }

  const numRgbs = indices(src, /^to_rgbs\.(\d+)\.conv\.weight$/).length;
  const size = 2 ** (numRgbs + 2);
  const numLayers = 2 * numRgbs + 1;
  const noiseKeys = indices(src, /^noises\.noise_(\d+)$/);
  const hasNoise = noiseKeys.length > 0;
  if (hasNoise && noiseKeys.length !== numLayers) {
    throw new CheckpointError(
      file,
      `${noiseKeys.length} noises.noise_* buffers for ${numLayers} conv layers (size ${size})`,
    );
  }

  /** FIR kernel of an upsampling module, stored ×4 by make_kernel(k) · factor²; ours is un-scaled. */
  const filter = (key: string, nv: string, convKernel: number | null) => {
    const k = take(key, [-1, -1]);
    const taps = k.shape[0];
    if (k.shape[1] !== taps)
      throw new CheckpointError(file, `'${where(key)}' is ${formatShape(k.shape)}, expected square`);
    // ToRGB Upsample pads ((K−1)//2 + 1, (K−2)//2), the same as NVIDIA's upsample2d for every K.
    if (convKernel !== null && !upBlurMatches(taps, convKernel)) {
      throw new CheckpointError(
        file,
        `'${where(key)}': ${taps}-tap blur after a ${convKernel}x${convKernel} up-conv pads differently from ours`,
      );
    }
    put(nv, k, [taps, taps], 0.25);
  };

  /** StyledConv: modulated conv (demodulated) → noise → FusedLeakyReLU. */
  const styledConv = (
    ros: string,
    nv: string,
    inCh: number,
    noiseIndex: number,
    res: number,
    up: boolean,
  ): number => {
    const w = take(`${ros}.conv.weight`, [1, -1, inCh, -1, -1]);
    const [, outCh, , k] = w.shape;
    if (w.shape[4] !== k || k % 2 !== 1)
      throw new CheckpointError(
        file,
        `'${where(`${ros}.conv.weight`)}' has a ${k}x${w.shape[4]} kernel, expected square and odd`,
      );
    // Folding their explicit scale into the weight makes demodulation's eps act exactly as in
    // model.py: rsqrt(Σ(scale·W·s)² + 1e-8). fround(scale) first: torch multiplies in float32.
    put(`${nv}.weight`, w, [outCh, inCh, k, k], Math.fround(1 / Math.sqrt(inCh * k * k)));
    put(`${nv}.affine.weight`, take(`${ros}.conv.modulation.weight`, [inCh, styleDim]), [inCh, styleDim]);
    put(`${nv}.affine.bias`, take(`${ros}.conv.modulation.bias`, [inCh]), [inCh]);
    put(`${nv}.noise_strength`, take(`${ros}.noise.weight`, [1]), []);
    put(`${nv}.bias`, take(`${ros}.activate.bias`, [outCh]), [outCh]);
    if (hasNoise) put(`${nv}.noise_const`, take(`noises.noise_${noiseIndex}`, [1, 1, res, res]), [res, res]);
    if (up) filter(`${ros}.conv.blur.kernel`, `${nv}.resample_filter`, k);
    return outCh;
  };

  /**
   * ToRGB: modulated 1x1 conv without demodulation + bias. Their weight·scale with scale =
   * 1/sqrt(I·k²) is exactly synthesis.ts toRgb's style gain, so the weight is NOT folded here
   * (folding would apply the scale twice).
   */
  const toRgb = (ros: string, nv: string, inCh: number, block: string | null) => {
    const w = take(`${ros}.conv.weight`, [1, -1, inCh, 1, 1]);
    const imgCh = w.shape[1];
    put(`${nv}.weight`, w, [imgCh, inCh, 1, 1]);
    put(`${nv}.affine.weight`, take(`${ros}.conv.modulation.weight`, [inCh, styleDim]), [inCh, styleDim]);
    put(`${nv}.affine.bias`, take(`${ros}.conv.modulation.bias`, [inCh]), [inCh]);
    put(`${nv}.bias`, take(`${ros}.bias`, [1, imgCh, 1, 1]), [imgCh]);
    if (block) filter(`${ros}.upsample.kernel`, `${block}.resample_filter`, null);
  };

  const constIn = take('input.input', [1, -1, 4, 4]);
  const c4 = constIn.shape[1];
  const channels: Record<number, number> = { 4: c4 };
  put('synthesis.b4.const', constIn, [c4, 4, 4]);
  styledConv('conv1', 'synthesis.b4.conv1', c4, 0, 4, false);
  toRgb('to_rgb1', 'synthesis.b4.torgb', c4, null);
  let ch = c4;
  for (let k = 0; k < numRgbs; k++) {
    const res = 2 ** (k + 3);
    const b = `synthesis.b${res}`;
    ch = styledConv(`convs.${2 * k}`, `${b}.conv0`, ch, 2 * k + 1, res, true);
    styledConv(`convs.${2 * k + 1}`, `${b}.conv1`, ch, 2 * k + 2, res, false);
    toRgb(`to_rgbs.${k}`, `${b}.torgb`, ch, b);
    channels[res] = ch;
  }

  const unusedKeys = allKeys.filter((k) => !taken.has(k));
  const extraConvs = unusedKeys.filter((k) => /^convs\.\d+\.conv\.weight$/.test(k));
  if (extraConvs.length) {
    throw new CheckpointError(
      file,
      `'${where(extraConvs[0])}' has no to_rgbs entry: convs and to_rgbs disagree on the size`,
    );
  }
  return {
    stateDict: out,
    hints: { convClamp: null, mappingLrMultiplier: lrMlp(args) ?? 0.01, architecture: 'skip' },
    meta: {
      key: used,
      size,
      styleDim,
      nMlp: fcs.length,
      nLatent: 2 * Math.log2(size) - 2,
      channels,
      hasLatentAvg: latentAvg !== undefined,
      hasNoiseBuffers: hasNoise,
      unusedKeys,
      args,
    },
  };
}
