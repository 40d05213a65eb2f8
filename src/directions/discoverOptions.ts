import { ArgumentError } from '../core/errors.js';
import type { OptionSpec, VerbSpec } from '../core/options.js';
import type { ModelFacts } from '../latent/generate.js';
import { SEFA_INCLUDES, type SefaInclude } from './sefa.js';

/**
 * `latentlab directions <method>`: one option table and one resolver per discovery method (and `eval`),
 * shared by the CLI (flags -> partial options), the studio (JSON -> partial options) and the command a
 * user can copy (`formatCommand(spec, resolved)`). Every default is decided here.
 */

/** What the resolvers need to know of the model: its spaces' sizes (null: no W space). */
export interface DirectionModelFacts extends ModelFacts {
  zDim: number;
  wDim: number | null;
}

/** ws rows [start, end) <-> '0-3' (inclusive, as --seeds) or '4'. */
export function parseLayerRows(text: string, flag = 'layers'): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new ArgumentError(`--${flag} takes ws rows like 0-3 (inclusive), got '${text}'`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new ArgumentError(`--${flag} ${text} runs backwards`);
  return [a, b + 1];
}

export function formatLayerRows(rows: unknown): string {
  const [a, b] = rows as [number, number];
  return b - 1 === a ? `${a}` : `${a}-${b - 1}`;
}

const layersOption = (help: string): OptionSpec => ({
  key: 'layers',
  flag: 'layers',
  kind: 'custom',
  help,
  parse: (t) => parseLayerRows(t),
  format: formatLayerRows,
});

export const model = (help = 'generator bundle or checkpoint'): OptionSpec => ({
  key: 'model',
  flag: 'model',
  kind: 'string',
  help,
});
export const out = (help: string): OptionSpec => ({ key: 'out', flag: 'out', kind: 'string', help });
const sigmaSamples: OptionSpec = {
  key: 'sigmaSamples',
  flag: 'sigma-samples',
  kind: 'number',
  help: 'W samples to measure sigma (0: skip)',
  default: 10_000,
};
export const seedStart = (d: number, help = 'first seed'): OptionSpec => ({
  key: 'seedStart',
  flag: 'seed-start',
  kind: 'number',
  help,
  default: d,
});
export const trunc = (help: string): OptionSpec => ({ key: 'trunc', flag: 'trunc', kind: 'number', help, default: 1 });
export const space: OptionSpec = { key: 'space', flag: 'space', kind: 'string', help: 'w | z', default: 'w', choices: ['w', 'z'] };

// ---- checks shared by the resolvers ----

export function where(method: string): string {
  return `directions ${method}`;
}

