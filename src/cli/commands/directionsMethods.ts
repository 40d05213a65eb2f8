import { writeFile } from 'node:fs/promises';
import {
  ArgumentError,
  type DirectionSet,
  evaluateAttributes,
  evaluateDirections,
  ganspace,
  jacobianDirections,
  latentFromSeeds,
  loadLatent,
  loadModel,
  readClassifierBundle,
  readDirections,
  SEFA_INCLUDES,
  sefa,
  type SefaInclude,
  selectRows,
  toWs,
  withMeasuredSigma,
  writeDirections,
} from '../../index.js';
import { preservationRecord, printAttributeEval } from './directionsAttributes.js';
import { ganspaceFromQueue, queueFlags } from './directionsQueue.js';
import { integer, layerRange, number, optionalString, requireString, type Subcommand } from '../subcommand.js';

function progress(out: (line: string) => void, what: string) {
  const t0 = performance.now();
  let last = 0;
  return (done: number, total: number) => {
    if (done === total || performance.now() - last > 10_000) {
      last = performance.now();
      out(`  ${what} ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
}

function listComponents(set: DirectionSet, values: number[], what: string, out: (line: string) => void, max = 10): void {
  for (let i = 0; i < Math.min(max, values.length); i++) out(`  ${set.labels[i].padEnd(8)} ${what} ${values[i].toPrecision(6)}${set.sigma[i] !== null ? `  sigma ${set.sigma[i]!.toFixed(4)}` : ''}`);
  if (values.length > max) out(`  ... ${values.length - max} more`);
}

export const ganspaceSubcommand: Subcommand = {
  name: 'ganspace',
  summary: 'PCA of W (or Z) over many samples; components with their standard deviations (GANSpace)',
  usage: 'latentlab directions ganspace --model M [--num 100000] [--components 80] [--space w] --out pca.npz|pca.safetensors',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'num', type: 'number', help: 'samples (seeds seed-start..)', default: 100000 },
    { name: 'seed-start', type: 'number', help: 'first seed', default: 0 },
    { name: 'components', type: 'number', help: 'components kept (default min(80, dim))' },
    { name: 'space', type: 'string', help: 'w | z', default: 'w' },
    { name: 'out', type: 'string', help: 'direction file (.safetensors, .npz as GANSpace writes, .npy)' },
    ...queueFlags(10_000, 'samples (rounded up to whole chunks of 10000)'),
  ],
  async run(flags, out) {
    const where = 'directions ganspace';
    const file = requireString(flags, 'out', where);
    const model = await loadModel(requireString(flags, 'model', where));
    const space = String(flags.space);
    if (space !== 'w' && space !== 'z') throw new ArgumentError(`${where}: --space must be w or z, got '${space}'`);
    const num = integer(flags, 'num', 100000, where, 2);
    out(`GANSpace: PCA of ${num} ${space.toUpperCase()} samples of ${model.name}`);
    const run = {
      num,
      space,
      firstSeed: integer(flags, 'seed-start', 0, where),
      components: flags.components === undefined ? undefined : integer(flags, 'components', 1, where, 1),
    } as const;
    const { set, pca } = flags.queue
      ? await ganspaceFromQueue(flags, model, run, out)
      : await ganspace(model, { ...run, onProgress: progress(out, 'sampled') });
    listComponents(set, pca.stdev, 'std', out);
    const cum = pca.explained.reduce((a, b) => a + b, 0);
    out(`  ${pca.components.length} components explain ${(100 * cum).toFixed(1)} % of the variance`);
    await writeDirections(file, set);
    out(`wrote ${file}`);
  },
};

export const sefaSubcommand: Subcommand = {
  name: 'sefa',
  summary: 'Closed-form factorisation of the style (affine) weights (SeFa)',
  usage: 'latentlab directions sefa --model M [--preset genforce|rosinality] [--layers 0-3] [--components 16] [--sigma-samples 10000] --out sefa.safetensors',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'preset', type: 'string', help: "genforce = genforce/sefa factorize_weight(layer_idx='all'): every conv + the last ToRGB, unit rows | rosinality = closed_form_factorization.py: every conv + the first ToRGB, raw rows", default: 'genforce' },
    { name: 'layers', type: 'string', help: 'ws rows whose layers join, inclusive, e.g. 0-3 (default all)' },
    { name: 'include', type: 'string', help: 'override the preset: conv | conv+torgb | conv+first-torgb | conv+last-torgb' },
    { name: 'normalize', type: 'boolean', help: 'override the preset: unit-normalise each affine row (--no-normalize: raw)' },
    { name: 'components', type: 'number', help: 'directions kept (default all)' },
    { name: 'sigma-samples', type: 'number', help: 'W samples to measure sigma (0: skip)', default: 10000 },
    { name: 'out', type: 'string', help: 'direction file (.safetensors, .npy)' },
  ],
  async run(flags, out) {
    const where = 'directions sefa';
    const include = optionalString(flags, 'include');
    if (include !== undefined && !(SEFA_INCLUDES as readonly string[]).includes(include))
      throw new ArgumentError(`${where}: --include must be one of ${SEFA_INCLUDES.join(', ')}, got '${include}'`);
    const file = requireString(flags, 'out', where);
    const model = await loadModel(requireString(flags, 'model', where));
    const preset = String(flags.preset);
    if (preset !== 'genforce' && preset !== 'rosinality') throw new ArgumentError(`${where}: --preset must be genforce or rosinality, got '${preset}'`);
    const r = sefa(model, {
      preset,
      layers: layerRange(flags, where),
      include: include as SefaInclude | undefined,
      normalize: typeof flags.normalize === 'boolean' ? flags.normalize : undefined,
      components: flags.components === undefined ? undefined : integer(flags, 'components', 1, where, 1),
    });
    const normalized = r.set.provenance.normalize === true;
    out(`SeFa (${preset}${normalized ? ', unit affine rows' : ', raw weights'}) over ${r.layerNames.join(', ')}`);
    const samples = integer(flags, 'sigma-samples', 10000, where);
    const set = samples ? await withMeasuredSigma(model, r.set, { num: samples }) : r.set;
    listComponents(set, r.eigenvalues, 'eigenvalue', out);
    await writeDirections(file, set);
    out(`wrote ${file}`);
  },
};

export const jacobianSubcommand: Subcommand = {
  name: 'jacobian',
  summary: "Top right-singular vectors of the generator's Jacobian at a latent (locally most image-changing)",
  usage: 'latentlab directions jacobian --model M --seed 0 [--trunc 0.7] [--layers 0-3] [--components 8] --out jac.safetensors',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'seed', type: 'number', help: 'seed of the latent', default: 0 },
    { name: 'latent', type: 'string', help: 'a latent file instead of --seed (first row)' },
    { name: 'trunc', type: 'number', help: 'truncation psi for --seed', default: 1 },
    { name: 'layers', type: 'string', help: 'ws rows the direction feeds, inclusive (default all)' },
    { name: 'components', type: 'number', help: 'directions', default: 8 },
    { name: 'iterations', type: 'number', help: 'subspace iterations at most', default: 50 },
    { name: 'sigma-samples', type: 'number', help: 'W samples to measure sigma (0: skip)', default: 10000 },
    { name: 'out', type: 'string', help: 'direction file (.safetensors, .npy)' },
  ],
  async run(flags, out) {
    const where = 'directions jacobian';
    const file = requireString(flags, 'out', where);
    const model = await loadModel(requireString(flags, 'model', where));
    const latentFile = optionalString(flags, 'latent');
    const latent = latentFile
      ? selectRows(await loadLatent(latentFile, model), [0])
      : await latentFromSeeds(model, [integer(flags, 'seed', 0, where)], { space: 'w', psi: number(flags, 'trunc', 1, where) });
    const ws = await toWs(model, latent);
    const r = await jacobianDirections(model, ws, {
      layers: layerRange(flags, where),
      components: integer(flags, 'components', 8, where, 1),
      iterations: integer(flags, 'iterations', 50, where, 1),
    });
    out(`Jacobian at ${latentFile ?? `seed ${String(flags.seed)}`}: ${r.iterations} subspace iterations (${r.converged ? 'converged' : 'not converged'})`);
    const samples = integer(flags, 'sigma-samples', 10000, where);
    const set = samples ? await withMeasuredSigma(model, r.set, { num: samples }) : r.set;
    listComponents(set, r.singularValues, 'singular value', out);
    await writeDirections(file, set);
    out(`wrote ${file}`);
  },
};

export const evalSubcommand: Subcommand = {
  name: 'eval',
  summary: 'What each direction changes and keeps: own attribute (std units), class kept, other attributes; class-probability matrix',
  usage:
    'latentlab directions eval --model M --classifier C [--judge J] --directions dirs.safetensors [--components a,b] [--num 200] [--strength 2] [--strengths 1,2] [--units sigma] [--record] [--json FILE]',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'classifier', type: 'string', help: 'classifier bundle for the class-probability matrix (optional with --judge)' },
    { name: 'judge', type: 'string', help: 'classifier bundle that grades the edits (default --classifier); best one that did not make the labels' },
    { name: 'strengths', type: 'string', help: 'strengths of the preservation table, comma-separated', default: '1,2' },
    { name: 'record', type: 'boolean', help: 'store the preservation figures in the direction file (.safetensors) for the studio' },
    { name: 'directions', type: 'string', help: 'direction file' },
    { name: 'components', type: 'string', help: 'labels or indices, comma-separated (default all, at most 16)' },
    { name: 'num', type: 'number', help: 'start latents (seeds seed-start..)', default: 200 },
    { name: 'seed-start', type: 'number', help: 'first seed (away from the discovery seeds)', default: 1000000 },
    { name: 'strength', type: 'number', help: 'edit strength S (slope = change from 0 to S, per unit)', default: 2 },
    { name: 'units', type: 'string', help: 'sigma | distance (default sigma when known)' },
    { name: 'layers', type: 'string', help: 'ws rows to edit, inclusive (default the file’s)' },
    { name: 'trunc', type: 'number', help: 'truncation psi of the start latents', default: 1 },
    { name: 'json', type: 'string', help: 'write the full result as JSON' },
  ],
  async run(flags, out) {
    const where = 'directions eval';
    const model = await loadModel(requireString(flags, 'model', where));
    const classifierPath = optionalString(flags, 'classifier');
    const judgePath = optionalString(flags, 'judge') ?? classifierPath;
    if (!judgePath) throw new ArgumentError(`${where}: give --classifier and/or --judge`);
    const judge = await readClassifierBundle(judgePath);
    const dirFile = requireString(flags, 'directions', where);
    const set = await readDirections(dirFile);
    const units = optionalString(flags, 'units');
    if (units !== undefined && units !== 'sigma' && units !== 'distance') throw new ArgumentError(`${where}: --units must be sigma or distance`);
    const comps = optionalString(flags, 'components')?.split(',').map((s) => s.trim());
    const strengths = String(flags.strengths ?? '1,2').split(',').map((s) => Number(s.trim()));
    if (strengths.some((s) => !Number.isFinite(s))) throw new ArgumentError(`${where}: --strengths must be numbers, got '${String(flags.strengths)}'`);
    const preservation = await evaluateAttributes(model, judge, set, {
      num: integer(flags, 'num', 200, where, 2),
      firstSeed: integer(flags, 'seed-start', 1000000, where),
      strengths,
      units,
      components: comps,
      layers: layerRange(flags, where),
      psi: number(flags, 'trunc', 1, where),
    });
    printAttributeEval(preservation, out);
    if (flags.record) {
      if (!dirFile.endsWith('.safetensors')) throw new ArgumentError(`${where}: --record writes into our .safetensors direction files, not ${dirFile}`);
      await writeDirections(dirFile, preservationRecord(set, preservation));
      out(`recorded the preservation figures in ${dirFile}`);
    }
    if (!classifierPath) {
      const json = optionalString(flags, 'json');
      if (json) await writeFile(json, `${JSON.stringify({ directions: dirFile, model: model.name, preservation }, null, 2)}\n`);
      return;
    }
    const classifier = await readClassifierBundle(classifierPath);
    const r = await evaluateDirections(model, classifier, set, {
      num: integer(flags, 'num', 200, where, 2),
      firstSeed: integer(flags, 'seed-start', 1000000, where),
      strength: number(flags, 'strength', 2, where),
      units,
      components: comps,
      layers: layerRange(flags, where),
      psi: number(flags, 'trunc', 1, where),
    });
    const short = r.classNames.map((n) => n.slice(0, 7).padStart(8)).join('');
    out(`change of class probability per unit (${r.units}) from 0 to S = ${r.strength}, ${r.num} latents`);
    out(`${'direction'.padEnd(16)}${short}   target  max other  ratio  feat. change`);
    for (const row of r.rows) {
      const cells = row.slopes.map((v) => v.toFixed(3).padStart(8)).join('');
      const tail = row.targetSlope === null ? '      -          -      -' : `${row.targetSlope.toFixed(3).padStart(8)}  ${row.maxOtherSlope.toFixed(3).padStart(8)}  ${row.ratio!.toFixed(2).padStart(5)}`;
      out(`${row.label.slice(0, 15).padEnd(16)}${cells} ${tail}  ${row.featureChange.toFixed(3).padStart(8)}`);
    }
    const json = optionalString(flags, 'json');
    if (json) {
      await writeFile(json, `${JSON.stringify({ directions: String(flags.directions), model: model.name, classifier: classifier.name, ...r, preservation }, null, 2)}\n`);
      out(`wrote ${json}`);
    }
  },
};
