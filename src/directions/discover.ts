import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { loadNpy } from '../formats/files.js';
import { loadLatent } from '../latent/file.js';
import { latentFromSeeds, selectRows, toWs } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { loadModel } from '../models/io/loadModel.js';
import { type AttributeSpec, attributeDirections, parseAttributeSpecs } from './attributes.js';
import { gradientDirections } from './attributeGradient.js';
import { discoverAttributeDirections } from './attributeSampling.js';
import { perClassGradientDirections } from './perClass.js';
import { conditionalDirection } from './conditional.js';
import { type DirectionSet, directionIndex, makeDirectionSet } from './direction.js';
import type {
  ConditionalRunOptions,
  DirectionModelFacts,
  GanspaceRunOptions,
  JacobianRunOptions,
  SefaRunOptions,
} from './discoverOptions.js';
import type { InterfaceganRunOptions } from './interfaceganOptions.js';
import { readDirections, writeDirections } from './files.js';
import { ganspace } from './ganspace.js';
import { type Attribute, boundarySet, interfacegan } from './interfacegan.js';
import { jacobianDirections } from './jacobian.js';
import { readScores } from './scores.js';
import { sefa } from './sefa.js';
import { withMeasuredSigma } from './sigma.js';

/** What a discovery run may be handed (the studio's cached model and classifier) and reports through. */
export interface DiscoverHooks {
  model?: GanModel;
  classifier?: Classifier;
  /** Samples (or factorisation steps) done of total. */
  onProgress?: (done: number, total: number) => void;
  /** One line of what is being done (the CLI prints it). */
  onInfo?: (line: string) => void;
  checkCancelled?: () => void;
}

/** A discovery's result: the set written to `out`, and the figures each method reports per component. */
export interface Discovered {
  set: DirectionSet;
  /** Per component: the method's own figure (std, eigenvalue, singular value); named by `figure`. */
  values: number[] | null;
  figure: string | null;
}

/** The facts the option resolvers need, from a loaded model. */
export function directionModelFacts(model: GanModel): DirectionModelFacts {
  return {
    name: model.name,
    architecture: model.architecture,
    cDim: model.cDim,
    zDim: model.zDim,
    wDim: model.hasWSpace ? model.styleSpace().wDim : null,
  };
}

async function modelOf(path: string | null, hooks: DiscoverHooks): Promise<GanModel> {
  if (hooks.model) return hooks.model;
  if (!path) throw new ArgumentError('directions: --model is required');
  return loadModel(path);
}

async function finish(out: string, set: DirectionSet, hooks: DiscoverHooks): Promise<DirectionSet> {
  hooks.checkCancelled?.();
  await writeDirections(out, set);
  return set;
}

/** `directions ganspace`: PCA of sampled W (or Z). */
export async function discoverGanspace(o: GanspaceRunOptions, hooks: DiscoverHooks = {}): Promise<Discovered> {
  const model = await modelOf(o.model, hooks);
  hooks.onInfo?.(`GANSpace: PCA of ${o.num} ${o.space.toUpperCase()} samples of ${model.name}`);
  const { set, pca } = await ganspace(model, {
    num: o.num,
    space: o.space,
    firstSeed: o.seedStart,
    components: o.components,
    onProgress: (d, t) => {
      hooks.checkCancelled?.();
      hooks.onProgress?.(d, t);
    },
  });
  const cum = pca.explained.reduce((a, b) => a + b, 0);
  hooks.onInfo?.(`${pca.components.length} components explain ${(100 * cum).toFixed(1)} % of the variance`);
  return { set: await finish(o.out, set, hooks), values: pca.stdev, figure: 'std' };
}

async function measured(model: GanModel, set: DirectionSet, samples: number | null, hooks: DiscoverHooks): Promise<DirectionSet> {
  if (!samples) return set;
  hooks.checkCancelled?.();
  hooks.onInfo?.(`measuring sigma on ${samples} samples`);
  return withMeasuredSigma(model, set, { num: samples });
}

