import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { encodePng, makeGrid, toImages, upscale, writePng } from '../formats/image.js';
import { saveLatent } from '../latent/file.js';
import {
  type ModelFacts,
  NO_SEED_OPTIONS,
  resolveSeedLatentOptions,
  SEED_LATENT_OPTIONS,
  type SeedLatentOptions,
} from '../latent/generate.js';
import {
  type Latent,
  LATENT_SPACES,
  type LatentSpace,
  latentFromSeeds,
  renderLatent,
  selectRows,
} from '../latent/latent.js';
import { loadLatent } from '../latent/file.js';
import { parseLayerRange } from '../latent/layerRanges.js';
import { noiseVariations } from '../latent/noise.js';
import type { GanModel } from '../models/ganModel.js';
import type { DirectionSet } from './direction.js';
import { edit } from './edit.js';
import { readDirections } from './files.js';

/** One move along a direction: the set's file, the direction's index, its strength (the set's units) and ws rows [from, to). */
export interface EditStep {
  readonly directions: string;
  readonly component: number;
  readonly strength: number;
  readonly layers: readonly [number, number] | null;
}

/** Fresh noise in the layers of ws rows `layers` ('fine', '0-3'), drawn from RandomState(seed). */
export interface NoiseResample {
  readonly layers: string;
  readonly seed: number;
}

/** `latentlab render`, resolved: one latent (a seed or a file row), edited, with noise resampled, as one PNG. */
export interface RenderOptions extends SeedLatentOptions {
  readonly model: string;
  readonly seed: number | null;
  readonly latent: string | null;
  /** Row of the latent file (null: every row). */
  readonly row: number | null;
  /** Space a seed is drawn into (z: mapped at render time; w / w+ mapped here). */
  readonly space: LatentSpace;
  readonly edits: readonly EditStep[];
  readonly resampleNoise: NoiseResample | null;
  readonly upscale: number;
  /** The PNG (rows of the latent left to right, at most 8 per row). */
  readonly out: string;
  readonly saveLatent: string | null;
}

/** 'FILE,COMPONENT,STRENGTH[,FROM-TO]' (rows inclusive, as --layers) <-> an edit step. Parsed from the right, so a path may hold commas. */
export function parseEditStep(text: string): EditStep {
  const parts = text.split(',');
  const rows = /^(\d+)-(\d+)$/.exec(parts[parts.length - 1]);
  const tail = rows ? 3 : 2;
  if (parts.length < tail + 1)
    throw new ArgumentError(`--edit: '${text}' should read FILE,COMPONENT,STRENGTH[,FROM-TO]`);
  const layers: [number, number] | null = rows ? [Number(rows[1]), Number(rows[2]) + 1] : null;
  const nums = parts.slice(parts.length - tail, parts.length - (rows ? 1 : 0));
  const component = Number(nums[0]);
  const strength = nums[1].trim() === '' ? Number.NaN : Number(nums[1]);
  if (!Number.isInteger(component) || component < 0)
    throw new ArgumentError(`--edit: component '${nums[0]}' in '${text}' is not a direction index`);
  if (!Number.isFinite(strength))
    throw new ArgumentError(`--edit: strength '${nums[1]}' in '${text}' is not a number`);
  if (layers && layers[1] <= layers[0])
    throw new ArgumentError(`--edit: rows ${parts[parts.length - 1]} run backwards`);
  return { directions: parts.slice(0, parts.length - tail).join(','), component, strength, layers };
}

export function formatEditStep(e: EditStep): string {
  const rows = e.layers ? `,${e.layers[0]}-${e.layers[1] - 1}` : '';
  return `${e.directions},${e.component},${e.strength}${rows}`;
}

function parseResample(text: string): NoiseResample {
  const at = text.lastIndexOf(':');
  const seed = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(seed) || seed < 0)
    throw new ArgumentError(`--resample-noise: '${text}' should read LAYERS:SEED (e.g. fine:3)`);
  return { layers: text.slice(0, at), seed };
}

export const RENDER_SPEC: VerbSpec = {
  words: ['render'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint' },
    { key: 'seed', flag: 'seed', kind: 'number', help: 'draw the latent from this seed' },
    { key: 'latent', flag: 'latent', kind: 'string', help: 'or read it from a latent file' },
    { key: 'row', flag: 'row', kind: 'number', help: 'row of the latent file (default: all)' },
    ...SEED_LATENT_OPTIONS,
    {
      key: 'space',
      flag: 'space',
      kind: 'string',
      help: 'space a seed is drawn into (z | w | w+)',
      default: 'z',
      choices: LATENT_SPACES,
    },
    {
      key: 'edits',
      flag: 'edit',
      kind: 'custom',
      repeat: true,
      help: 'move along a direction: FILE,COMPONENT,STRENGTH[,FROM-TO] (ws rows inclusive), in order',
      default: [],
      parse: parseEditStep,
      format: (v) => formatEditStep(v as EditStep),
    },
    {
      key: 'resampleNoise',
      flag: 'resample-noise',
      kind: 'custom',
      help: 'fresh noise in the layers of ws rows LAYERS, seed SEED: LAYERS:SEED (e.g. fine:3)',
      parse: parseResample,
      format: (v) => `${(v as NoiseResample).layers}:${(v as NoiseResample).seed}`,
    },
    { key: 'upscale', flag: 'upscale', kind: 'number', help: 'nearest-neighbour upscaling', default: 1 },
    { key: 'out', flag: 'out', kind: 'string', help: 'output PNG' },
    {
      key: 'saveLatent',
      flag: 'save-latent',
      kind: 'string',
      help: 'also write the latent (.latent.safetensors)',
    },
  ],
};


