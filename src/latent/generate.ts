import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { differingOptions, hashOf, type OptionSpec, type VerbSpec } from '../core/options.js';
import { Tensor } from '../core/tensor.js';
import { encodePng, makeGrid, type RgbImage, toImages, upscale, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { classLabels, makeNoise, mapZ, sampleZ, synthesize } from '../models/generate.js';
import type { NoiseMode } from '../models/stylegan2/synthesis.js';
import { inputTransform } from '../models/stylegan3/synthesis.js';
import { saveLatent } from './file.js';
import { latentFromSeeds } from './latent.js';

/** What option resolution needs to know about a model (a loaded GanModel or a manifest summary has it). */
export interface ModelFacts {
  name: string;
  architecture: string;
  /** Number of classes of a conditional model; 0 when unconditional. */
  cDim: number;
}

export const NOISE_MODES: readonly NoiseMode[] = ['const', 'random', 'none'];

/** How latents are drawn from seeds (NVIDIA's generate.py flags), shared by every verb that takes seeds. */
export interface SeedLatentOptions {
  /** Truncation psi (StyleGAN2; 1 = none). */
  readonly trunc: number;
  /** Truncate only the first N ws rows; null: all. */
  readonly truncCutoff: number | null;
  /** Class label of a conditional model (required there, refused elsewhere). */
  readonly classIndex: number | null;
  readonly noiseMode: NoiseMode;
  /** Seed of the noise maps for noise mode 'random' (0 otherwise). */
  readonly noiseSeed: number;
}

export const SEED_LATENT_OPTIONS: readonly OptionSpec[] = [
  { key: 'trunc', flag: 'trunc', kind: 'number', help: 'truncation psi', default: 1 },
  { key: 'truncCutoff', flag: 'trunc-cutoff', kind: 'number', help: 'truncate only the first N ws rows' },
  { key: 'classIndex', flag: 'class', kind: 'number', help: 'class label (required for conditional models)' },
  {
    key: 'noiseMode',
    flag: 'noise-mode',
    kind: 'string',
    help: 'const | random | none',
    default: 'const',
    choices: NOISE_MODES,
  },
  {
    key: 'noiseSeed',
    flag: 'noise-seed',
    kind: 'number',
    help: 'seed of the noise maps for --noise-mode random',
    default: 0,
  },
];

/** Seed options that change nothing: what they resolve to where no seed is drawn (a latent file carries its own). */
export const NO_SEED_OPTIONS: SeedLatentOptions = {
  trunc: 1,
  truncCutoff: null,
  classIndex: null,
  noiseMode: 'const',
  noiseSeed: 0,
};

function integerIn(v: number, lo: number, hi: number, what: string, where: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new ArgumentError(`${where}: ${what} must be an integer ${lo}..${hi}, got ${v}`);
  return v;
}

/**
 * The one rule for seed latents: DCGAN has no truncation or noise (their options are ignored); a
 * conditional model needs a class and an unconditional one refuses it.
 */
export function resolveSeedLatentOptions(
  p: Partial<SeedLatentOptions>,
  model: ModelFacts,
  where: string,
): SeedLatentOptions {
  if (model.architecture === 'dcgan') {
    if (p.classIndex !== undefined && p.classIndex !== null)
      throw new ArgumentError(`${where}: ${model.name} is unconditional; --class does not apply`);
    return { ...NO_SEED_OPTIONS };
  }
  const trunc = p.trunc ?? 1;
  if (!Number.isFinite(trunc)) throw new ArgumentError(`${where}: --trunc must be a number, got ${trunc}`);
  const truncCutoff = p.truncCutoff ?? null;
  if (truncCutoff !== null) integerIn(truncCutoff, 0, 10_000, '--trunc-cutoff', where);
  const noiseMode = p.noiseMode ?? 'const';
  if (!NOISE_MODES.includes(noiseMode))
    throw new ArgumentError(`${where}: --noise-mode must be const, random or none, got '${noiseMode}'`);
  const noiseSeed =
    noiseMode === 'random' ? integerIn(p.noiseSeed ?? 0, 0, 2 ** 32 - 1, '--noise-seed', where) : 0;
  let classIndex = p.classIndex ?? null;
  if (model.cDim > 0) {
    if (classIndex === null)
      throw new ArgumentError(`${where}: ${model.name} is conditional: pass --class 0..${model.cDim - 1}`);
    integerIn(classIndex, 0, model.cDim - 1, '--class', where);
  } else if (classIndex !== null)
    throw new ArgumentError(`${where}: ${model.name} is unconditional; --class does not apply`);
  else classIndex = null;
  return { trunc, truncCutoff, classIndex, noiseMode, noiseSeed };
}

/** `latentlab generate`, resolved: every default decided (see `resolveGenerateOptions`). */
export interface GenerateOptions extends SeedLatentOptions {
  readonly model: string;
  readonly seeds: readonly number[];
  /** Also write grid.png (the seeds row-major). */
  readonly grid: boolean;
  /** Grid columns; null: ceil(sqrt(N)). */
  readonly gridColumns: number | null;
  /** Nearest-neighbour upscaling of every PNG. */
  readonly upscale: number;
  /** Images per ONNX Runtime call. */
  readonly batch: number;
  /** Folder of the PNGs; null: write only the latent file (`saveLatent`). */
  readonly outdir: string | null;
  /** Also write the seeds as a latent file here. */
  readonly saveLatent: string | null;
  /** Re-render seeds whose PNG exists (default: skip them when the options match). */
  readonly force: boolean;
  /** StyleGAN3: translation of the input (gen_images.py --translate); [0, 0] elsewhere. */
  readonly translate: readonly [number, number];
  /** StyleGAN3: rotation of the input in degrees (gen_images.py --rotate); 0 elsewhere. */
  readonly rotate: number;
}

function parseTranslate(text: string): [number, number] {
  const parts = text.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
  if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v)))
    throw new ArgumentError(`--translate must be "x,y" (two numbers), got '${text}'`);
  return [parts[0], parts[1]];
}

