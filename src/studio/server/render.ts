import {
  ArgumentError,
  classLabels,
  encodePng,
  type GanModel,
  makeGrid,
  mapZ,
  type NoiseMode,
  sampleZ,
  synthesize,
  Tensor,
  toImages,
  upscale,
} from '../../index.js';

/** Latents drawn from seeds, with the flags of `latentlab generate`. */
export interface SeedSpec {
  seeds: number[];
  /** Truncation psi (StyleGAN2). */
  psi: number;
  cutoff: number | null;
  noiseMode: NoiseMode;
  noiseSeed: number;
  /** Class label for conditional models. */
  classIndex?: number;
}

export const SEED_SPEC_DEFAULTS: Omit<SeedSpec, 'seeds'> = {
  psi: 1,
  cutoff: null,
  noiseMode: 'const',
  noiseSeed: 0,
};

/**
 * Images [N, C, R, R] for seeds exactly as `latentlab generate` draws them (same z, ws, noise).
 * `noise` passes explicit maps (a slice of `makeNoise` for the whole list when a job renders in parts).
 */
export async function renderSeeds(
  model: GanModel,
  spec: SeedSpec,
  batchSize = 8,
  noise?: Record<string, Tensor>,
): Promise<Tensor<'float32'>> {
  const z = sampleZ(model, spec.seeds);
  if (!model.hasWSpace) return synthesize(model, z, { batchSize });
  if (model.cDim && spec.classIndex === undefined)
    throw new ArgumentError(`${model.name} is conditional: pass a class`);
  const c = model.cDim
    ? classLabels(
        model,
        spec.seeds.map(() => spec.classIndex!),
      )
    : undefined;
  const ws = await mapZ(model, z, { psi: spec.psi, cutoff: spec.cutoff, c });
  return synthesize(model, ws, { noiseMode: spec.noiseMode, noiseSeed: spec.noiseSeed, noise, batchSize });
}

/** Rows [start, start + count) of every noise map. */
export function noiseRows(
  maps: Record<string, Tensor>,
  start: number,
  count: number,
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(maps)) {
    const row = t.size / t.shape[0];
    out[name] = new Tensor(
      'float32',
      [count, ...t.shape.slice(1)],
      t.toFloat32().data.slice(start * row, (start + count) * row),
    );
  }
  return out;
}

/** Generator output -> one PNG: a row-major grid of `columns`, each image upscaled `scale` times. */
export async function gridPng(images: Tensor, columns: number, scale: number): Promise<Buffer> {
  const tiles = toImages(images).map((im) => upscale(im, scale));
  return encodePng(makeGrid(tiles, columns, 0));
}

/** [0,1,2,3,7] -> '0-3,7' (NVIDIA's num_range syntax, which the CLI parses back). */
export function formatSeeds(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length;) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1) j++;
    parts.push(j > i ? `${seeds[i]}-${seeds[j]}` : `${seeds[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Quotes a shell word when it needs it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `latentlab generate` command that writes the same images. */
export function generateCommand(
  modelPath: string,
  architecture: string,
  spec: SeedSpec,
  outdir: string,
  extra: { grid?: boolean; upscale?: number } = {},
): string {
  const args = ['npx', 'latentlab', 'generate', '--model', modelPath, '--seeds', formatSeeds(spec.seeds)];
  if (architecture === 'stylegan2' || architecture === 'stylegan3') {
    if (spec.psi !== 1) args.push('--trunc', String(spec.psi));
    if (spec.cutoff !== null) args.push('--trunc-cutoff', String(spec.cutoff));
  }
  if (architecture === 'stylegan2') {
    if (spec.noiseMode !== 'const') args.push('--noise-mode', spec.noiseMode);
    if (spec.noiseMode === 'random' && spec.noiseSeed !== 0)
      args.push('--noise-seed', String(spec.noiseSeed));
    if (spec.classIndex !== undefined) args.push('--class', String(spec.classIndex));
  }
  if (extra.grid) args.push('--grid');
  if (extra.upscale && extra.upscale !== 1) args.push('--upscale', String(extra.upscale));
  args.push('--outdir', outdir);
  return args.map(shellWord).join(' ');
}
