import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { Tensor } from '../core/tensor.js';
import { writeGif } from '../formats/gif.js';
import { makeGrid, type RgbImage, toImages, upscale, writePng } from '../formats/image.js';
import { project } from '../inversion/projector.js';
import { readTarget } from '../inversion/target.js';
import { loadLatent, saveLatent } from '../latent/file.js';
import {
  type ModelFacts,
  NO_SEED_OPTIONS,
  resolveSeedLatentOptions,
  SEED_LATENT_OPTIONS,
  type SeedLatentOptions,
} from '../latent/generate.js';
import { concatLatents, type Latent, latentFromSeeds, renderLatent } from '../latent/latent.js';
import { integerIn, numberListOption, parseNumberList } from '../latent/walkOptions.js';
import type { GanModel } from '../models/ganModel.js';
import { directionIndex, type DirectionSet } from './direction.js';
import { edit } from './edit.js';
import type { EditUnits } from './editCodes.js';
import { readDirections } from './files.js';
import { classesOf, editByClass, perClassInfo } from './perClass.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';

/** `latentlab edit`, resolved (see `resolveEditOptions`): a strength sweep along directions. */
export interface EditSweepOptions extends SeedLatentOptions {
  readonly model: string;
  readonly directions: string;
  /** Directions of the file to sweep: labels or indices. */
  readonly components: readonly string[];
  /** Start latents: exactly one of seeds, a latent file, images to project. */
  readonly seeds: readonly number[] | null;
  readonly latent: string | null;
  readonly project: readonly string[] | null;
  /** Projection steps for `project` (Adam in W with noise, NVIDIA's projector). */
  readonly projectSteps: number;
  readonly strengths: readonly number[];
  /** null: sigma when the file knows it, else distance. */
  readonly units: EditUnits | null;
  /** ws rows [start, end) to edit; null: the file's range, else all. */
  readonly layers: readonly [number, number] | null;
  /** Space of imported direction files (.npy etc. carry none). */
  readonly space: 'w' | 'z';
  readonly upscale: number;
  readonly gif: boolean;
  /** GIF milliseconds per frame. */
  readonly delay: number;
  /** Also write the edited latents (<label>.latent.safetensors). */
  readonly saveLatents: boolean;
  /** Per-class knob files: the classifier that labelled them; its top class picks each latent's row. */
  readonly classifier: string | null;
  readonly outdir: string;
}

