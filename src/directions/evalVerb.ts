import { writeFile } from 'node:fs/promises';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { loadModel } from '../models/io/loadModel.js';
import { type AttributeEval, evaluateAttributes } from './attributeEval.js';
import type { DirectionSet } from './direction.js';
import { type DirectionModelFacts, finite, formatLayerRows, intAtLeast, parseLayerRows } from './discoverOptions.js';
import type { EditUnits } from './editCodes.js';
import { type DirectionEval, evaluateDirections } from './evaluate.js';
import { readDirections, writeDirections } from './files.js';
import { perClassInfo } from './perClass.js';

/** `latentlab directions eval`, resolved. */
export interface DirectionsEvalOptions {
  readonly model: string;
  /** With it, the class-probability matrix too (null: only the preservation table); it picks the rows of a per-class set. */
  readonly classifier: string | null;
  /** Grades the edits (preservation table and class matrix): the classifier unless given. */
  readonly judge: string;
  readonly directions: string;
  /** Labels or indices (null: all, at most 16). */
  readonly components: readonly string[] | null;
  readonly num: number;
  readonly seedStart: number;
  /** Strength of the class-probability matrix (null without a classifier). */
  readonly strength: number | null;
  /** Strengths of the preservation table. */
  readonly strengths: readonly number[];
  /** null: sigma when the file knows it, distance otherwise. */
  readonly units: EditUnits | null;
  readonly layers: readonly [number, number] | null;
  readonly trunc: number;
  /** Store the preservation figures in the direction file. */
  readonly record: boolean;
  readonly json: string | null;
}

const list = (t: string) =>
  t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const DIRECTIONS_EVAL_SPEC: VerbSpec = {
  words: ['directions', 'eval'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'generator bundle or checkpoint' },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'classifier bundle: adds the class-probability matrix (graded by --judge when given); picks the rows of per-class knobs',
    },
    {
      key: 'judge',
      flag: 'judge',
      kind: 'string',
      help: 'classifier bundle that grades the edits; best one that did not make the labels',
      defaultText: '--classifier',
    },
    { key: 'directions', flag: 'directions', kind: 'string', help: 'direction file' },
    {
      key: 'components',
      flag: 'components',
      kind: 'custom',
      help: 'labels or indices, comma-separated (default all, at most 16)',
      parse: list,
      format: (v) => (v as string[]).join(','),
    },
    { key: 'num', flag: 'num', kind: 'number', help: 'start latents (seeds seed-start..)', default: 200 },
    {
      key: 'seedStart',
      flag: 'seed-start',
      kind: 'number',
      help: 'first seed (away from the discovery seeds)',
      default: 1_000_000,
    },
    {
      key: 'strength',
      flag: 'strength',
      kind: 'number',
      help: 'edit strength S of the class matrix (slope = change from 0 to S, per unit)',
      default: 2,
    },
    {
      key: 'strengths',
      flag: 'strengths',
      kind: 'custom',
      help: 'strengths of the preservation table, comma-separated',
      default: [1, 2],
      parse: (t) =>
        list(t).map((s) => {
          const n = Number(s);
          if (!Number.isFinite(n)) throw new ArgumentError(`--strengths must be numbers, got '${t}'`);
          return n;
        }),
      format: (v) => (v as number[]).join(','),
    },
    {
      key: 'units',
      flag: 'units',
      kind: 'string',
      help: 'sigma | distance',
      defaultText: 'sigma when the file knows it',
      choices: ['sigma', 'distance'],
    },
    {
      key: 'layers',
      flag: 'layers',
      kind: 'custom',
      help: 'ws rows to edit, inclusive (default the file’s)',
      parse: (t) => parseLayerRows(t),
      format: formatLayerRows,
    },
    { key: 'trunc', flag: 'trunc', kind: 'number', help: 'truncation psi of the start latents', default: 1 },
    {
      key: 'record',
      flag: 'record',
      kind: 'boolean',
      help: 'store the preservation figures in the direction file (.safetensors) for the studio',
      default: false,
    },
    { key: 'json', flag: 'json', kind: 'string', help: 'write the full result as JSON' },
  ],
};

