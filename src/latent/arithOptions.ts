import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import { type RgbImage, writePng } from '../formats/image.js';
import type { GanModel } from '../models/ganModel.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import { expressionNames, latentExpression } from './arithmetic.js';
import { applyAttribute, attributeVector, type ClassMeans, classMeans } from './attributes.js';
import { saveLatent } from './file.js';
import { imagesOf, labelledGrid, type Progress, renderFrames } from './figure.js';
import type { ModelFacts } from './generate.js';
import type { Latent } from './latent.js';
import { parseLayerRange } from './layerRanges.js';
import { type LatentSource, parseSource, unifyLatents } from './sources.js';
import {
  formatSources,
  integerIn,
  numberListOption,
  OUTPUT_OPTIONS,
  parseNumberList,
  resolveWalkOutput,
  resolveWalkSources,
  rowLabels,
  seedListOption,
  sourceOptions,
  sourcesOption,
  type WalkOutputOptions,
  type WalkSourceOptions,
  walkLatents,
  copySources,
  seedSources,
} from './walkOptions.js';

/** One operand of an expression: NAME=SOURCE. */
export interface ArithBinding {
  readonly name: string;
  readonly source: LatentSource;
}

/** `latentlab arith`, resolved (see `resolveArithOptions`): an expression, or an attribute vector applied. */
export interface ArithOptions extends WalkSourceOptions, WalkOutputOptions {
  readonly model: string;
  /** Expression over the bindings (+ - * / ( )); null: attribute mode (`to` / `from`). */
  readonly expr: string | null;
  readonly bindings: readonly ArithBinding[];
  /** Attribute mode: class to move towards / away from (classifier label or index). */
  readonly to: string | null;
  readonly from: string | null;
  /** Attribute mode: latents to edit (these seeds, then `keys`). */
  readonly seeds: readonly number[];
  readonly keys: readonly LatentSource[];
  readonly strengths: readonly number[];
  /** Attribute mode: apply only on these ws rows; null: all. */
  readonly layers: string | null;
  readonly classifier: string;
  /** Samples drawn for the class means. */
  readonly samples: number;
  readonly minConfidence: number;
}

function parseBinding(text: string): ArithBinding {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(text);
  if (!m) throw new ArgumentError(`arith: '${text}' is not a binding NAME=SOURCE`);
  return { name: m[1], source: parseSource(m[2]) };
}

const SEEDS = [0, 1, 2, 3];
const STRENGTHS = parseNumberList('0:2:5', 'strengths');

export const ARITH_SPEC: VerbSpec = {
  words: ['arith'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    {
      key: 'expr',
      flag: 'expr',
      kind: 'string',
      help: 'expression over NAME=SOURCE bindings (sources: seeds or latent files): + - * / ( )',
    },
    {
      key: 'bindings',
      flag: 'bindings',
      kind: 'custom',
      positional: true,
      repeat: true,
      help: 'NAME=SOURCE operands of --expr (a=1 b=seed:2 c=latent.npz)',
      default: [],
      parse: parseBinding,
      format: (v) => `${(v as ArithBinding).name}=${formatSources([(v as ArithBinding).source])}`,
    },
    {
      key: 'to',
      flag: 'to',
      kind: 'string',
      help: 'attribute mode: class to move towards (classifier label name or index)',
    },
    { key: 'from', flag: 'from', kind: 'string', help: 'attribute mode: class to move away from' },
    seedListOption('seeds', 'seeds', 'attribute mode: latents to edit', SEEDS),
    sourcesOption('keys', 'keys', 'attribute mode: more latents'),
    numberListOption('strengths', 'strengths', 'attribute mode: strengths (default 0:2:5)', STRENGTHS),
    {
      key: 'layers',
      flag: 'layers',
      kind: 'string',
      help: 'attribute mode: apply only on these ws rows (coarse | 0-3 ...)',
    },
    {
      key: 'classifier',
      flag: 'classifier',
      kind: 'string',
      help: 'classifier bundle that labels samples for class means',
      default: 'models/fmnist-classifier',
    },
    {
      key: 'samples',
      flag: 'samples',
      kind: 'number',
      help: 'samples drawn for the class means',
      default: 2000,
    },
    {
      key: 'minConfidence',
      flag: 'min-confidence',
      kind: 'number',
      help: 'leave out samples the classifier is less sure of',
      default: 0.8,
    },
    // arithmetic is most linear in W
    ...sourceOptions('w'),
    ...OUTPUT_OPTIONS,
  ],
};