/** `directions sefa`: closed-form factorisation of the style weights, sigma measured on samples. */
export async function discoverSefa(o: SefaRunOptions, hooks: DiscoverHooks = {}): Promise<Discovered> {
  const model = await modelOf(o.model, hooks);
  const r = sefa(model, {
    preset: o.preset,
    layers: o.layers ? [o.layers[0], o.layers[1]] : undefined,
    include: o.include ?? undefined,
    normalize: o.normalize ?? undefined,
    components: o.components,
  });
  const normalized = r.set.provenance.normalize === true;
  hooks.onInfo?.(`SeFa (${o.preset}${normalized ? ', unit affine rows' : ', raw weights'}) over ${r.layerNames.join(', ')}`);
  const set = await measured(model, r.set, o.sigmaSamples, hooks);
  return { set: await finish(o.out, set, hooks), values: r.eigenvalues, figure: 'eigenvalue' };
}

/** `directions jacobian`: top right-singular vectors of the generator's Jacobian at one latent. */
export async function discoverJacobian(o: JacobianRunOptions, hooks: DiscoverHooks = {}): Promise<Discovered> {
  const model = await modelOf(o.model, hooks);
  const latent = o.latent
    ? selectRows(await loadLatent(o.latent, model), [0])
    : await latentFromSeeds(model, [o.seed ?? 0], { space: 'w', psi: o.trunc ?? 1 });
  const ws = await toWs(model, latent);
  const r = await jacobianDirections(model, ws, {
    layers: o.layers ? [o.layers[0], o.layers[1]] : undefined,
    components: o.components,
    iterations: o.iterations,
  });
  hooks.onInfo?.(
    `Jacobian at ${o.latent ?? `seed ${o.seed}`}: ${r.iterations} subspace iterations (${r.converged ? 'converged' : 'not converged'})`,
  );
  const set = await measured(model, r.set, o.sigmaSamples, hooks);
  return { set: await finish(o.out, set, hooks), values: r.singularValues, figure: 'singular value' };
}

/** FILE or FILE#component (label or index) -> the set and the row. */
async function directionFrom(spec: string): Promise<{ set: DirectionSet; index: number }> {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  try {
    const set = await readDirections(file);
    return { set, index: hash > 0 ? directionIndex(set, spec.slice(hash + 1)) : 0 };
  } catch (e) {
    throw Object.assign(e as Error, { message: `directions conditional: ${(e as Error).message}` });
  }
}

