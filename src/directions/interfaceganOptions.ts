import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import {
  type DirectionModelFacts,
  finite,
  intAtLeast,
  model,
  out,
  refuse,
  required,
  seedStart,
  space,
  spaceOf,
  styled,
  trunc,
  where,
} from './discoverOptions.js';
import { formatLayerRows, parseLayerRows } from './discoverOptions.js';
import { MEASURE_NAMES } from './measures.js';

// ---- interfacegan (class boundaries, attribute knobs, score files) ----

export type InterfaceganMode = 'classes' | 'attributes' | 'codes' | 'seed-scores';
export type InterfaceganMethod = 'svm' | 'ridge' | 'gradient';

export interface InterfaceganRunOptions {
  /** Which of the four inputs: classifier classes, attribute knobs, --codes with --scores, seed scores. */
  readonly mode: InterfaceganMode;
  readonly model: string | null;
  readonly classifier: string | null;
  /** classes: the classes or groups ('all'). */
  readonly attributes: string | null;
  /** attributes: the knobs (measures, logit:CLASS). */
  readonly attribute: string | null;
  /** Knobs: gradient (default) | svm | ridge; seed scores: svm (default) | ridge; null: class boundaries and --codes (SVM). */
  readonly method: InterfaceganMethod | null;
  readonly epsilon: number | null;
  /** gradient: ws rows the knob edits, 'all', or null for the library's default (the rows after the 4²–8² convs). */
  readonly layers: readonly [number, number] | 'all' | null;
  /** What the knobs keep ('class', attribute or column names, 'none'); null: nothing. */
  readonly keep: string | null;
  /** gradient: one direction per class of the labeller, each seed edited along its class's (false: one for all). */
  readonly perClass: boolean;
  readonly alpha: number | null;
  /** Sampled space; null with --codes (the file's). */
  readonly space: 'w' | 'z' | null;
  readonly num: number | null;
  readonly seedStart: number | null;
  readonly trunc: number | null;
  /** SVM: fraction kept at each end; split: training fraction (svm and ridge); null for gradient. */
  readonly ratio: number | null;
  readonly split: number | null;
  readonly svmC: number | null;
  readonly codes: string | null;
  readonly scores: string | null;
  readonly out: string;
}

export const INTERFACEGAN_SPEC: VerbSpec = {
  words: ['directions', 'interfacegan'],
  options: [
    model(),
    { key: 'classifier', flag: 'classifier', kind: 'string', help: 'classifier bundle that labels the images' },
    {
      key: 'attributes',
      flag: 'attributes',
      kind: 'string',
      help: "classes or groups: 'Trouser,Bag,shoes=Sandal+Sneaker+Ankle boot' or 'all'",
      default: 'all',
    },
    {
      key: 'attribute',
      flag: 'attribute',
      kind: 'string',
      help: `attribute knobs, comma-separated: ${MEASURE_NAMES.join(', ')}, logit:CLASS`,
    },
    {
      key: 'method',
      flag: 'method',
      kind: 'string',
      help: 'attribute knobs: gradient (mean attribute gradient through the generator, W only) | svm (InterFaceGAN: top/bottom --ratio, linear SVM) | ridge (regression on every sample)',
      defaultText: 'gradient with --attribute, svm with --scores',
      choices: ['svm', 'ridge', 'gradient'],
    },
    {
      key: 'layers',
      flag: 'layers',
      kind: 'custom',
      help: "gradient method: ws rows the knob edits, inclusive (e.g. 3-7), or 'all'",
      defaultText: 'the rows after the 4²–8² convs, which decide the garment',
      parse: (t) => (t.trim() === 'all' ? 'all' : parseLayerRows(t)),
      format: (v) => (v === 'all' ? 'all' : formatLayerRows(v)),
    },
    { key: 'epsilon', flag: 'epsilon', kind: 'number', help: 'gradient method: central-difference half-width in W units', default: 0.5 },
    {
      key: 'keep',
      flag: 'keep',
      kind: 'string',
      help: "attribute knobs: what the edit must not move — 'class' (every class boundary), attribute names, 'class,width', or 'none'; with --scores: other score columns",
      default: 'class',
      defaultText: 'class with --attribute; nothing with --scores',
    },
    {
      key: 'perClass',
      flag: 'per-class',
      kind: 'boolean',
      help: "gradient method: one direction per class of the classifier (fitted on that class's samples, keeping its probability); edit / eval move each seed along its class's",
      default: false,
    },
    { key: 'alpha', flag: 'alpha', kind: 'number', help: 'ridge penalty, relative to the mean scatter eigenvalue', default: 0.001 },
    space,
    { key: 'num', flag: 'num', kind: 'number', help: 'latents sampled (seeds seed-start..)', default: 20_000 },
    seedStart(0),
    trunc('truncation psi of the samples'),
    { key: 'ratio', flag: 'ratio', kind: 'number', help: 'SVM: fraction kept at each end of the ranking', default: 0.02 },
    { key: 'split', flag: 'split', kind: 'number', help: 'training fraction of the kept samples', default: 0.7 },
    { key: 'svmC', flag: 'svm-c', kind: 'number', help: 'SVM penalty C', default: 1 },
    { key: 'codes', flag: 'codes', kind: 'string', help: 'instead of sampling: latent codes (.npy [N, dim] or a latent file)' },
    {
      key: 'scores',
      flag: 'scores',
      kind: 'string',
      help: "with --codes: .csv / .json scores, one column per attribute; without: a 'seed' column names each row's seed of --model",
    },
    out('direction file (.safetensors, .npy, .npz)'),
  ],
};

