import {
  type AttributeEval,
  type AttributeMethod,
  type AttributeSpec,
  ArgumentError,
  attributeDirections,
  type DirectionSet,
  discoverAttributeDirections,
  gradientDirections,
  latentFromSeeds,
  loadModel,
  MEASURE_NAMES,
  parseAttributeSpecs,
  readClassifierBundle,
  readScores,
  type ScoreTable,
} from '../../index.js';
import type { ParsedFlags } from '../args.js';
import { integer, layerRange, number, optionalString, requireString } from '../subcommand.js';

/** Flags of `directions interfacegan` for attribute knobs (added to its class-boundary flags). */
export const ATTRIBUTE_FLAGS = [
  { name: 'attribute', type: 'string', help: `attribute knobs, comma-separated: ${MEASURE_NAMES.join(', ')}, logit:CLASS` },
  {
    name: 'method',
    type: 'string',
    help: 'attribute knobs: gradient (default with --attribute: mean attribute gradient through the generator, W only) | svm (InterFaceGAN: top/bottom --ratio, linear SVM; default with --scores) | ridge (regression on every sample)',
  },
  {
    name: 'layers',
    type: 'string',
    help: "gradient method: ws rows the knob edits, inclusive (e.g. 3-7), or 'all' (default: the rows after the 4²–8² convs, which decide the garment)",
  },
  { name: 'epsilon', type: 'number', help: 'gradient method: central-difference half-width in W units', default: 0.5 },
  {
    name: 'keep',
    type: 'string',
    help: "attribute knobs: what the edit must not move — 'class' (every class boundary; default with a classifier), attribute names, 'class,width', or 'none'",
  },
  { name: 'alpha', type: 'number', help: 'ridge penalty, relative to the mean scatter eigenvalue', default: 0.001 },
] as const;

/** 'class,width' → keep classes + the width attribute; 'none' → nothing. */
function parseKeep(text: string, labelNames: readonly string[]): { classes: boolean; attributes: AttributeSpec[] } {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'none') return { classes: false, attributes: [] };
  const rest = parts.filter((p) => p !== 'class');
  return { classes: parts.includes('class'), attributes: rest.length ? parseAttributeSpecs(rest.join(','), labelNames) : [] };
}

function methodOf(flags: ParsedFlags, where: string, fallback: AttributeMethod | 'gradient'): AttributeMethod | 'gradient' {
  const m = String(flags.method ?? fallback);
  if (m !== 'svm' && m !== 'ridge' && m !== 'gradient') throw new ArgumentError(`${where}: --method must be svm, ridge or gradient, got '${m}'`);
  return m;
}

/** Rows of a score table as latents: a `seed` column names the seed of each row. */
async function seedCodes(table: ScoreTable, modelPath: string, space: 'w' | 'z', where: string) {
  const col = table.names.indexOf('seed');
  if (col < 0) throw new ArgumentError(`${where}: --scores without --codes needs a 'seed' column (or give --codes with one row per score)`);
  const seeds = Array.from(table.columns[col]);
  seeds.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0) throw new ArgumentError(`${where}: row ${i + 1} of the 'seed' column is ${s}, not a seed`);
  });
  const model = await loadModel(modelPath);
  const latent = await latentFromSeeds(model, seeds, { space });
  return { codes: latent.codes, model: { name: model.name, contentHash: model.manifest.contentHash } };
}

/** Attribute knobs from a score file whose rows are seeds of --model (column 'seed'). */
export async function attributesFromSeedScores(flags: ParsedFlags, out: (line: string) => void, where: string): Promise<DirectionSet> {
  const file = requireString(flags, 'scores', where);
  const table = await readScores(file);
  const space = String(flags.space) === 'z' ? 'z' : 'w';
  const { codes, model } = await seedCodes(table, requireString(flags, 'model', where), space, where);
  const columns = table.names.map((name, a) => ({ spec: { name }, scores: table.columns[a] })).filter((c) => c.spec.name !== 'seed');
  const keepNames = optionalString(flags, 'keep')?.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none') ?? [];
  if (keepNames.includes('class')) throw new ArgumentError(`${where}: --keep class needs --attribute (the classifier labels the samples); with --scores keep other score columns`);
  const keep = keepNames.map((n) => {
    const c = columns.find((x) => x.spec.name === n);
    if (!c) throw new ArgumentError(`${where}: --keep ${n}: no such column in ${file} (${table.names.join(', ')})`);
    return c;
  });
  const method = methodOf(flags, where, 'svm');
  if (method === 'gradient') throw new ArgumentError(`${where}: --method gradient measures attributes on images; with --scores use svm or ridge`);
  out(`attribute knobs from ${file}: ${columns.length} score column(s) over ${table.rows} seeds, ${space.toUpperCase()} space`);
  return attributeDirections(codes, columns, { classes: null, attributes: keep }, {
    method,
    ratio: number(flags, 'ratio', 0.02, where),
    split: number(flags, 'split', 0.7, where),
    svmC: number(flags, 'svm-c', 1, where),
    alpha: number(flags, 'alpha', 0.001, where),
    space,
    model,
    source: { scores: file, samples: table.rows },
  });
}