export function resolveDirectionsEvalOptions(p: Partial<DirectionsEvalOptions>, _m?: DirectionModelFacts): DirectionsEvalOptions {
  const w = 'directions eval';
  if (!p.model) throw new ArgumentError(`${w}: --model is required`);
  if (!p.directions) throw new ArgumentError(`${w}: --directions is required`);
  const classifier = p.classifier ?? null;
  const judge = p.judge ?? classifier;
  if (!judge) throw new ArgumentError(`${w}: give --classifier and/or --judge`);
  if (classifier === null && p.strength !== undefined && p.strength !== null)
    throw new ArgumentError(`${w}: --strength is the class matrix's; it needs --classifier`);
  const units = p.units ?? null;
  if (units !== null && units !== 'sigma' && units !== 'distance')
    throw new ArgumentError(`${w}: --units must be sigma or distance`);
  const record = p.record ?? false;
  if (record && !p.directions.endsWith('.safetensors'))
    throw new ArgumentError(`${w}: --record writes into our .safetensors direction files, not ${p.directions}`);
  const strengths = [...(p.strengths ?? [1, 2])];
  if (!strengths.length || strengths.some((s) => !Number.isFinite(s)))
    throw new ArgumentError(`${w}: --strengths must be numbers`);
  return {
    model: p.model,
    classifier,
    judge,
    directions: p.directions,
    components: p.components && p.components.length ? [...p.components] : null,
    num: intAtLeast(p.num ?? 200, 2, 'num', w),
    seedStart: intAtLeast(p.seedStart ?? 1_000_000, 0, 'seed-start', w),
    strength: classifier === null ? null : finite(p.strength ?? 2, 'strength', w),
    strengths,
    units,
    layers: p.layers ?? null,
    trunc: finite(p.trunc ?? 1, 'trunc', w),
    record,
    json: p.json ?? null,
  };
}

/** Preservation figures as stored in a direction file's provenance (`eval --record`), per label. */
export function preservationRecord(set: DirectionSet, r: AttributeEval): DirectionSet {
  const byLabel: Record<
    string,
    { strength: number; attributeChange: number | null; attributeChangeWithinClass: number | null; classKept: number; others: Record<string, number> }[]
  > = {};
  for (const row of r.rows)
    (byLabel[row.label] ??= []).push({
      strength: row.strength,
      attributeChange: row.attributeChange,
      attributeChangeWithinClass: row.attributeChangeWithinClass,
      classKept: row.classKept,
      others: row.others,
    });
  return {
    ...set,
    provenance: { ...set.provenance, preservation: { judge: r.judge, num: r.num, units: r.units, byLabel } },
  };
}

export interface DirectionsEvalResult {
  preservation: AttributeEval;
  /** The class-probability matrix (null without a classifier). */
  classes: DirectionEval | null;
}

/** `latentlab directions eval`: the preservation table, the class matrix, --record and --json. */
export async function evaluateDirectionFile(
  o: DirectionsEvalOptions,
  hooks: { model?: GanModel; judge?: Classifier; classifier?: Classifier } = {},
): Promise<DirectionsEvalResult> {
  const model = hooks.model ?? (await loadModel(o.model));
  const judge = hooks.judge ?? (await readClassifierBundle(o.judge));
  const set = await readDirections(o.directions);
  const common = {
    num: o.num,
    firstSeed: o.seedStart,
    units: o.units ?? undefined,
    components: o.components ? [...o.components] : undefined,
    layers: o.layers ? ([o.layers[0], o.layers[1]] as [number, number]) : undefined,
    psi: o.trunc,
  };
  // A per-class set picks each seed's direction by the labelling classifier's top class.
  const perClass = perClassInfo(set);
  if (perClass && o.classifier === null)
    throw new ArgumentError(`directions eval: ${o.directions} has per-class knobs: give the classifier that labelled them (${perClass.classifier}) with --classifier`);
  const classifier = o.classifier === null ? null : (hooks.classifier ?? (await readClassifierBundle(o.classifier)));
  const labeller = perClass ? classifier! : undefined;
  const preservation = await evaluateAttributes(model, judge, set, { ...common, strengths: [...o.strengths], labeller });
  if (o.record) await writeDirections(o.directions, preservationRecord(set, preservation));
  let classes: DirectionEval | null = null;
  let classifierName: string | null = null;
  if (classifier !== null) {
    // The matrix is graded like the preservation table: by the judge (the classifier when no --judge
    // is given); the classifier still picks each seed's row of a per-class set.
    classifierName = classifier.name;
    classes = await evaluateDirections(model, judge, set, { ...common, strength: o.strength!, labeller });
  }
  if (o.json)
    await writeFile(
      o.json,
      `${JSON.stringify(
        classes
          ? { directions: o.directions, model: model.name, classifier: classifierName, judge: judge.name, ...classes, preservation }
          : { directions: o.directions, model: model.name, preservation },
        null,
        2,
      )}\n`,
    );
  return { preservation, classes };
}