export function intAtLeast(v: number, min: number, flag: string, w: string): number {
  if (!Number.isInteger(v) || v < min) throw new ArgumentError(`${w}: --${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function finite(v: number, flag: string, w: string): number {
  if (!Number.isFinite(v)) throw new ArgumentError(`${w}: --${flag} must be a number, got ${v}`);
  return v;
}

export function required<T>(v: T | undefined | null, flag: string, w: string, why = ''): T {
  if (v === undefined || v === null || v === '') throw new ArgumentError(`${w}: --${flag} is required${why}`);
  return v;
}

export function refuse(given: Record<string, unknown>, w: string, unless: string): void {
  for (const [flag, v] of Object.entries(given))
    if (v !== undefined && v !== null) throw new ArgumentError(`${w}: --${flag} applies ${unless}`);
}

export function styled(m: DirectionModelFacts, w: string): number {
  if (m.wDim === null)
    throw new ArgumentError(`${w}: ${m.name} is a ${m.architecture}; it needs a W space (StyleGAN2 or StyleGAN3)`);
  return m.wDim;
}

export function spaceOf(s: string | null | undefined, w: string): 'w' | 'z' {
  const v = s ?? 'w';
  if (v !== 'w' && v !== 'z') throw new ArgumentError(`${w}: --space must be w or z, got '${v}'`);
  return v;
}

// ---- ganspace ----

export interface GanspaceRunOptions {
  readonly model: string;
  readonly num: number;
  readonly seedStart: number;
  /** Components kept: min(80, dim) unless given. */
  readonly components: number;
  readonly space: 'w' | 'z';
  readonly out: string;
}

export const GANSPACE_SPEC: VerbSpec = {
  words: ['directions', 'ganspace'],
  options: [
    model(),
    { key: 'num', flag: 'num', kind: 'number', help: 'samples (seeds seed-start..)', default: 100_000 },
    seedStart(0),
    { key: 'components', flag: 'components', kind: 'number', help: 'components kept', defaultText: 'min(80, dim)' },
    space,
    out('direction file (.safetensors, .npz as GANSpace writes, .npy)'),
  ],
};

export function resolveGanspaceOptions(p: Partial<GanspaceRunOptions>, m: DirectionModelFacts): GanspaceRunOptions {
  const w = where('ganspace');
  const s = spaceOf(p.space, w);
  const dim = s === 'w' ? styled(m, w) : m.zDim;
  if (m.cDim) throw new ArgumentError(`${w}: ${m.name} is conditional; class-conditional PCA is not supported`);
  return {
    model: required(p.model, 'model', w),
    num: intAtLeast(p.num ?? 100_000, 2, 'num', w),
    seedStart: intAtLeast(p.seedStart ?? 0, 0, 'seed-start', w),
    components: Math.min(intAtLeast(p.components ?? 80, 1, 'components', w), dim),
    space: s,
    out: required(p.out, 'out', w),
  };
}

// ---- sefa ----

export interface SefaRunOptions {
  readonly model: string;
  readonly preset: 'genforce' | 'rosinality';
  readonly layers: readonly [number, number] | null;
  /** Overrides of the preset (null: the preset's). */
  readonly include: SefaInclude | null;
  readonly normalize: boolean | null;
  /** Directions kept: all wDim unless given. */
  readonly components: number;
  readonly sigmaSamples: number;
  readonly out: string;
}

export const SEFA_SPEC: VerbSpec = {
  words: ['directions', 'sefa'],
  options: [
    model(),
    {
      key: 'preset',
      flag: 'preset',
      kind: 'string',
      help: "genforce = genforce/sefa factorize_weight(layer_idx='all'): every conv + the last ToRGB, unit rows | rosinality = closed_form_factorization.py: every conv + the first ToRGB, raw rows",
      default: 'genforce',
      choices: ['genforce', 'rosinality'],
    },
    layersOption('ws rows whose layers join, inclusive, e.g. 0-3 (default all)'),
    {
      key: 'include',
      flag: 'include',
      kind: 'string',
      help: `override the preset: ${SEFA_INCLUDES.join(' | ')}`,
      choices: SEFA_INCLUDES,
    },
    {
      key: 'normalize',
      flag: 'normalize',
      kind: 'boolean',
      help: 'override the preset: unit-normalise each affine row (--no-normalize: raw)',
      defaultText: "the preset's",
    },
    { key: 'components', flag: 'components', kind: 'number', help: 'directions kept', defaultText: 'all' },
    sigmaSamples,
    out('direction file (.safetensors, .npy)'),
  ],
};

export function resolveSefaOptions(p: Partial<SefaRunOptions>, m: DirectionModelFacts): SefaRunOptions {
  const w = where('sefa');
  const wDim = styled(m, w);
  const preset = p.preset ?? 'genforce';
  if (preset !== 'genforce' && preset !== 'rosinality')
    throw new ArgumentError(`${w}: --preset must be genforce or rosinality, got '${preset}'`);
  const include = p.include ?? null;
  if (include !== null && !SEFA_INCLUDES.includes(include))
    throw new ArgumentError(`${w}: --include must be one of ${SEFA_INCLUDES.join(', ')}, got '${include}'`);
  const sigma = intAtLeast(p.sigmaSamples ?? 10_000, 0, 'sigma-samples', w);
  if (sigma === 1) throw new ArgumentError(`${w}: --sigma-samples must be 0 (skip) or at least 2`);
  return {
    model: required(p.model, 'model', w),
    preset,
    layers: p.layers ?? null,
    include,
    normalize: p.normalize ?? null,
    components: Math.min(intAtLeast(p.components ?? wDim, 1, 'components', w), wDim),
    sigmaSamples: sigma,
    out: required(p.out, 'out', w),
  };
}

// ---- jacobian ----

export interface JacobianRunOptions {
  readonly model: string;
  /** The latent: a seed, or the first row of a latent file (then seed and trunc are null). */
  readonly seed: number | null;
  readonly latent: string | null;
  readonly trunc: number | null;
  readonly layers: readonly [number, number] | null;
  readonly components: number;
  readonly iterations: number;
  readonly sigmaSamples: number;
  readonly out: string;
}

export const JACOBIAN_SPEC: VerbSpec = {
  words: ['directions', 'jacobian'],
  options: [
    model(),
    { key: 'seed', flag: 'seed', kind: 'number', help: 'seed of the latent', default: 0 },
    { key: 'latent', flag: 'latent', kind: 'string', help: 'a latent file instead of --seed (first row)' },
    trunc('truncation psi for --seed'),
    layersOption('ws rows the direction feeds, inclusive (default all)'),
    { key: 'components', flag: 'components', kind: 'number', help: 'directions', default: 8 },
    { key: 'iterations', flag: 'iterations', kind: 'number', help: 'subspace iterations at most', default: 50 },
    sigmaSamples,
    out('direction file (.safetensors, .npy)'),
  ],
};

export function resolveJacobianOptions(p: Partial<JacobianRunOptions>, m: DirectionModelFacts): JacobianRunOptions {
  const w = where('jacobian');
  const wDim = styled(m, w);
  const latent = p.latent ?? null;
  if (latent !== null) refuse({ seed: p.seed, trunc: p.trunc }, w, 'to --seed, not with --latent');
  const sigma = intAtLeast(p.sigmaSamples ?? 10_000, 0, 'sigma-samples', w);
  if (sigma === 1) throw new ArgumentError(`${w}: --sigma-samples must be 0 (skip) or at least 2`);
  const components = intAtLeast(p.components ?? 8, 1, 'components', w);
  if (components > wDim) throw new ArgumentError(`${w}: --components must be 1..${wDim}, got ${components}`);
  return {
    model: required(p.model, 'model', w),
    seed: latent === null ? intAtLeast(p.seed ?? 0, 0, 'seed', w) : null,
    latent,
    trunc: latent === null ? finite(p.trunc ?? 1, 'trunc', w) : null,
    layers: p.layers ?? null,
    components,
    iterations: intAtLeast(p.iterations ?? 50, 1, 'iterations', w),
    sigmaSamples: sigma,
    out: required(p.out, 'out', w),
  };
}

// ---- conditional ----

export interface ConditionalRunOptions {
  /** FILE or FILE#component (label or index). */
  readonly primary: string;
  /** FILE#component entries removed from the primary. */
  readonly condition: readonly string[];
  /** Generator whose samples measure sigma of the result (null: sigma unknown). */
  readonly model: string | null;
  /** With a model (null without). */
  readonly sigmaSamples: number | null;
  readonly out: string;
}

export const CONDITIONAL_SPEC: VerbSpec = {
  words: ['directions', 'conditional'],
  options: [
    { key: 'primary', flag: 'primary', kind: 'string', help: 'FILE or FILE#component (label or index)' },
    {
      key: 'condition',
      flag: 'condition',
      kind: 'custom',
      help: 'comma-separated FILE#component list',
      parse: (t) =>
        t
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      format: (v) => (v as string[]).join(','),
    },
    model('generator: measure sigma of the result from its samples'),
    { key: 'sigmaSamples', flag: 'sigma-samples', kind: 'number', help: 'samples for sigma (with --model)', default: 10_000 },
    out('direction file to write'),
  ],
};

export function resolveConditionalOptions(p: Partial<ConditionalRunOptions>): ConditionalRunOptions {
  const w = where('conditional');
  const condition = required(p.condition, 'condition', w);
  if (!condition.length || condition.some((c) => c.includes(',') || !c))
    throw new ArgumentError(`${w}: --condition needs FILE#component entries (comma-separated; no commas in paths)`);
  const modelPath = p.model ?? null;
  if (modelPath === null) refuse({ 'sigma-samples': p.sigmaSamples }, w, 'with --model');
  return {
    primary: required(p.primary, 'primary', w),
    condition: [...condition],
    model: modelPath,
    sigmaSamples: modelPath === null ? null : intAtLeast(p.sigmaSamples ?? 10_000, 2, 'sigma-samples', w),
    out: required(p.out, 'out', w),
  };
}

// ---- info ----

export interface DirectionsInfoOptions {
  readonly file: string;
  /** Space of imported formats (ours name their own). */
  readonly space: 'w' | 'z';
}

export const DIRECTIONS_INFO_SPEC: VerbSpec = {
  words: ['directions', 'info'],
  options: [
    { key: 'file', flag: 'file', kind: 'string', help: 'direction file (any supported format)', positional: true },
    { ...space, help: 'space of imported formats: w | z' },
  ],
};

export function resolveDirectionsInfoOptions(p: Partial<DirectionsInfoOptions>): DirectionsInfoOptions {
  return { file: required(p.file, 'file', 'directions info', ' (give one direction file)'), space: spaceOf(p.space, 'directions info') };
}