const list = (t: string) =>
  t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parseRows(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new ArgumentError(`edit: --layers takes ws rows like 0-3 (inclusive), got '${text}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new ArgumentError(`edit: --layers ${text} runs backwards`);
  return [a, b + 1];
}

const STRENGTHS = parseNumberList('-3:3:7', 'strengths');
const UNITS: readonly EditUnits[] = ['sigma', 'distance'];

export const EDIT_SPEC: VerbSpec = {
  words: ['edit'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'generator bundle or checkpoint' },
    {
      key: 'directions',
      flag: 'directions',
      kind: 'string',
      help: 'direction file (.safetensors, InterFaceGAN .npy, GANSpace .npz, factor.pt, e4e .pt)',
    },
    {
      key: 'components',
      flag: 'component',
      kind: 'custom',
      help: 'directions of the file to sweep: labels or indices, comma-separated',
      default: ['0'],
      parse: list,
      format: (v) => (v as string[]).join(','),
    },
    { key: 'seeds', flag: 'seeds', kind: 'seeds', help: 'start latents by seed, e.g. 0-7' },
    {
      key: 'latent',
      flag: 'latent',
      kind: 'string',
      help: 'start latents from a latent file (seeds, projections, encoders)',
    },
    {
      key: 'project',
      flag: 'project',
      kind: 'custom',
      help: 'start latents by projecting images (comma-separated paths) into W',
      parse: list,
      format: (v) => (v as string[]).join(','),
    },
    {
      key: 'projectSteps',
      flag: 'project-steps',
      kind: 'number',
      help: 'projection steps for --project (NVIDIA: 1000)',
      default: 500,
    },
    ...SEED_LATENT_OPTIONS,
    numberListOption('strengths', 'strengths', 'strengths (default -3:3:7)', STRENGTHS),
    {
      key: 'units',
      flag: 'units',
      kind: 'string',
      help: 'sigma | distance',
      defaultText: 'sigma when the file knows it',
      choices: UNITS,
    },
    {
      key: 'layers',
      flag: 'layers',
      kind: 'custom',
      help: 'ws rows to edit, inclusive, e.g. 0-3 (default the file’s, else all)',
      parse: parseRows,
      format: (v) => `${(v as number[])[0]}-${(v as number[])[1] - 1}`,
    },
    {
      key: 'space',
      flag: 'space',
      kind: 'string',
      help: 'space of imported direction files: w | z',
      default: 'w',
      choices: ['w', 'z'],
    },
    {
      key: 'upscale',
      flag: 'upscale',
      kind: 'number',
      help: 'nearest-neighbour upscaling of the images',
      default: 4,
    },
    {
      key: 'gif',
      flag: 'gif',
      kind: 'boolean',
      help: 'also write an animated GIF per direction (strength there and back)',
      default: false,
    },
    { key: 'delay', flag: 'delay', kind: 'number', help: 'GIF milliseconds per frame', default: 150 },
    {
      key: 'saveLatents',
      flag: 'save-latents',
      kind: 'boolean',
      help: 'also write the edited latents (<label>.latent.safetensors)',
      default: false,
    },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'per-class knobs (interfacegan --per-class): the classifier that labelled them; each latent moves along its class’s direction',
    },
    { key: 'outdir', flag: 'outdir', kind: 'string', help: 'output folder' },
  ],
};

export function resolveEditOptions(p: Partial<EditSweepOptions>, model: ModelFacts): EditSweepOptions {
  const where = 'edit';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  if (!p.directions) throw new ArgumentError(`${where}: --directions is required`);
  if (!p.outdir) throw new ArgumentError(`${where}: --outdir is required`);
  const seeds = p.seeds ? [...p.seeds] : null;
  const latent = p.latent ?? null;
  const images = p.project ? [...p.project] : null;
  if ([seeds, latent, images].filter((x) => x !== null).length !== 1)
    throw new ArgumentError(`${where}: give exactly one of --seeds, --latent and --project`);
  if (images && (!images.length || images.some((f) => f.includes(','))))
    throw new ArgumentError(`${where}: --project takes image paths without commas`);
  const components = [...(p.components ?? ['0'])];
  if (!components.length || components.some((c) => c.includes(',') || c !== c.trim() || !c))
    throw new ArgumentError(`${where}: --component takes labels or indices, comma-separated`);
  const strengths = [...(p.strengths ?? STRENGTHS)];
  if (!strengths.length || strengths.some((s) => !Number.isFinite(s)))
    throw new ArgumentError(`${where}: --strengths needs finite values`);
  const units = p.units ?? null;
  if (units !== null && !UNITS.includes(units))
    throw new ArgumentError(`${where}: --units must be sigma or distance, got '${units}'`);
  const space = p.space ?? 'w';
  if (space !== 'w' && space !== 'z')
    throw new ArgumentError(`${where}: --space must be w or z, got '${space}'`);
  const layers = p.layers ? ([p.layers[0], p.layers[1]] as const) : null;
  if (
    layers &&
    !(Number.isInteger(layers[0]) && Number.isInteger(layers[1]) && layers[0] >= 0 && layers[1] > layers[0])
  )
    throw new ArgumentError(`${where}: --layers must be ws rows FROM-TO with FROM <= TO`);
  // seed options describe how seeds are drawn; the other starts carry their own
  const seedOpts: SeedLatentOptions =
    seeds !== null ? resolveSeedLatentOptions(p, model, where) : NO_SEED_OPTIONS;
  if (seeds) for (const s of seeds) integerIn(s, 0, 2 ** 32 - 1, 'seeds', where);
  return {
    model: p.model,
    directions: p.directions,
    components,
    seeds,
    latent,
    project: images,
    projectSteps: integerIn(p.projectSteps ?? 500, 1, 100_000, 'project-steps', where),
    ...seedOpts,
    strengths,
    units,
    layers,
    space,
    upscale: integerIn(p.upscale ?? 4, 1, 16, 'upscale', where),
    gif: p.gif ?? false,
    delay: integerIn(p.delay ?? 150, 10, 100_000, 'delay', where),
    saveLatents: p.saveLatents ?? false,
    classifier: p.classifier ?? null,
    outdir: p.outdir,
  };
}

export const safeLabel = (label: string) => label.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** The latents a sweep starts from: seeds (into z for Z directions and DCGANs, else w), a file, or projections. */
async function startLatents(
  model: GanModel,
  set: DirectionSet,
  o: EditSweepOptions,
  log: (line: string) => void,
): Promise<Latent> {
  if (o.project) {
    const targets = await Promise.all(o.project.map((f) => readTarget(f, model)));
    const size = targets[0].size;
    const batch = Tensor.float32([targets.length, ...targets[0].shape.slice(1)]);
    targets.forEach((t, i) => batch.data.set(t.data, i * size));
    const r = await project(model, batch, {
      space: model.architecture === 'dcgan' ? 'z' : 'w',
      numSteps: o.projectSteps,
    });
    log(
      `projected ${o.project.length} image(s) in ${o.projectSteps} steps, final loss ${r.loss.map((l) => l.toFixed(4)).join(', ')}`,
    );
    return r.latent;
  }
  if (o.latent !== null) return loadLatent(o.latent, model);
  return latentFromSeeds(model, o.seeds!, {
    space: model.architecture === 'dcgan' || set.space === 'z' ? 'z' : 'w',
    psi: o.trunc,
    cutoff: o.truncCutoff,
    classes: model.cDim ? o.seeds!.map(() => o.classIndex!) : undefined,
    noiseMode: o.noiseMode,
    noiseSeed: o.noiseMode === 'random' ? o.noiseSeed : undefined,
  });
}

export interface EditSweep {
  label: string;
  /** <label>.png: rows = latents, columns = strengths. */
  figure: RgbImage;
  /** The edited latents, strength-major. */
  latent: Latent;
}

/**
 * `latentlab edit`: for each component, every start latent at every strength: <label>.png, and when asked
 * <label>.gif (strength there and back) and <label>.latent.safetensors.
 */
export async function editVerb(
  model: GanModel,
  o: EditSweepOptions,
  hooks: {
    log?: (line: string) => void;
    write?: boolean;
    /** Renders the frames [strength][sample] elsewhere (e.g. on the worker queue) instead of here. */
    renderStrips?: (edited: readonly Latent[], label: string) => Promise<RgbImage[][]>;
  } = {},
): Promise<EditSweep[]> {
  const log = hooks.log ?? (() => {});
  const set = await readDirections(o.directions, { space: o.space });
  const start = await startLatents(model, set, o, log);
  const n = start.codes.shape[0];
  const out: EditSweep[] = [];
  // A per-class file's knob names (not its 'KNOB@CLASS' rows) move each latent along its class's row.
  const perClass = perClassInfo(set);
  const knobs = o.components.map((name) => (perClass?.knobs.includes(name) ? name : null));
  let classes: Int32Array | null = null;
  if (perClass && knobs.some((k) => k !== null)) {
    if (o.classifier === null)
      throw new ArgumentError(`edit: ${o.directions} has per-class knobs: give the classifier that labelled them (${perClass.classifier}) with --classifier, or pick a row (${set.labels[0]}, ...)`);
    const labeller = await readClassifierBundle(o.classifier);
    if (labeller.name !== perClass.classifier) throw new ArgumentError(`edit: the per-class knobs were labelled by '${perClass.classifier}', not by '${labeller.name}'`);
    classes = await classesOf(model, labeller, start);
    log(`per-class knobs: ${n} latents by class (${perClass.classNames.map((name, k) => `${name} ${classes!.filter((c) => c === k).length}`).filter((t) => !t.endsWith(' 0')).join(', ')})`);
  }
  for (const [ci, name] of o.components.entries()) {
    const knob = knobs[ci];
    const c = knob === null ? directionIndex(set, name) : -1;
    const label = knob ?? set.labels[c];
    const edited: Latent[] = [];
    const frames: RgbImage[][] = []; // [strength][sample]
    for (const s of o.strengths) {
      const layers = o.layers ? ([o.layers[0], o.layers[1]] as [number, number]) : undefined;
      const l =
        knob !== null
          ? await editByClass(start, set, knob, s, classes!, { model, units: o.units ?? undefined, layers })
          : await edit(start, set, s, { component: c, units: o.units ?? undefined, layers, model });
      edited.push(l);
      if (!hooks.renderStrips)
        frames.push(toImages(await renderLatent(model, l)).map((im) => upscale(im, o.upscale)));
    }
    if (hooks.renderStrips)
      for (const row of await hooks.renderStrips(edited, label))
        frames.push(row.map((im) => upscale(im, o.upscale)));
    const used = edited[0].provenance;
    const cells: RgbImage[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < o.strengths.length; j++) cells.push(frames[j][i]);
    const figure = makeGrid(cells, o.strengths.length, o.upscale);
    const latent = concatLatents(edited, { kind: 'edit', direction: label, strengths: [...o.strengths] });
    out.push({ label, figure, latent });
    if (hooks.write === false) continue;
    const base = join(o.outdir, safeLabel(label));
    await writePng(`${base}.png`, figure);
    const rows = used.layers
      ? `ws rows ${(used.layers as number[])[0]}-${(used.layers as number[])[1] - 1}`
      : set.space === 'z'
        ? 'in z'
        : set.space === 's'
          ? 'style offsets in S'
          : 'every ws row';
    log(
      `${label}: ${n} latents x strengths ${o.strengths.map((s) => +s.toFixed(3)).join(', ')} (${String(used.units)}, 1 unit = ${used.scale === undefined ? 'each class row’s own' : Number(used.scale).toFixed(4)}; ${rows}) -> ${base}.png`,
    );
    if (o.gif) {
      const order = [...o.strengths.keys(), ...[...o.strengths.keys()].reverse().slice(1, -1)];
      await writeGif(
        `${base}.gif`,
        order.map((j) => makeGrid(frames[j], Math.min(n, 8), o.upscale)),
        { delayMs: o.delay },
      );
      log(`  ${base}.gif`);
    }
    if (o.saveLatents) {
      await saveLatent(`${base}.latent.safetensors`, latent);
      log(`  ${base}.latent.safetensors (${o.strengths.length} x ${n} rows, strength-major)`);
    }
  }
  return out;
}