export function resolveRenderOptions(p: Partial<RenderOptions>, model: ModelFacts): RenderOptions {
  const where = 'render';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  if (!p.out) throw new ArgumentError(`${where}: --out is required`);
  const seed = p.seed ?? null;
  const latent = p.latent ?? null;
  if ((seed === null) === (latent === null))
    throw new ArgumentError(`${where}: give exactly one of --seed and --latent`);
  if (seed !== null && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new ArgumentError(`${where}: --seed must be an integer 0..2^32-1, got ${seed}`);
  const row = p.row ?? null;
  if (row !== null && (seed !== null || !Number.isInteger(row) || row < 0))
    throw new ArgumentError(`${where}: --row is a row index of --latent`);
  const dcgan = model.architecture === 'dcgan';
  const space = dcgan ? 'z' : (p.space ?? 'z');
  if (!LATENT_SPACES.includes(space))
    throw new ArgumentError(`${where}: --space must be z, w or w+, got '${space}'`);
  // seed-latent options describe how a seed is drawn; a file carries its own
  const given = (['trunc', 'truncCutoff', 'classIndex', 'noiseMode', 'noiseSeed'] as const).filter(
    (k) => p[k] !== undefined && p[k] !== null && p[k] !== NO_SEED_OPTIONS[k],
  );
  if (seed === null && given.length)
    throw new ArgumentError(
      `${where}: ${given.join(', ')} describe how a seed is drawn; a --latent file carries its own`,
    );
  const seedOpts = seed !== null ? resolveSeedLatentOptions(p, model, where) : NO_SEED_OPTIONS;
  const edits = (p.edits ?? []).map((e) => ({
    directions: e.directions,
    component: e.component,
    strength: e.strength,
    layers: e.layers ? ([e.layers[0], e.layers[1]] as const) : null,
  }));
  if (dcgan && edits.length)
    throw new ArgumentError(`${where}: ${model.name} is a DCGAN; edits need a StyleGAN2`);
  const resampleNoise = p.resampleNoise
    ? { layers: p.resampleNoise.layers, seed: p.resampleNoise.seed }
    : null;
  if (dcgan && resampleNoise)
    throw new ArgumentError(`${where}: ${model.name} is a DCGAN; it has no noise inputs`);
  const factor = p.upscale ?? 1;
  if (!Number.isInteger(factor) || factor < 1 || factor > 16)
    throw new ArgumentError(`${where}: --upscale must be an integer 1..16`);
  return {
    model: p.model,
    seed,
    latent,
    row,
    ...seedOpts,
    space,
    edits,
    resampleNoise,
    upscale: factor,
    out: p.out,
    saveLatent: p.saveLatent ?? null,
  };
}

export interface RenderDeps {
  /** Reads a direction file (the studio passes its cache). */
  readDirections?: (path: string) => Promise<DirectionSet>;
  /** Reads a latent file for `model` (the studio passes its workspace reader). */
  readLatent?: (path: string) => Promise<Latent>;
}

/** The latent `o` names: drawn or read, edited in order, noise resampled. */
export async function renderedLatent(
  model: GanModel,
  o: RenderOptions,
  deps: RenderDeps = {},
): Promise<Latent> {
  let latent: Latent;
  if (o.seed !== null) {
    latent = await latentFromSeeds(model, [o.seed], {
      space: o.space,
      psi: o.trunc,
      cutoff: o.truncCutoff,
      noiseMode: o.noiseMode,
      noiseSeed: o.noiseMode === 'random' ? o.noiseSeed : undefined,
      classes: model.cDim ? [o.classIndex!] : undefined,
    });
  } else {
    latent = deps.readLatent ? await deps.readLatent(o.latent!) : await loadLatent(o.latent!, model);
    if (o.row !== null) latent = selectRows(latent, [o.row]);
  }
  for (const e of o.edits) {
    const set = deps.readDirections
      ? await deps.readDirections(e.directions)
      : await readDirections(e.directions);
    if (set.model && set.model.contentHash !== model.manifest.contentHash)
      throw new ArgumentError(`render: ${e.directions} was found on ${set.model.name}, not ${model.name}`);
    latent = await edit(latent, set, e.strength, {
      component: e.component,
      layers: e.layers ? [e.layers[0], e.layers[1]] : undefined,
      model,
    });
  }
  if (o.resampleNoise) {
    const layers = parseLayerRange(model, o.resampleNoise.layers);
    latent = (await noiseVariations(model, latent, { count: 1, layers, seed: o.resampleNoise.seed })).latent;
  }
  return latent;
}

/** The PNG of a latent as `render` writes it: rows left to right, 8 per row, upscaled. */
export async function latentPng(model: GanModel, latent: Latent, factor: number): Promise<Buffer> {
  const tiles = toImages(await renderLatent(model, latent)).map((im) => upscale(im, factor));
  return encodePng(makeGrid(tiles, 8, 0));
}

/** `latentlab render`: the PNG at `out` (and the latent at `saveLatent`); returns both. */
export async function render(
  model: GanModel,
  o: RenderOptions,
  deps: RenderDeps & { write?: boolean } = {},
): Promise<{ latent: Latent; png: Buffer }> {
  const latent = await renderedLatent(model, o, deps);
  const tiles = toImages(await renderLatent(model, latent)).map((im) => upscale(im, o.upscale));
  const grid = makeGrid(tiles, 8, 0);
  if (deps.write !== false) {
    await writePng(o.out, grid);
    if (o.saveLatent !== null) await saveLatent(o.saveLatent, latent);
  }
  return { latent, png: await encodePng(grid) };
}
