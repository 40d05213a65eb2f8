import { ArgumentError } from '../core/errors.js';
import type { GanModel } from '../models/ganModel.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import { type ImportLatentOptions, importLatent, materialNoise } from './importers.js';
import { concatLatents, latentFromCodes, latentFromSeeds, type Latent, type LatentSpace, toWs } from './latent.js';

/** One keyframe / operand as a person names it: a seed, or a latent file (.latent.safetensors, .npz, .npy, .pt). */
export type LatentSource = { seed: number } | { file: string };

export interface SourceOptions {
  /** Space seeds are drawn into (default z; DCGAN: always z). */
  space?: LatentSpace;
  psi?: number;
  cutoff?: number | null;
  /** Class for conditional models (every seed). */
  classIndex?: number;
  noiseMode?: NoiseMode;
  noiseSeed?: number;
  import?: ImportLatentOptions;
}

/** 'seed:3', '3' or a path -> a source. */
export function parseSource(text: string): LatentSource {
  const t = text.trim();
  const m = /^(?:seed:)?(\d+)$/.exec(t);
  if (m) return { seed: Number(m[1]) };
  if (!t) throw new ArgumentError('empty latent source');
  return { file: t };
}

/**
 * Brings latents to one batch: if they share space, truncation and noise they are stacked as they are;
 * otherwise each is converted to w+ with its noise materialised, which renders identically.
 */
export async function unifyLatents(model: GanModel, latents: readonly Latent[]): Promise<Latent> {
  if (latents.length === 0) throw new ArgumentError('no latents');
  const [first] = latents;
  const same = latents.every(
    (l) =>
      l.space === first.space &&
      l.psi === first.psi &&
      l.cutoff === first.cutoff &&
      l.noiseMode === first.noiseMode &&
      !!l.noise === !!first.noise &&
      !!l.classes === !!first.classes &&
      (l.noiseMode !== 'random' || l.noise || latents.length === 1),
  );
  if (same) return latents.length === 1 ? first : concatLatents(latents, { kind: 'codes', parts: latents.map((l) => l.provenance) });
  if (model.architecture === 'dcgan') throw new ArgumentError('DCGAN latents differ in a way that cannot be unified');
  // stored, random or differing noise modes (const beside none): every latent's maps, materialised
  const anyNoise =
    latents.some((l) => l.noise || l.noiseMode === 'random') || latents.some((l) => l.noiseMode !== first.noiseMode);
  const lifted = await Promise.all(
    latents.map(async (l) =>
      latentFromCodes(model, 'w+', await toWs(model, l), {
        classes: l.classes,
        noiseMode: anyNoise ? 'const' : l.noiseMode,
        noise: anyNoise ? materialNoise(model, l) : undefined,
        provenance: l.provenance,
      }),
    ),
  );
  return concatLatents(lifted, { kind: 'codes', parts: latents.map((l) => l.provenance) });
}

/** Latents of `sources` in order (a file may hold several rows), unified into one batch. */
export async function latentsFromSources(model: GanModel, sources: readonly LatentSource[], opts: SourceOptions = {}): Promise<Latent> {
  const parts: Latent[] = [];
  const seeds: number[] = [];
  const flushSeeds = async () => {
    if (!seeds.length) return;
    const batch = seeds.splice(0);
    if (model.cDim > 0 && opts.classIndex === undefined) throw new ArgumentError(`${model.name} is conditional: pass a class`);
    parts.push(
      await latentFromSeeds(model, batch, {
        space: model.architecture === 'dcgan' ? 'z' : opts.space,
        psi: opts.psi,
        cutoff: opts.cutoff,
        classes: model.cDim ? batch.map(() => opts.classIndex!) : undefined,
        noiseMode: opts.noiseMode,
        noiseSeed: opts.noiseSeed,
      }),
    );
  };
  for (const s of sources) {
    if ('seed' in s) {
      seeds.push(s.seed);
      continue;
    }
    await flushSeeds();
    parts.push(await importLatent(model, s.file, opts.import));
  }
  await flushSeeds();
  if (model.cDim > 0) {
    if (opts.classIndex === undefined && parts.some((p) => !p.classes)) throw new ArgumentError(`${model.name} is conditional: pass a class`);
    for (const p of parts) p.classes ??= Array.from({ length: p.codes.shape[0] }, () => opts.classIndex!);
  }
  return unifyLatents(model, parts);
}
