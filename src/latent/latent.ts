import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { concatRows, selectAxis1, takeRows, Tensor } from '../core/tensor.js';
import { classLabels, mapZ, sampleZ, synthesize } from '../models/generate.js';
import type { GanModel } from '../models/ganModel.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import { styleLayout } from '../models/stylegan2/styles.js';

/** z: the input latent; w: one mapped code per image; w+: one code per synthesis ws row. */
export type LatentSpace = 'z' | 'w' | 'w+';

export const LATENT_SPACES: readonly LatentSpace[] = ['z', 'w', 'w+'];

/** What made a latent (kept in its file so a result can be traced back). */
export interface LatentProvenance {
  kind: 'seeds' | 'projection' | 'encoder' | 'edit' | 'interpolation' | 'arithmetic' | 'import' | 'mix' | 'codes';
  [key: string]: unknown;
}

/**
 * A batch of latent codes with everything needed to render them exactly: the space, truncation, class
 * labels and noise (mode or the maps themselves), plus the model they belong to.
 */
export interface Latent {
  space: LatentSpace;
  /** z: [N, zDim]; w: [N, wDim]; w+: [N, numWs, wDim]. w and w+ codes are stored after truncation. */
  codes: Tensor<'float32'>;
  /** Class index per row for conditional models. */
  classes?: number[];
  /** Truncation applied when mapping z (space z) or already applied to the codes (w, w+: provenance). */
  psi: number;
  cutoff: number | null;
  noiseMode: NoiseMode;
  /** Explicit unit-variance noise maps [N, 1, r, r] by synthesis layer name; they win over noiseMode. */
  noise?: Record<string, Tensor<'float32'>>;
  /** Seed of the maps drawn for noiseMode 'random' when no explicit maps are stored. */
  noiseSeed?: number;
  /** StyleGAN2: StyleSpace offsets Δs [N, dim] added to the styles A(w) when rendering (StyleSpace edits). */
  styleOffsets?: Tensor<'float32'>;
  model: { name: string; contentHash: string };
  provenance: LatentProvenance;
}

export interface LatentOptions {
  psi?: number;
  cutoff?: number | null;
  classes?: number[];
  noiseMode?: NoiseMode;
  noiseSeed?: number;
  noise?: Record<string, Tensor<'float32'>>;
  provenance?: LatentProvenance;
}

/** The code shape a space has for `model` (without the batch dimension). */
export function codeShape(model: GanModel, space: LatentSpace): number[] {
  if (model.architecture === 'dcgan') {
    if (space !== 'z') throw new ArgumentError(`${model.name} is a DCGAN: its only latent space is z (got ${space})`);
    return [model.zDim];
  }
  const cfg = model.styleSpace();
  if (space === 'z') return [cfg.zDim];
  if (space === 'w') return [cfg.wDim];
  return [cfg.numWs, cfg.wDim];
}

/** Checks that `latent` fits `model`: code shape, classes, noise map shapes. */
export function checkLatent(model: GanModel, latent: Latent, what = 'latent'): void {
  const want = codeShape(model, latent.space);
  const got = latent.codes.shape;
  if (got.length !== want.length + 1 || want.some((d, i) => got[i + 1] !== d)) {
    throw new ShapeError(
      `${what}: ${latent.space} codes have shape ${formatShape(got)}; ${model.name} needs [N, ${want.join(', ')}]`,
    );
  }
  const n = got[0];
  if (latent.classes && latent.classes.length !== n) {
    throw new ArgumentError(`${what}: ${latent.classes.length} class labels for ${n} codes`);
  }
  if (model.cDim > 0 && !latent.classes) throw new ArgumentError(`${what}: ${model.name} is conditional; the latent has no classes`);
  if (latent.styleOffsets) {
    if (model.architecture !== 'stylegan2') throw new ArgumentError(`${what}: StyleSpace offsets need a StyleGAN2 (${model.name} is a ${model.architecture})`);
    const dim = styleLayout(model.stylegan2()).dim;
    const s = latent.styleOffsets.shape;
    if (s.length !== 2 || s[0] !== n || s[1] !== dim) throw new ShapeError(`${what}: style offsets have shape ${formatShape(s)}, expected [${n}, ${dim}]`);
  }
  if (!latent.noise) return;
  const layers = new Map(model.architecture === 'stylegan2' ? model.stylegan2().layers.map((l) => [l.name, l]) : []);
  for (const [name, map] of Object.entries(latent.noise)) {
    const layer = layers.get(name);
    if (!layer || layer.kind !== 'conv') throw new ArgumentError(`${what}: noise map '${name}' names no noisy layer of ${model.name}`);
    const r = layer.resolution;
    const s = map.shape;
    if (s.length !== 4 || s[0] !== n || s[1] !== 1 || s[2] !== r || s[3] !== r) {
      throw new ShapeError(`${what}: noise map '${name}' has shape ${formatShape(s)}, expected [${n}, 1, ${r}, ${r}]`);
    }
  }
}

/** Wraps codes as a latent of `model` (validated). */
export function latentFromCodes(model: GanModel, space: LatentSpace, codes: Tensor, opts: LatentOptions = {}): Latent {
  const latent: Latent = {
    space,
    codes: codes.toFloat32(),
    classes: opts.classes,
    psi: opts.psi ?? 1,
    cutoff: opts.cutoff ?? null,
    noiseMode: model.architecture === 'dcgan' ? 'none' : (opts.noiseMode ?? 'const'),
    noise: opts.noise,
    noiseSeed: opts.noiseSeed,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    provenance: opts.provenance ?? { kind: 'codes' },
  };
  checkLatent(model, latent);
  return latent;
}