export const GENERATE_SPEC: VerbSpec = {
  words: ['generate'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    {
      key: 'seeds',
      flag: 'seeds',
      kind: 'seeds',
      help: 'seeds, e.g. 0-7,42',
      default: [0, 1, 2, 3, 4, 5, 6, 7],
    },
    ...SEED_LATENT_OPTIONS,
    { key: 'grid', flag: 'grid', kind: 'boolean', help: 'also write grid.png', default: false },
    {
      key: 'gridColumns',
      flag: 'grid-columns',
      kind: 'number',
      help: 'columns of grid.png',
      defaultText: 'ceil(sqrt(N))',
    },
    {
      key: 'upscale',
      flag: 'upscale',
      kind: 'number',
      help: 'nearest-neighbour upscaling factor of the PNGs',
      default: 1,
    },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'images per ONNX Runtime call', default: 8 },
    {
      key: 'outdir',
      flag: 'outdir',
      kind: 'string',
      help: 'output folder of the PNGs (optional with --save-latent)',
    },
    {
      key: 'saveLatent',
      flag: 'save-latent',
      kind: 'string',
      help: 'write the seeds as a latent file (.latent.safetensors)',
    },
    {
      key: 'force',
      flag: 'force',
      kind: 'boolean',
      help: 're-render seeds already written (default: resume when the options match)',
      default: false,
    },
    {
      key: 'translate',
      flag: 'translate',
      kind: 'custom',
      help: 'StyleGAN3: translate the input, "x,y" (gen_images.py --translate)',
      default: [0, 0],
      parse: parseTranslate,
      format: (v) => (v as number[]).join(','),
    },
    { key: 'rotate', flag: 'rotate', kind: 'number', help: 'StyleGAN3: rotate the input by degrees (gen_images.py --rotate)', default: 0 },
  ],
};

export function resolveGenerateOptions(p: Partial<GenerateOptions>, model: ModelFacts): GenerateOptions {
  const where = 'generate';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  if (!p.outdir && !p.saveLatent)
    throw new ArgumentError(`${where}: --outdir (or --save-latent) is required`);
  const seeds = [...(p.seeds ?? [0, 1, 2, 3, 4, 5, 6, 7])];
  if (!seeds.length) throw new ArgumentError(`${where}: no seeds`);
  for (const s of seeds) integerIn(s, 0, 2 ** 32 - 1, 'a seed', where);
  const gridColumns = p.gridColumns ?? null;
  if (gridColumns !== null) integerIn(gridColumns, 1, 10_000, '--grid-columns', where);
  const translate: [number, number] = [p.translate?.[0] ?? 0, p.translate?.[1] ?? 0];
  const rotate = p.rotate ?? 0;
  if (!translate.every(Number.isFinite) || !Number.isFinite(rotate))
    throw new ArgumentError(`${where}: --translate and --rotate must be finite numbers`);
  if (model.architecture !== 'stylegan3' && (translate[0] !== 0 || translate[1] !== 0 || rotate !== 0))
    throw new ArgumentError(`${where}: --translate/--rotate need a StyleGAN3; ${model.name} is a ${model.architecture}`);
  return {
    model: p.model,
    seeds,
    ...resolveSeedLatentOptions(p, model, where),
    grid: p.grid ?? false,
    gridColumns,
    upscale: integerIn(p.upscale ?? 1, 1, 16, '--upscale', where),
    batch: integerIn(p.batch ?? 8, 1, 1024, '--batch', where),
    outdir: p.outdir ?? null,
    saveLatent: p.saveLatent ?? null,
    force: p.force ?? false,
    translate,
    rotate,
  };
}

