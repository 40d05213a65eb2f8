import { ArgumentError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { input, type Value } from '../graph/value.js';
import { compile } from '../runtime/compile.js';
import { assertShape } from '../core/shape.js';
import { batchRows, mapBatches } from './batching.js';
import type { DcganDiscriminatorConfig } from './dcgan/config.js';
import { dcganDiscriminate, dcganGenerate } from './dcgan/networks.js';
import type { GanModel } from './ganModel.js';
import { discriminatorGraph } from './stylegan2/discriminator.js';
import { broadcastWs, mapToW } from './stylegan2/mapping.js';
import type { NoiseMode } from './stylegan2/synthesis.js';
import { styleSynthesis } from './styleGraph.js';
import { splitStyleOffsets, styleLayout, stylesGraph } from './stylegan2/styles.js';

const DEFAULT_BATCH = 8;

/**
 * z for each seed exactly as NVIDIA's generate.py draws it:
 * `np.random.RandomState(seed).randn(1, z_dim)` cast to float32.
 */
export function sampleZ(model: GanModel | number, seeds: readonly number[]): Tensor<'float32'> {
  const zDim = typeof model === 'number' ? model : model.zDim;
  const out = Tensor.float32([seeds.length, zDim]);
  seeds.forEach((seed, i) => {
    out.data.set(new RandomState(seed).standardNormalFloat32([zDim]), i * zDim);
  });
  return out;
}

/** One-hot labels [N, cDim] for class indices (NVIDIA's `--class`). */
export function classLabels(model: GanModel, classes: readonly number[]): Tensor<'float32'> {
  const c = Tensor.float32([classes.length, model.cDim]);
  classes.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= model.cDim) {
      throw new ArgumentError(`class ${k} is out of range: ${model.name} has ${model.cDim} classes`);
    }
    c.data[i * model.cDim + k] = 1;
  });
  return c;
}

export interface MapOptions {
  /** Truncation psi (1 = none). */
  psi?: number;
  /** Truncate only the first `cutoff` ws rows. */
  cutoff?: number | null;
  /** Labels [N, cDim] for conditional models. */
  c?: Tensor;
  batchSize?: number;
}

/** z [N, zDim] -> ws [N, numWs, wDim] through the mapping network (with truncation). */
export async function mapZ(model: GanModel, z: Tensor, opts: MapOptions = {}): Promise<Tensor<'float32'>> {
  const cfg = model.styleSpace();
  assertShape('z', z.shape, [-1, cfg.zDim]);
  if (cfg.cDim > 0 && !opts.c) throw new ArgumentError(`${model.name} is conditional: pass a class label`);
  const n = z.shape[0];
  const psi = opts.psi ?? 1;
  const cutoff = opts.cutoff ?? null;
  const [ws] = await mapBatches(n, opts.batchSize ?? 64, async (start, count, size) => {
    const exe = await model.program(`map:${size}:${psi}:${cutoff}`, () => {
      const z = input('z', [size, cfg.zDim]);
      const c = cfg.cDim ? input('c', [size, cfg.cDim]) : null;
      const m = model.generatorWeights().at('mapping');
      const ws = broadcastWs(m, cfg, mapToW(m, cfg, z, c), { psi, cutoff });
      return compile({ inputs: c ? [z, c] : [z], outputs: [ws], outputNames: ['ws'] });
    });
    const feeds: Record<string, Tensor> = { z: batchRows(z, start, count, size) };
    if (cfg.cDim) feeds.c = batchRows(opts.c!, start, count, size);
    const out = await exe.runNamed(feeds);
    return [out.ws];
  });
  return ws;
}

export interface SynthesisRunOptions {
  /** 'const' (stored maps, NVIDIA's default), 'random' (seeded maps) or 'none'. */
  noiseMode?: NoiseMode;
  /** Explicit unit-variance noise maps [N, 1, r, r] by layer name; they win over noiseMode. */
  noise?: Readonly<Record<string, Tensor>>;
  /** Seed of the maps drawn for noiseMode 'random' (default 0). */
  noiseSeed?: number;
  path?: 'shared' | 'grouped';
  batchSize?: number;
  /**
   * StyleGAN3: replaces the stored `synthesis.input.transform` for this call: [3, 3] for every image
   * or [N, 3, 3] one per image (gen_images.py's inv(make_transform(translate, rotate)), see
   * stylegan3/synthesis inputTransform).
   */
  transform?: Tensor;
  /** StyleGAN2: StyleSpace offsets Δs [N, dim] added to every layer's styles (see stylegan2/styles). */
  styleOffsets?: Tensor;
}