/** Attribute knobs labelled on sampled images: measures and logits, conditioned by --keep. */
export async function attributesFromSamples(flags: ParsedFlags, out: (line: string) => void, where: string): Promise<DirectionSet> {
  const model = await loadModel(requireString(flags, 'model', where));
  const classifier = await readClassifierBundle(requireString(flags, 'classifier', where));
  const specs = parseAttributeSpecs(requireString(flags, 'attribute', where), classifier.labelNames);
  const keep = parseKeep(optionalString(flags, 'keep') ?? 'class', classifier.labelNames);
  const space = String(flags.space);
  if (space !== 'w' && space !== 'z') throw new ArgumentError(`${where}: --space must be w or z, got '${space}'`);
  const num = integer(flags, 'num', 20000, where, 100);
  const method = methodOf(flags, where, 'gradient');
  const kept = [...(keep.classes ? ['every class (within-class fit)'] : []), ...keep.attributes.map((a) => a.name)];
  out(`attribute knobs: ${num} ${space.toUpperCase()} samples of ${model.name}, ${specs.map((s) => s.name).join(', ')} by ${method}; keeping ${kept.join(', ') || 'nothing'}`);
  const t0 = performance.now();
  let last = 0;
  const onProgress = (done: number, total: number) => {
    if (done === total || performance.now() - last > 10_000) {
      last = performance.now();
      out(`  scored ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  if (method === 'gradient') {
    if (space !== 'w') throw new ArgumentError(`${where}: --method gradient works in W`);
    return gradientDirections(model, classifier, specs, {
      num,
      firstSeed: integer(flags, 'seed-start', 0, where),
      epsilon: number(flags, 'epsilon', 0.5, where),
      // undefined: knobRows' default (the rows after the coarse styles); 'all': every row.
      layers: flags.layers === 'all' ? null : layerRange(flags, where),
      keepClasses: keep.classes,
      keepAttributes: keep.attributes,
      onProgress,
    });
  }
  return discoverAttributeDirections(model, classifier, specs, {
    num,
    space,
    method,
    firstSeed: integer(flags, 'seed-start', 0, where),
    psi: number(flags, 'trunc', 1, where),
    ratio: number(flags, 'ratio', 0.02, where),
    split: number(flags, 'split', 0.7, where),
    svmC: number(flags, 'svm-c', 1, where),
    alpha: number(flags, 'alpha', 0.001, where),
    keepClasses: keep.classes,
    keepAttributes: keep.attributes,
    onProgress,
  });
}

/** One line per attribute direction: fit quality, what it keeps, sigma. */
export function reportAttributes(set: DirectionSet, out: (line: string) => void): void {
  const attrs = set.provenance.attributes as Record<string, unknown>[];
  attrs.forEach((a, i) => {
    const q =
      a.method === 'ridge'
        ? `val R² ${Number(a.valR2).toFixed(3)}`
        : a.method === 'gradient'
          ? `slope ${Number(a.slope).toPrecision(3)} per W unit`
          : `val acc ${(100 * Number(a.valAccuracy)).toFixed(1)} %`;
    const kept = (a.kept as string[]).length;
    out(
      `${String(a.name).padEnd(16)} ${q}  sigma ${set.sigma[i]?.toFixed(4)}  kept ${kept} direction(s), cos to unconditioned ${Number(a.cosineToUnconditioned).toFixed(3)}`,
    );
  });
}

/** The preservation table of `directions eval`. */
export function printAttributeEval(r: AttributeEval, out: (line: string) => void): void {
  out(`what each edit changes and keeps, graded by ${r.judge} on ${r.num} seeds (units: ${r.units}; changes in std over those seeds)`);
  const others = MEASURE_NAMES.map((m) => m.slice(0, 8).padStart(9)).join('');
  out(`${'direction'.padEnd(16)}${'S'.padStart(5)}${'own'.padStart(8)}${'class kept'.padStart(12)}${others}`);
  for (const row of r.rows) {
    const cells = MEASURE_NAMES.map((m) => (m in row.others ? row.others[m].toFixed(2) : '(own)').padStart(9)).join('');
    const own = row.attributeChange === null ? '-' : row.attributeChange.toFixed(2);
    out(`${row.label.slice(0, 15).padEnd(16)}${String(row.strength).padStart(5)}${own.padStart(8)}${`${(100 * row.classKept).toFixed(1)} %`.padStart(12)}${cells}`);
  }
}

/** Preservation figures as stored in a direction file's provenance (`eval --record`), per label. */
export function preservationRecord(set: DirectionSet, r: AttributeEval): DirectionSet {
  const byLabel: Record<string, { strength: number; attributeChange: number | null; classKept: number; others: Record<string, number> }[]> = {};
  for (const row of r.rows) (byLabel[row.label] ??= []).push({ strength: row.strength, attributeChange: row.attributeChange, classKept: row.classKept, others: row.others });
  return {
    ...set,
    provenance: { ...set.provenance, preservation: { judge: r.judge, num: r.num, units: r.units, byLabel } },
  };
}