/** `directions conditional`: the primary direction with the conditions projected out. */
export async function discoverConditional(o: ConditionalRunOptions, hooks: DiscoverHooks = {}): Promise<Discovered> {
  const primary = await directionFrom(o.primary);
  const conds = await Promise.all(o.condition.map((s) => directionFrom(s)));
  const row = (d: { set: DirectionSet; index: number }) => {
    const dim = d.set.vectors.shape[1];
    return d.set.vectors.data.subarray(d.index * dim, (d.index + 1) * dim);
  };
  for (const c of conds)
    if (c.set.space !== primary.set.space)
      throw new ArgumentError(
        `directions conditional: the primary is a ${primary.set.space.toUpperCase()} direction, '${c.set.labels[c.index]}' is ${c.set.space.toUpperCase()}`,
      );
  const r = conditionalDirection(row(primary), conds.map(row));
  conds.forEach((c, j) =>
    hooks.onInfo?.(
      `cos(${primary.set.labels[primary.index]}, ${c.set.labels[c.index]}): before ${r.cosineBefore[j].toFixed(6)}  after ${r.cosineAfter[j].toExponential(2)}`,
    ),
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
  if (!o.model) hooks.onInfo?.('no --model: sigma unknown, edits with this file use distance units');
  const result = o.model ? await measured(await modelOf(o.model, hooks), set, o.sigmaSamples, hooks) : set;
  return { set: await finish(o.out, result, hooks), values: null, figure: null };
}

/** 'Trouser,Bag,footwear=Sandal+Sneaker+Ankle boot,3' -> attributes; a class is a label (any case) or an index. */
export function parseClassAttributes(text: string, labelNames: readonly string[], where = '--attributes'): Attribute[] {
  const names = labelNames.map((n) => n.toLowerCase());
  const classOf = (token: string): number => {
    const t = token.trim();
    const byName = names.indexOf(t.toLowerCase());
    if (byName >= 0) return byName;
    const k = Number(t);
    if (t !== '' && Number.isInteger(k) && k >= 0 && k < names.length) return k;
    throw new ArgumentError(`${where}: '${t}' is not a class (${labelNames.join(', ')} or 0..${names.length - 1})`);
  };
  if (text.trim() === 'all') return labelNames.map((name, i) => ({ name, classes: [i] }));
  return text
    .split(',')
    .filter((s) => s.trim())
    .map((part) => {
      const eq = part.indexOf('=');
      const classes = (eq >= 0 ? part.slice(eq + 1) : part).split('+').map(classOf);
      const name = eq >= 0 ? part.slice(0, eq).trim() : labelNames[classes[0]];
      return { name, classes };
    });
}

/** 'class,width' -> keep classes + the width attribute; 'none' -> nothing. */
function parseKeep(text: string, labelNames: readonly string[]): { classes: boolean; attributes: AttributeSpec[] } {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'none') return { classes: false, attributes: [] };
  const rest = parts.filter((p) => p !== 'class');
  return { classes: parts.includes('class'), attributes: rest.length ? parseAttributeSpecs(rest.join(','), labelNames) : [] };
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

async function classifierOf(o: InterfaceganRunOptions, hooks: DiscoverHooks): Promise<Classifier> {
  return hooks.classifier ?? readClassifierBundle(o.classifier!);
}

/** `directions interfacegan`: class boundaries, attribute knobs, or boundaries from a score file. */
export async function discoverInterfacegan(o: InterfaceganRunOptions, hooks: DiscoverHooks = {}): Promise<Discovered> {
  const w = 'directions interfacegan';
  const info = (line: string) => hooks.onInfo?.(line);
  const onProgress = (d: number, t: number) => {
    hooks.checkCancelled?.();
    hooks.onProgress?.(d, t);
  };
  let set: DirectionSet;
  if (o.mode === 'codes') {
    const { codes, space } = await codesFromFile(o.codes!);
    const table = await readScores(o.scores!);
    if (table.rows !== codes.shape[0]) throw new ArgumentError(`${w}: ${table.rows} score rows for ${codes.shape[0]} latent codes`);
    const attributes = table.names.map((name, a) => ({ name, scores: table.columns[a] }));
    info(`InterFaceGAN on ${codes.shape[0]} ${space.toUpperCase()} codes from ${o.codes}, scores ${table.names.join(', ')} from ${o.scores}`);
    set = boundarySet(codes, attributes, {
      ratio: o.ratio!,
      split: o.split!,
      svm: { c: o.svmC! },
      space,
      source: { codes: o.codes, scores: o.scores, samples: codes.shape[0] },
    }).set;
  } else if (o.mode === 'seed-scores') {
    const table = await readScores(o.scores!);
    const col = table.names.indexOf('seed');
    if (col < 0) throw new ArgumentError(`${w}: --scores without --codes needs a 'seed' column (or give --codes with one row per score)`);
    const seeds = Array.from(table.columns[col]);
    seeds.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) throw new ArgumentError(`${w}: row ${i + 1} of the 'seed' column is ${s}, not a seed`);
    });
    const model = await modelOf(o.model, hooks);
    const codes = (await latentFromSeeds(model, seeds, { space: o.space! })).codes;
    const columns = table.names.map((name, a) => ({ spec: { name }, scores: table.columns[a] })).filter((c) => c.spec.name !== 'seed');
    const keep = (o.keep ? o.keep.split(',') : []).map((n) => {
      const c = columns.find((x) => x.spec.name === n);
      if (!c) throw new ArgumentError(`${w}: --keep ${n}: no such column in ${o.scores} (${table.names.join(', ')})`);
      return c;
    });
    info(`attribute knobs from ${o.scores}: ${columns.length} score column(s) over ${table.rows} seeds, ${o.space!.toUpperCase()} space`);
    set = attributeDirections(codes, columns, { classes: null, attributes: keep }, {
      method: o.method as 'svm' | 'ridge',
      ratio: o.ratio ?? undefined,
      split: o.split!,
      svmC: o.svmC ?? undefined,
      alpha: o.alpha ?? undefined,
      space: o.space!,
      model: { name: model.name, contentHash: model.manifest.contentHash },
      source: { scores: o.scores, samples: table.rows },
    });
  } else if (o.mode === 'attributes') {
    const model = await modelOf(o.model, hooks);
    const classifier = await classifierOf(o, hooks);
    const specs = parseAttributeSpecs(o.attribute!, classifier.labelNames);
    const keep = parseKeep(o.keep ?? 'none', classifier.labelNames);
    const kept = [...(keep.classes ? ['every class (within-class fit)'] : []), ...keep.attributes.map((a) => a.name)];
    info(
      `attribute knobs: ${o.num} ${o.space!.toUpperCase()} samples of ${model.name}, ${specs.map((s) => s.name).join(', ')} by ${o.method}${o.perClass ? `, one direction per class of ${classifier.name}` : ''}; keeping ${kept.join(', ') || 'nothing'}`,
    );
    const layerOption = o.layers === null ? {} : { layers: o.layers === 'all' ? null : ([o.layers[0], o.layers[1]] as [number, number]) };
    set = o.perClass
      ? await perClassGradientDirections(model, classifier, specs, {
          num: o.num!,
          firstSeed: o.seedStart!,
          epsilon: o.epsilon!,
          ...layerOption,
          keep: keep.classes ? 'own' : 'none',
          onProgress,
        })
      : o.method === 'gradient'
        ? await gradientDirections(model, classifier, specs, {
            num: o.num!,
            firstSeed: o.seedStart!,
            epsilon: o.epsilon!,
            // null: knobRows' default (the rows after the coarse styles); 'all': every row
            ...(o.layers === null ? {} : { layers: o.layers === 'all' ? null : [o.layers[0], o.layers[1]] }),
            keepClasses: keep.classes,
            keepAttributes: keep.attributes,
            onProgress,
          })
        : await discoverAttributeDirections(model, classifier, specs, {
            num: o.num!,
            space: o.space!,
            method: o.method as 'svm' | 'ridge',
            firstSeed: o.seedStart!,
            psi: o.trunc!,
            ratio: o.ratio ?? undefined,
            split: o.split!,
            svmC: o.svmC ?? undefined,
            alpha: o.alpha ?? undefined,
            keepClasses: keep.classes,
            keepAttributes: keep.attributes,
            onProgress,
          });
  } else {
    const model = await modelOf(o.model, hooks);
    const classifier = await classifierOf(o, hooks);
    const attributes = parseClassAttributes(o.attributes!, classifier.labelNames);
    info(
      `InterFaceGAN: ${o.num} ${o.space!.toUpperCase()} samples of ${model.name} labelled by ${classifier.name}; attributes ${attributes.map((a) => a.name).join(', ')}`,
    );
    set = (
      await interfacegan(model, classifier, attributes, {
        ratio: o.ratio!,
        split: o.split!,
        svm: { c: o.svmC! },
        num: o.num!,
        space: o.space!,
        firstSeed: o.seedStart!,
        psi: o.trunc!,
        onProgress,
      })
    ).set;
  }
  return { set: await finish(o.out, set, hooks), values: null, figure: null };
}