/** Unit-variance noise maps for every noisy layer, drawn from a seeded RandomState. */
export function makeNoise(model: GanModel, n: number, seed = 0): Record<string, Tensor<'float32'>> {
  const rng = new RandomState(seed);
  const maps: Record<string, Tensor<'float32'>> = {};
  for (const l of model.stylegan2().layers) {
    if (l.kind !== 'conv') continue;
    const shape = [n, 1, l.resolution, l.resolution];
    maps[l.name] = Tensor.float32(shape, rng.standardNormalFloat32(shape));
  }
  return maps;
}

/**
 * Latents -> images [N, C, R, R] (raw generator output, roughly [-1, 1]).
 * StyleGAN2 takes ws [N, numWs, wDim] (W or W+); DCGAN takes z [N, nz].
 */
export async function synthesize(model: GanModel, latent: Tensor, opts: SynthesisRunOptions = {}): Promise<Tensor<'float32'>> {
  const n = latent.shape[0];
  if (model.architecture === 'dcgan') {
    const cfg = model.dcgan();
    assertShape('z', latent.shape, [-1, cfg.nz]);
    const [img] = await mapBatches(n, opts.batchSize ?? DEFAULT_BATCH, async (start, count, size) => {
      const exe = await model.program(`dcgan:${size}`, () => {
        const z = input('z', [size, cfg.nz]);
        return compile({ inputs: [z], outputs: [dcganGenerate(model.generatorWeights().at(''), cfg, z)], outputNames: ['img'] });
      });
      return [(await exe.runNamed({ z: batchRows(latent, start, count, size) })).img];
    });
    return img;
  }
  if (model.architecture === 'stylegan3') {
    if (opts.styleOffsets) throw new ArgumentError(`${model.name} is a StyleGAN3: StyleSpace offsets are implemented for StyleGAN2 only`);
    return synthesizeSg3Batches(model, latent, opts);
  }
  const cfg = model.stylegan2();
  assertShape('ws', latent.shape, [-1, cfg.numWs, cfg.wDim]);
  const mode = opts.noiseMode ?? 'const';
  if (opts.transform) throw new ArgumentError(`${model.name} is a StyleGAN2: --translate/--rotate need a StyleGAN3 (its input layer's transform)`);
  const noise = opts.noise ?? (mode === 'random' ? makeNoise(model, n, opts.noiseSeed ?? 0) : undefined);
  const noiseLayers = noise ? Object.keys(noise).sort() : [];
  const layout = styleLayout(cfg);
  const offsets = opts.styleOffsets;
  if (offsets) assertShape('style offsets', offsets.shape, [n, layout.dim]);
  const [img] = await mapBatches(n, opts.batchSize ?? DEFAULT_BATCH, async (start, count, size) => {
    const key = `synth:${size}:${mode}:${opts.path ?? 'auto'}:${noiseLayers.join(',')}${offsets ? ':styles' : ''}`;
    const exe = await model.program(key, () => {
      const ws = input('ws', [size, cfg.numWs, cfg.wDim]);
      const maps: Record<string, Value> = {};
      for (const name of noiseLayers) maps[name] = input(`noise:${name}`, [size, 1, ...noise![name].shape.slice(2)]);
      const ds = offsets ? input('styleOffsets', [size, layout.dim]) : null;
      const styleOffsets = ds ? splitStyleOffsets(layout, ds) : undefined;
      const img = styleSynthesis(model, ws, { noiseMode: mode === 'random' ? 'none' : mode, noise: maps, path: opts.path, styleOffsets });
      return compile({ inputs: [ws, ...Object.values(maps), ...(ds ? [ds] : [])], outputs: [img], outputNames: ['img'] });
    });
    const feeds: Record<string, Tensor> = { ws: batchRows(latent, start, count, size) };
    for (const name of noiseLayers) feeds[`noise:${name}`] = batchRows(noise![name], start, count, size);
    if (offsets) feeds.styleOffsets = batchRows(offsets, start, count, size);
    return [(await exe.runNamed(feeds)).img];
  });
  return img;
}