/**
 * Images for `seeds`, drawn exactly as generate.py draws them, batch by batch: `sink` gets each batch
 * [n, C, R, R] with its seeds before the next is rendered. 'random' noise maps are drawn for the whole
 * list at once (as one synthesize call would), so a seed's image does not depend on the batch size.
 */
export async function forEachSeedBatch(
  model: GanModel,
  o: SeedLatentOptions & {
    seeds: readonly number[];
    batch: number;
    translate?: readonly [number, number];
    rotate?: number;
  },
  sink: (images: Tensor<'float32'>, seeds: readonly number[], start: number) => Promise<void> | void,
  skip: (seeds: readonly number[]) => boolean = () => false,
): Promise<void> {
  const n = o.seeds.length;
  const sg2 = model.architecture === 'stylegan2';
  const allNoise = sg2 && o.noiseMode === 'random' ? makeNoise(model, n, o.noiseSeed) : undefined;
  // StyleGAN3: gen_images.py always sets synthesis.input.transform (the identity by default).
  const transform =
    model.architecture === 'stylegan3' ? inputTransform([o.translate?.[0] ?? 0, o.translate?.[1] ?? 0], o.rotate ?? 0) : undefined;
  for (let start = 0; start < n; start += o.batch) {
    const seeds = o.seeds.slice(start, start + o.batch);
    if (skip(seeds)) continue;
    const z = sampleZ(model, seeds);
    let images: Tensor<'float32'>;
    if (!model.hasWSpace) images = await synthesize(model, z, { batchSize: o.batch });
    else {
      const c = model.cDim
        ? classLabels(
            model,
            seeds.map(() => o.classIndex!),
          )
        : undefined;
      const ws = await mapZ(model, z, { psi: o.trunc, cutoff: o.truncCutoff, c });
      const noise = allNoise && noiseRows(allNoise, start, seeds.length);
      images = await synthesize(model, ws, {
        noiseMode: o.noiseMode,
        noiseSeed: o.noiseSeed,
        noise,
        batchSize: o.batch,
        transform,
      });
    }
    await sink(images, seeds, start);
  }
}

/** Rows [start, start + count) of every noise map. */
function noiseRows(
  maps: Record<string, Tensor<'float32'>>,
  start: number,
  count: number,
): Record<string, Tensor<'float32'>> {
  const out: Record<string, Tensor<'float32'>> = {};
  for (const [name, t] of Object.entries(maps)) {
    const row = t.size / t.shape[0];
    out[name] = new Tensor(
      'float32',
      [count, ...t.shape.slice(1)],
      t.data.slice(start * row, (start + count) * row),
    );
  }
  return out;
}

/** grid.png of `generate`: the tiles row-major, `upscale` pixels apart. */
export function generateGrid(
  tiles: readonly RgbImage[],
  o: Pick<GenerateOptions, 'gridColumns' | 'upscale'>,
): RgbImage {
  return makeGrid(tiles, o.gridColumns ?? undefined, o.upscale);
}

export const seedFileName = (seed: number) => `seed${String(seed).padStart(4, '0')}.png`;
export const RUN_RECORD = 'latentlab-run.json';

/** The options an output depends on (not where it goes, not whether to redo it). */
function outputKey(o: GenerateOptions): Record<string, unknown> {
  const {
    outdir: _o,
    force: _f,
    seeds: _s,
    saveLatent: _l,
    grid: _g,
    gridColumns: _c,
    model: _m,
    ...rest
  } = o;
  return rest;
}

export interface RunRecord {
  verb: string;
  optionsHash: string;
  modelHash: string;
  options: Record<string, unknown>;
}

/**
 * Resume keyed on options: the outdir's run record must match `key` (and the model), else a resume
 * is refused naming the differing options; `force` replaces the record.
 */
