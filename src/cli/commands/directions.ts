import {
  ArgumentError,
  type Attribute,
  boundarySet,
  type Classifier,
  conditionalDirection,
  type DirectionSet,
  directionIndex,
  interfacegan,
  loadLatent,
  loadModel,
  loadNpy,
  makeDirectionSet,
  readClassifierBundle,
  readDirections,
  readScores,
  type Tensor,
  withMeasuredSigma,
  writeDirections,
} from '../../index.js';
import type { Command } from '../command.js';
import { integer, number, optionalString, requireString, type Subcommand, verbWithSubcommands } from '../subcommand.js';
import { ATTRIBUTE_FLAGS, attributesFromSamples, attributesFromSeedScores, reportAttributes } from './directionsAttributes.js';
import { evalSubcommand, ganspaceSubcommand, jacobianSubcommand, sefaSubcommand } from './directionsMethods.js';

/** 'Trouser,Bag,footwear=Sandal+Sneaker+Ankle boot,3' → attributes; a class is a label (any case) or an index. */
export function parseAttributes(text: string, classifier: Classifier): Attribute[] {
  const names = classifier.labelNames.map((n) => n.toLowerCase());
  const classOf = (token: string): number => {
    const t = token.trim();
    const byName = names.indexOf(t.toLowerCase());
    if (byName >= 0) return byName;
    const k = Number(t);
    if (t !== '' && Number.isInteger(k) && k >= 0 && k < names.length) return k;
    throw new ArgumentError(`--attributes: '${t}' is not a class of ${classifier.name} (${classifier.labelNames.join(', ')} or 0..${names.length - 1})`);
  };
  if (text.trim() === 'all') return classifier.labelNames.map((name, i) => ({ name, classes: [i] }));
  return text
    .split(',')
    .filter((s) => s.trim())
    .map((part) => {
      const eq = part.indexOf('=');
      const classes = (eq >= 0 ? part.slice(eq + 1) : part).split('+').map(classOf);
      const name = eq >= 0 ? part.slice(0, eq).trim() : classifier.labelNames[classes[0]];
      return { name, classes };
    });
}

async function codesFromFile(file: string): Promise<{ codes: Tensor; space: 'w' | 'z' }> {
  if (file.endsWith('.npy')) {
    const t = await loadNpy(file);
    if (t.rank !== 2) throw new ArgumentError(`--codes ${file}: expected [N, dim], got [${t.shape.join(', ')}]`);
    return { codes: t, space: 'w' };
  }
  const latent = await loadLatent(file);
  if (latent.space === 'w+') throw new ArgumentError(`--codes ${file}: W+ latents have one code per layer; give W or Z latents`);
  return { codes: latent.codes, space: latent.space };
}

function report(set: DirectionSet, out: (line: string) => void): void {
  const attrs = (set.provenance.attributes ?? []) as { name: string; valAccuracy: number; trainAccuracy: number; counts: { train: number; val: number } }[];
  attrs.forEach((a, i) =>
    out(
      `${a.name.padEnd(14)} val acc ${(100 * a.valAccuracy).toFixed(1)} %  train acc ${(100 * a.trainAccuracy).toFixed(1)} %  (${a.counts.train} train / ${a.counts.val} val)  sigma ${set.sigma[i]?.toFixed(4)}  intercept ${set.intercept?.[i].toFixed(4)}`,
    ),
  );
}