export function resolveArithOptions(p: Partial<ArithOptions>, model: ModelFacts): ArithOptions {
  const where = 'arith';
  if (!p.model) throw new ArgumentError(`${where}: --model is required`);
  const expr = p.expr ?? null;
  const bindings = (p.bindings ?? []).map((b) => ({
    name: b.name,
    source: 'seed' in b.source ? { seed: b.source.seed } : { file: b.source.file },
  }));
  const to = p.to ?? null;
  const from = p.from ?? null;
  const seeds = [...(p.seeds ?? SEEDS)];
  const keys = copySources(p.keys);
  let sources: LatentSource[];
  if (expr !== null) {
    if (to !== null || from !== null)
      throw new ArgumentError(`${where}: --expr and --to/--from are two modes; give one`);
    const names = expressionNames(expr);
    const bound = new Set(bindings.map((b) => b.name));
    if (bound.size !== bindings.length) throw new ArgumentError(`${where}: a name is bound twice`);
    const missing = names.filter((n) => !bound.has(n));
    if (missing.length)
      throw new ArgumentError(`${where}: ${missing.join(', ')} in '${expr}' has no binding NAME=SOURCE`);
    sources = bindings.map((b) => b.source);
  } else {
    if (to === null || from === null)
      throw new ArgumentError(`${where}: give --expr 'a - b' with bindings, or --to CLASS --from CLASS`);
    if (bindings.length) throw new ArgumentError(`${where}: bindings NAME=SOURCE need --expr`);
    sources = seedSources(seeds, keys);
  }
  const strengths = [...(p.strengths ?? STRENGTHS)];
  if (!strengths.length || strengths.some((s) => !Number.isFinite(s)))
    throw new ArgumentError(`${where}: --strengths needs finite values`);
  const minConfidence = p.minConfidence ?? 0.8;
  if (!(minConfidence >= 0 && minConfidence <= 1))
    throw new ArgumentError(`${where}: --min-confidence must be in [0, 1]`);
  const layers = p.layers ?? null;
  if (layers !== null && model.architecture === 'dcgan')
    throw new ArgumentError(`${where}: ${model.name} is a DCGAN: layer ranges need a StyleGAN2 or StyleGAN3`);
  return {
    model: p.model,
    expr,
    bindings,
    to,
    from,
    seeds,
    keys,
    strengths,
    layers,
    classifier: p.classifier ?? 'models/fmnist-classifier',
    samples: integerIn(p.samples ?? 2000, 1, 10_000_000, 'samples', where),
    minConfidence,
    ...resolveWalkSources(p, model, where, sources, 'w'),
    ...resolveWalkOutput(p, where),
  };
}

export interface ArithResult {
  /** arith.png (operands and the result per row) or attribute.png (latents x strengths). */
  figure: RgbImage;
  /** The result: the expression's rows, or every latent at every strength (strength-major). */
  latent: Latent;
  /** Attribute mode: the class means the vector came from. */
  means: ClassMeans | null;
  written: string[];
}

/** `latentlab arith`: latent arithmetic over named operands, or a class-mean attribute vector applied. */
export async function arithVerb(
  model: GanModel,
  o: ArithOptions,
  hooks: { onProgress?: Progress; write?: boolean } = {},
): Promise<ArithResult> {
  const batchSize = o.batch;
  const render = async (l: Latent, onProgress?: Progress) =>
    imagesOf(await renderFrames(model, l, { batchSize, onProgress }), o.upscale);
  let figure: RgbImage;
  let result: Latent;
  let means: ClassMeans | null = null;
  let name: string;
  let line: string;
  if (o.expr !== null) {
    const bound: Record<string, Latent> = {};
    for (const b of o.bindings) bound[b.name] = await walkLatents(model, [b.source], o, `arith ${b.name}`);
    result = latentExpression(model, o.expr, bound);
    const names = expressionNames(o.expr);
    const operands = await Promise.all(names.map((n) => render(bound[n])));
    const resultImgs = await render(result, hooks.onProgress);
    const rows = result.codes.shape[0];
    const cells = [];
    for (let r = 0; r < rows; r++) {
      for (const imgs of operands) cells.push(imgs[imgs.length === 1 ? 0 : r]);
      cells.push(resultImgs[r]);
    }
    figure = labelledGrid(cells, { columns: names.length + 1, columnLabels: [...names, '= result'] });
    name = 'arith.png';
    line = `${o.expr} (${result.space}, ${rows} result${rows > 1 ? 's' : ''})`;
  } else {
    const classifier = await readClassifierBundle(o.classifier);
    means = await classMeans(model, classifier, {
      samples: o.samples,
      psi: 1,
      minConfidence: o.minConfidence,
      batchSize: 32,
    });
    const vector = attributeVector(means, o.to!, o.from!);
    const base = await walkLatents(model, seedSources(o.seeds, o.keys), o, 'arith');
    const layers = o.layers === null ? undefined : parseLayerRange(model, o.layers);
    const n = base.codes.shape[0];
    result = await unifyLatents(
      model,
      o.strengths.map((s) => applyAttribute(model, base, vector, s, layers)),
    );
    const images = await render(result, hooks.onProgress);
    // result is strength-major; the grid is latent-major (row = latent, column = strength)
    const cells = [];
    for (let i = 0; i < n; i++) for (let s = 0; s < o.strengths.length; s++) cells.push(images[s * n + i]);
    figure = labelledGrid(cells, {
      columns: o.strengths.length,
      columnLabels: o.strengths.map((s) => `${Number(s.toFixed(2))}`),
      rowLabels: rowLabels(base),
    });
    name = 'attribute.png';
    const counts = means.labels.map((l, i) => `${l} ${means!.counts[i]}`).join(', ');
    line = `${n} latents + s * (mean ${o.to} - mean ${o.from}), s = ${o.strengths.map((s) => Number(s.toFixed(3))).join(', ')}; class means over ${o.samples} samples (${counts})`;
  }
  const written: string[] = [];
  if (hooks.write !== false) {
    const png = join(o.outdir, name);
    await writePng(png, figure);
    written.push(`${png}: ${line}`);
    if (o.saveLatent !== null) {
      await saveLatent(o.saveLatent, result);
      written.push(`${o.saveLatent} (${result.codes.shape[0]} ${result.space} latents)`);
    }
  }
  return { figure, latent: result, means, written };
}