function fraction(v: number, flag: string, w: string): number {
  if (!(v > 0 && v < 1)) throw new ArgumentError(`${w}: --${flag} must be in (0, 1), got ${v}`);
  return v;
}

export function resolveInterfaceganOptions(p: Partial<InterfaceganRunOptions>, m: DirectionModelFacts | null): InterfaceganRunOptions {
  const w = where('interfacegan');
  const codes = p.codes ?? null;
  const scores = p.scores ?? null;
  const attribute = p.attribute ?? null;
  const mode: InterfaceganMode = codes !== null ? 'codes' : attribute !== null ? 'attributes' : scores !== null ? 'seed-scores' : 'classes';
  if (codes !== null && attribute !== null) throw new ArgumentError(`${w}: --attribute samples the model; --codes brings codes`);
  if (codes !== null && scores === null) throw new ArgumentError(`${w}: --codes needs --scores`);
  if (attribute !== null && scores !== null) throw new ArgumentError(`${w}: --attribute scores sampled images; drop --scores`);
  const sampling = mode === 'classes' || mode === 'attributes';
  if (mode !== 'classes') refuse({ attributes: p.attributes }, w, "to classifier classes (without --attribute, --codes or --scores)");
  if (!sampling) refuse({ classifier: p.classifier, 'seed-start': p.seedStart, num: p.num, trunc: p.trunc }, w, 'when sampling (not with --scores)');
  if (mode === 'codes') refuse({ model: p.model, space: p.space }, w, 'without --codes (the codes file names its space)');
  const knobs = mode === 'attributes' || mode === 'seed-scores';
  if (p.method !== undefined && p.method !== null && !['svm', 'ridge', 'gradient'].includes(p.method))
    throw new ArgumentError(`${w}: --method must be svm, ridge or gradient, got '${p.method}'`);
  if (!knobs && p.method !== undefined && p.method !== null && p.method !== 'svm')
    throw new ArgumentError(`${w}: --method ${p.method} applies to attribute knobs (--attribute or --scores)`);
  const chosen: InterfaceganMethod | null = knobs ? (p.method ?? (mode === 'attributes' ? 'gradient' : 'svm')) : null;
  const method: InterfaceganMethod = chosen ?? 'svm';
  if (mode === 'seed-scores' && method === 'gradient')
    throw new ArgumentError(`${w}: --method gradient measures attributes on images; with --scores use svm or ridge`);
  if (method !== 'gradient') refuse({ epsilon: p.epsilon, layers: p.layers }, w, 'to --method gradient');
  if (method !== 'ridge') refuse({ alpha: p.alpha }, w, 'to --method ridge');
  if (method !== 'svm') refuse({ ratio: p.ratio, 'svm-c': p.svmC }, w, 'to --method svm');
  if (method === 'gradient') refuse({ split: p.split, trunc: p.trunc }, w, 'to --method svm and ridge');
  if (!knobs) refuse({ keep: p.keep }, w, 'to attribute knobs (--attribute or --scores)');
  let keep: string | null = null;
  if (mode === 'attributes') keep = p.keep ?? 'class';
  if (mode === 'seed-scores') {
    const names = (p.keep ?? '').split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
    if (names.includes('class'))
      throw new ArgumentError(`${w}: --keep class needs --attribute (the classifier labels the samples); with --scores keep other score columns`);
    keep = names.length ? names.join(',') : null;
  }
  const perClass = p.perClass ?? false;
  if (perClass && !(mode === 'attributes' && method === 'gradient')) throw new ArgumentError(`${w}: --per-class applies to --attribute with --method gradient`);
  if (perClass && keep !== null && !['class', 'none'].includes(keep))
    throw new ArgumentError(`${w}: --per-class keeps the garment's class (--keep class) or nothing (--keep none), got --keep ${keep}`);
  const s = mode === 'codes' ? null : spaceOf(p.space, w);
  if (m && s === 'w') styled(m, w);
  if (method === 'gradient' && s !== 'w') throw new ArgumentError(`${w}: --method gradient works in W`);
  return {
    mode,
    model: mode === 'codes' ? null : required(p.model, 'model', w),
    classifier: sampling ? required(p.classifier, 'classifier', w, ' (it labels the samples)') : null,
    attributes: mode === 'classes' ? (p.attributes ?? 'all') : null,
    attribute,
    method: chosen,
    epsilon: method === 'gradient' ? finite(p.epsilon ?? 0.5, 'epsilon', w) : null,
    layers: method === 'gradient' ? (p.layers ?? null) : null,
    keep,
    perClass,
    alpha: method === 'ridge' ? finite(p.alpha ?? 0.001, 'alpha', w) : null,
    space: s,
    num: sampling ? intAtLeast(p.num ?? 20_000, 100, 'num', w) : null,
    seedStart: sampling ? intAtLeast(p.seedStart ?? 0, 0, 'seed-start', w) : null,
    trunc: sampling && method !== 'gradient' ? finite(p.trunc ?? 1, 'trunc', w) : null,
    ratio: method === 'svm' ? fraction(p.ratio ?? 0.02, 'ratio', w) : null,
    split: method === 'gradient' ? null : fraction(p.split ?? 0.7, 'split', w),
    svmC: method === 'svm' ? finite(p.svmC ?? 1, 'svm-c', w) : null,
    codes,
    scores,
    out: required(p.out, 'out', w),
  };
}