const interfaceganSubcommand: Subcommand = {
  name: 'interfacegan',
  summary: 'Linear-SVM boundaries (InterFaceGAN): classes, attribute knobs (image measures, logits) kept within class, or a score file',
  usage:
    'latentlab directions interfacegan --model M --classifier C --attributes "Trouser,Bag,shoes=Sandal+Sneaker" [--space w] [--num 20000] [--ratio 0.02] --out dirs.safetensors | --model M --classifier C --attribute brightness,width,logit:Sneaker [--method gradient|svm|ridge] [--layers 3-7|all] [--keep class|ATTR,...|none] --out knobs.safetensors | --codes codes.npy --scores scores.csv --out ... | --model M --scores seeds.csv (a seed column) --out ...',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'classifier', type: 'string', help: 'classifier bundle that labels the images' },
    { name: 'attributes', type: 'string', help: "classes or groups: 'Trouser,Bag,shoes=Sandal+Sneaker+Ankle boot' or 'all'", default: 'all' },
    { name: 'space', type: 'string', help: 'w | z', default: 'w' },
    { name: 'num', type: 'number', help: 'latents sampled (seeds seed-start..)', default: 20000 },
    { name: 'seed-start', type: 'number', help: 'first seed', default: 0 },
    { name: 'trunc', type: 'number', help: 'truncation psi of the samples', default: 1 },
    { name: 'ratio', type: 'number', help: 'fraction kept at each end of the ranking', default: 0.02 },
    { name: 'split', type: 'number', help: 'training fraction of the kept samples', default: 0.7 },
    { name: 'svm-c', type: 'number', help: 'SVM penalty C', default: 1 },
    { name: 'codes', type: 'string', help: 'instead of sampling: latent codes (.npy [N, dim] or a latent file)' },
    { name: 'scores', type: 'string', help: 'with --codes: .csv / .json scores, one column per attribute' },
    ...ATTRIBUTE_FLAGS,
    { name: 'out', type: 'string', help: 'direction file (.safetensors, .npy, .npz)' },
  ],
  async run(flags, out) {
    const where = 'directions interfacegan';
    const file = requireString(flags, 'out', where);
    if (optionalString(flags, 'attribute') || (optionalString(flags, 'scores') && !optionalString(flags, 'codes'))) {
      const set = optionalString(flags, 'attribute') ? await attributesFromSamples(flags, out, where) : await attributesFromSeedScores(flags, out, where);
      reportAttributes(set, out);
      await writeDirections(file, set);
      out(`wrote ${file}`);
      return;
    }
    const opts = { ratio: number(flags, 'ratio', 0.02, where), split: number(flags, 'split', 0.7, where), svm: { c: number(flags, 'svm-c', 1, where) } };
    let set: DirectionSet;
    const codesFile = optionalString(flags, 'codes');
    if (codesFile) {
      const scoresFile = requireString(flags, 'scores', where);
      const { codes, space } = await codesFromFile(codesFile);
      const table = await readScores(scoresFile);
      if (table.rows !== codes.shape[0]) throw new ArgumentError(`${where}: ${table.rows} score rows for ${codes.shape[0]} latent codes`);
      const attributes = table.names.map((name, a) => ({ name, scores: table.columns[a] }));
      out(`InterFaceGAN on ${codes.shape[0]} ${space.toUpperCase()} codes from ${codesFile}, scores ${table.names.join(', ')} from ${scoresFile}`);
      set = boundarySet(codes, attributes, { ...opts, space, source: { codes: codesFile, scores: scoresFile, samples: codes.shape[0] } }).set;
    } else {
      const model = await loadModel(requireString(flags, 'model', where));
      const classifier = await readClassifierBundle(requireString(flags, 'classifier', where));
      const space = String(flags.space);
      if (space !== 'w' && space !== 'z') throw new ArgumentError(`${where}: --space must be w or z, got '${space}'`);
      const attributes = parseAttributes(String(flags.attributes), classifier);
      const num = integer(flags, 'num', 20000, where, 100);
      out(`InterFaceGAN: ${num} ${space.toUpperCase()} samples of ${model.name} labelled by ${classifier.name}; attributes ${attributes.map((a) => a.name).join(', ')}`);
      const t0 = performance.now();
      let last = 0;
      set = (
        await interfacegan(model, classifier, attributes, {
          ...opts,
          num,
          space,
          firstSeed: integer(flags, 'seed-start', 0, where),
          psi: number(flags, 'trunc', 1, where),
          onProgress: (done, total) => {
            if (done === total || performance.now() - last > 10_000) {
              last = performance.now();
              out(`  labelled ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
            }
          },
        })
      ).set;
    }
    report(set, out);
    await writeDirections(file, set);
    out(`wrote ${file}`);
  },
};

function directionFrom(spec: string, where: string): Promise<{ set: DirectionSet; index: number }> {
  // FILE or FILE#component (label or index)
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  return readDirections(file).then((set) => ({ set, index: hash > 0 ? directionIndex(set, spec.slice(hash + 1)) : 0 })).catch((e: Error) => {
    throw Object.assign(e, { message: `${where}: ${e.message}` });
  });
}

const conditionalSubcommand: Subcommand = {
  name: 'conditional',
  summary: 'Remove one or many conditioning directions from a primary one (least-squares projection)',
  usage: 'latentlab directions conditional --primary dirs.safetensors#Trouser --condition dirs.safetensors#Dress,dirs.safetensors#Bag --out trouser-cond.safetensors',
  flags: [
    { name: 'primary', type: 'string', help: 'FILE or FILE#component (label or index)' },
    { name: 'condition', type: 'string', help: 'comma-separated FILE#component list' },
    { name: 'model', type: 'string', help: 'generator: measure sigma of the result from its samples' },
    { name: 'sigma-samples', type: 'number', help: 'samples for sigma', default: 10000 },
    { name: 'out', type: 'string', help: 'direction file to write' },
  ],
  async run(flags, out) {
    const where = 'directions conditional';
    const primary = await directionFrom(requireString(flags, 'primary', where), where);
    const conds = await Promise.all(requireString(flags, 'condition', where).split(',').map((s) => directionFrom(s.trim(), where)));
    const row = (d: { set: DirectionSet; index: number }) => {
      const dim = d.set.vectors.shape[1];
      return d.set.vectors.data.subarray(d.index * dim, (d.index + 1) * dim);
    };
    for (const c of conds)
      if (c.set.space !== primary.set.space) throw new ArgumentError(`${where}: the primary is a ${primary.set.space.toUpperCase()} direction, '${c.set.labels[c.index]}' is ${c.set.space.toUpperCase()}`);
    const r = conditionalDirection(row(primary), conds.map(row));
    conds.forEach((c, j) =>
      out(`cos(${primary.set.labels[primary.index]}, ${c.set.labels[c.index]}): before ${r.cosineBefore[j].toFixed(6)}  after ${r.cosineAfter[j].toExponential(2)}`),
    );
    const label = `${primary.set.labels[primary.index]}|${conds.map((c) => c.set.labels[c.index]).join('+')}`;
    const set = makeDirectionSet([r.direction], {
      space: primary.set.space,
      labels: [label],
      layers: primary.set.layers,
      model: primary.set.model,
      provenance: {
        method: 'conditional',
        primary: primary.set.labels[primary.index],
        conditions: conds.map((c) => c.set.labels[c.index]),
        cosineBefore: r.cosineBefore,
        cosineAfter: r.cosineAfter,
        // The primary's attribute (its classes) stays the target when the result is evaluated.
        attributes: [(primary.set.provenance.attributes as unknown[] | undefined)?.[primary.index] ?? { name: label, classes: null }],
      },
    });
    const modelPath = optionalString(flags, 'model');
    const measured = modelPath ? await withMeasuredSigma(await loadModel(modelPath), set, { num: integer(flags, 'sigma-samples', 10000, where, 2) }) : set;
    if (!modelPath) out('no --model: sigma unknown, edits with this file use distance units');
    const file = requireString(flags, 'out', where);
    await writeDirections(file, measured);
    out(`wrote ${file}`);
  },
};

const infoSubcommand: Subcommand = {
  name: 'info',
  summary: 'Print what a direction file holds (any supported format)',
  usage: 'latentlab directions info FILE [--space w|z]',
  flags: [{ name: 'space', type: 'string', help: 'space of imported formats: w | z', default: 'w' }],
  async run(flags, out, positionals) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new ArgumentError('directions info: give one direction file');
    const space = String(flags.space);
    if (space !== 'w' && space !== 'z') throw new ArgumentError(`directions info: --space must be w or z, got '${space}'`);
    const set = await readDirections(file, { space });
    const [k, dim] = set.vectors.shape;
    const { method, ...rest } = set.provenance;
    out(`${file}: ${k} ${space.toUpperCase()}-space direction(s) of dimension ${dim}, method ${method}${set.model ? `, model ${set.model.name} (${set.model.contentHash.slice(0, 12)})` : ''}`);
    out(`layers: ${set.layers ? `ws rows ${set.layers[0]}-${set.layers[1] - 1}` : 'all'}${set.mean ? '; has a mean' : ''}`);
    set.labels.forEach((label, i) =>
      out(`  ${String(i).padStart(3)} ${label.padEnd(16)} sigma ${set.sigma[i] === null ? '-' : set.sigma[i]!.toFixed(4)}${set.intercept ? `  intercept ${set.intercept[i].toFixed(4)}` : ''}`),
    );
    const brief = Object.entries(rest).filter(([, v]) => typeof v !== 'object' || v === null);
    if (brief.length) out(`provenance: ${brief.map(([key, v]) => `${key}=${String(v)}`).join(', ')}`);
  },
};

export const directionsCommand: Command = verbWithSubcommands('directions', 'Find semantic directions and evaluate them', [
  interfaceganSubcommand,
  conditionalSubcommand,
  ganspaceSubcommand,
  sefaSubcommand,
  jacobianSubcommand,
  evalSubcommand,
  infoSubcommand,
]);