/** StyleGAN3: ws -> images; no noise inputs, an optional input transform fed as a graph input. */
async function synthesizeSg3Batches(model: GanModel, latent: Tensor, opts: SynthesisRunOptions): Promise<Tensor<'float32'>> {
  const cfg = model.stylegan3();
  assertShape('ws', latent.shape, [-1, cfg.numWs, cfg.wDim]);
  const tf = opts.transform;
  const perSample = tf?.rank === 3;
  if (tf) assertShape('transform', tf.shape, perSample ? [latent.shape[0], 3, 3] : [3, 3]);
  const [img] = await mapBatches(latent.shape[0], opts.batchSize ?? DEFAULT_BATCH, async (start, count, size) => {
    const exe = await model.program(`sg3:${size}:${tf ? (perSample ? 'tfN' : 'tf') : 'stored'}`, () => {
      const ws = input('ws', [size, cfg.numWs, cfg.wDim]);
      const transform = tf ? input('transform', perSample ? [size, 3, 3] : [3, 3]) : undefined;
      const img = styleSynthesis(model, ws, { transform });
      return compile({ inputs: transform ? [ws, transform] : [ws], outputs: [img], outputNames: ['img'] });
    });
    const feeds: Record<string, Tensor> = { ws: batchRows(latent, start, count, size) };
    if (tf) feeds.transform = perSample ? batchRows(tf.toFloat32(), start, count, size) : tf.toFloat32();
    return [(await exe.runNamed(feeds)).img];
  });
  return img;
}

/** D(img, c) -> logits [N, 1] (StyleGAN2) or probabilities [N] (DCGAN). The whole batch runs at once (minibatch-std). */
export async function discriminate(model: GanModel, img: Tensor, c?: Tensor): Promise<Tensor<'float32'>> {
  const r = model.resolution;
  assertShape('image', img.shape, [-1, model.imgChannels, r, r]);
  const n = img.shape[0];
  const exe = await model.program(`disc:${n}`, () => {
    const x = input('img', img.shape);
    const c = model.cDim ? input('c', [n, model.cDim]) : null;
    const out =
      model.architecture === 'dcgan'
        ? dcganDiscriminate(model.discriminatorWeights().at(''), model.manifest.discriminator as DcganDiscriminatorConfig, x)
        : discriminatorGraph(model.discriminatorWeights().at(''), model.discriminatorConfig(), x, c);
    return compile({ inputs: c ? [x, c] : [x], outputs: [out], outputNames: ['out'] });
  });
  if (model.cDim && !c) throw new ArgumentError(`${model.name} is conditional: pass labels c [N, ${model.cDim}]`);
  const feeds: Record<string, Tensor> = { img: img.toFloat32() };
  if (model.cDim) feeds.c = c!.toFloat32();
  const out = await exe.runNamed(feeds);
  return out.out as Tensor<'float32'>;
}

/** ws [N, numWs, wDim] -> StyleSpace codes s = A(w) [N, dim] of a StyleGAN2 (every conv and ToRGB layer, forward order). */
export async function computeStyles(model: GanModel, ws: Tensor, opts: { batchSize?: number } = {}): Promise<Tensor<'float32'>> {
  if (model.architecture !== 'stylegan2') throw new ArgumentError(`${model.name} is a ${model.architecture}: StyleSpace is implemented for StyleGAN2 only`);
  const cfg = model.stylegan2();
  assertShape('ws', ws.shape, [-1, cfg.numWs, cfg.wDim]);
  const [s] = await mapBatches(ws.shape[0], opts.batchSize ?? 256, async (start, count, size) => {
    const exe = await model.program(`styles:${size}`, () => {
      const x = input('ws', [size, cfg.numWs, cfg.wDim]);
      return compile({ inputs: [x], outputs: [stylesGraph(model.generatorWeights().at('synthesis'), cfg, x)], outputNames: ['styles'] });
    });
    return [(await exe.runNamed({ ws: batchRows(ws, start, count, size) })).styles];
  });
  return s;
}