function labelsFor(model: GanModel, latent: Latent): Tensor | undefined {
  return model.cDim > 0 ? classLabels(model, latent.classes!) : undefined;
}

/**
 * Latents for seeds, drawn as NVIDIA's generate.py draws z. In w / w+ the codes are mapped (and truncated)
 * here, so editing them later needs no mapping network.
 */
export async function latentFromSeeds(
  model: GanModel,
  seeds: readonly number[],
  opts: LatentOptions & { space?: LatentSpace } = {},
): Promise<Latent> {
  const space = opts.space ?? 'z';
  const z = sampleZ(model, seeds);
  const provenance = opts.provenance ?? { kind: 'seeds', seeds: [...seeds] };
  const base = latentFromCodes(model, 'z', z, { ...opts, provenance });
  if (space === 'z') return base;
  const ws = await toWs(model, base);
  const codes = space === 'w+' ? ws : selectAxis1(ws, 0);
  return latentFromCodes(model, space, codes, { ...opts, provenance });
}

/** Repeats w [N, wDim] over the ws rows: [N, numWs, wDim]. */
export function broadcastW(w: Tensor<'float32'>, numWs: number): Tensor<'float32'> {
  const [n, wDim] = w.shape;
  const out = Tensor.float32([n, numWs, wDim]);
  for (let i = 0; i < n; i++) {
    const row = w.data.subarray(i * wDim, (i + 1) * wDim);
    for (let k = 0; k < numWs; k++) out.data.set(row, (i * numWs + k) * wDim);
  }
  return out;
}

/** The synthesis input ws [N, numWs, wDim] of a StyleGAN2/3 latent (z is mapped with its psi and cutoff). */
export async function toWs(model: GanModel, latent: Latent): Promise<Tensor<'float32'>> {
  checkLatent(model, latent);
  const cfg = model.styleSpace();
  if (latent.space === 'w+') return latent.codes;
  if (latent.space === 'w') return broadcastW(latent.codes, cfg.numWs);
  return mapZ(model, latent.codes, { psi: latent.psi, cutoff: latent.cutoff, c: labelsFor(model, latent) });
}

/** Renders a latent: images [N, C, R, R], roughly in [-1, 1]. Same latent, same bits. */
export async function renderLatent(model: GanModel, latent: Latent, opts: { batchSize?: number } = {}): Promise<Tensor<'float32'>> {
  checkLatent(model, latent);
  if (model.architecture === 'dcgan') return synthesize(model, latent.codes, { batchSize: opts.batchSize });
  const ws = await toWs(model, latent);
  return synthesize(model, ws, {
    noiseMode: latent.noiseMode,
    noise: latent.noise,
    noiseSeed: latent.noiseSeed,
    batchSize: opts.batchSize,
    styleOffsets: latent.styleOffsets,
  });
}

/**
 * Picks rows of a batch. Random-mode noise without stored maps cannot be split row-wise (the maps depend on
 * the batch), so select such latents after materialising their noise with `makeNoise`.
 */
export function selectRows(latent: Latent, rows: readonly number[]): Latent {
  if (latent.noiseMode === 'random' && !latent.noise && rows.length !== latent.codes.shape[0]) {
    throw new ArgumentError('cannot select rows of a latent with unmaterialised random noise: store its noise maps first');
  }
  const n = latent.codes.shape[0];
  const bad = rows.find((r) => !Number.isInteger(r) || r < 0 || r >= n);
  if (bad !== undefined) throw new ArgumentError(`row ${bad} is out of range: the latent has ${n} rows`);
  const noise = latent.noise
    ? Object.fromEntries(Object.entries(latent.noise).map(([k, v]) => [k, takeRows(v, rows)]))
    : undefined;
  return {
    ...latent,
    codes: takeRows(latent.codes, rows),
    classes: latent.classes ? rows.map((r) => latent.classes![r]) : undefined,
    noise,
    styleOffsets: latent.styleOffsets ? takeRows(latent.styleOffsets, rows) : undefined,
  };
}

/** Stacks latents of one model, space, truncation and noise mode into one batch. */
export function concatLatents(latents: readonly Latent[], provenance?: LatentProvenance): Latent {
  if (latents.length === 0) throw new ArgumentError('concatLatents: no latents');
  const [first] = latents;
  for (const l of latents) {
    const same =
      l.space === first.space &&
      l.model.contentHash === first.model.contentHash &&
      l.noiseMode === first.noiseMode &&
      l.psi === first.psi &&
      l.cutoff === first.cutoff &&
      !!l.noise === !!first.noise &&
      !!l.classes === !!first.classes &&
      !!l.styleOffsets === !!first.styleOffsets &&
      (l.noise || l.noiseMode !== 'random');
    if (!same) {
      throw new ArgumentError(
        'concatLatents: latents differ in space, model, truncation, classes or noise (or carry unmaterialised random noise)',
      );
    }
  }
  const noise = first.noise
    ? Object.fromEntries(Object.keys(first.noise).map((k) => [k, concatRows(latents.map((l) => l.noise![k]))]))
    : undefined;
  return {
    ...first,
    codes: concatRows(latents.map((l) => l.codes)),
    classes: first.classes ? latents.flatMap((l) => l.classes!) : undefined,
    noise,
    styleOffsets: first.styleOffsets ? concatRows(latents.map((l) => l.styleOffsets!)) : undefined,
    provenance: provenance ?? first.provenance,
  };
}