export async function checkRunRecord(
  outdir: string,
  verb: string,
  spec: VerbSpec,
  key: Record<string, unknown>,
  modelHash: string,
  force: boolean,
): Promise<{ resume: boolean; write: () => Promise<void> }> {
  const path = join(outdir, RUN_RECORD);
  const record: RunRecord = { verb, optionsHash: hashOf(key), modelHash, options: key };
  const write = async () => writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
  if (force || !existsSync(path)) return { resume: false, write };
  const old = JSON.parse(await readFile(path, 'utf8')) as RunRecord;
  if (old.verb === verb && old.optionsHash === record.optionsHash && old.modelHash === modelHash)
    return { resume: true, write };
  const diff = old.modelHash !== modelHash ? ['--model (other weights)'] : [];
  diff.push(...differingOptions(spec, old.options ?? {}, key));
  throw new ArgumentError(
    `${verb}: ${outdir} holds outputs made with other options (${diff.join(', ') || old.verb}); pass --force to redo them, or choose another --outdir`,
  );
}

export interface GenerateResult {
  written: number;
  skipped: number;
  /** The upscaled images in seed order (those rendered in this run). */
  tiles: RgbImage[];
  grid: RgbImage | null;
}

/**
 * `latentlab generate`: seedNNNN.png per seed (and grid.png, a latent file). Resumable: batches whose
 * PNGs all exist are skipped when the outdir's run record matches the options; other options are refused
 * (naming them) unless `force`.
 */
export async function generate(
  model: GanModel,
  o: GenerateOptions,
  hooks: { onBatch?: (done: number, total: number) => void; checkCancelled?: () => void } = {},
): Promise<GenerateResult> {
  if (o.outdir === null) {
    await saveSeedLatent(model, o);
    return { written: 0, skipped: 0, tiles: [], grid: null };
  }
  const outdir = o.outdir;
  const run = await checkRunRecord(
    outdir,
    'generate',
    GENERATE_SPEC,
    outputKey(o),
    model.manifest.contentHash,
    o.force,
  );
  await mkdir(outdir, { recursive: true });
  await run.write();
  const exists = (s: number) => existsSync(join(outdir, seedFileName(s)));
  const tiles: RgbImage[] = [];
  let written = 0;
  let seen = 0;
  await forEachSeedBatch(
    model,
    o,
    async (images, seeds) => {
      hooks.checkCancelled?.();
      const up = toImages(images).map((im) => upscale(im, o.upscale));
      for (let i = 0; i < seeds.length; i++) await writePng(join(outdir, seedFileName(seeds[i])), up[i]);
      if (o.grid) tiles.push(...up);
      written += seeds.length;
      seen += seeds.length;
      hooks.onBatch?.(seen, o.seeds.length);
    },
    // the grid needs every tile; otherwise a batch already on disk is done
    (seeds) => {
      const skip = run.resume && !o.grid && seeds.every(exists);
      if (skip) seen += seeds.length;
      return skip;
    },
  );
  const grid = o.grid ? generateGrid(tiles, o) : null;
  if (grid) await writePng(join(outdir, 'grid.png'), grid);
  await saveSeedLatent(model, o);
  return { written, skipped: o.seeds.length - written, tiles, grid };
}

/** The seeds as a z latent file (truncation, classes and noise recorded), when `saveLatent` asks. */
async function saveSeedLatent(model: GanModel, o: GenerateOptions): Promise<void> {
  if (o.saveLatent === null) return;
  const sg2 = model.architecture === 'stylegan2';
  const latent = await latentFromSeeds(model, o.seeds, {
    psi: o.trunc,
    cutoff: o.truncCutoff,
    classes: model.cDim ? o.seeds.map(() => o.classIndex!) : undefined,
    noiseMode: sg2 ? o.noiseMode : 'none',
    noiseSeed: o.noiseMode === 'random' ? o.noiseSeed : undefined,
  });
  await saveLatent(o.saveLatent, latent);
}

/** One PNG of the seeds exactly as `generate --grid` writes grid.png (the studio's seed grid). */
export async function generateGridPng(model: GanModel, o: GenerateOptions): Promise<Buffer> {
  const tiles: RgbImage[] = [];
  await forEachSeedBatch(
    model,
    o,
    (images) => void tiles.push(...toImages(images).map((im) => upscale(im, o.upscale))),
  );
  return encodePng(generateGrid(tiles, o));
}

/** The --model of partial options, before the model is loaded (its facts resolve the rest). */
export function requireModelPath(partial: { model?: unknown }, where: string): string {
  if (typeof partial.model !== 'string' || !partial.model)
    throw new ArgumentError(`${where}: --model is required`);
  return partial.model;
}
