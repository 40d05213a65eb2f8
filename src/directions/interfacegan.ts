import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { RandomState } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { type DirectionSet, type DirectionSpace, makeDirectionSet, rowsStd } from './direction.js';
import { attributeScores, type LabelledSamples, sampleLabelled } from './labelled.js';
import { type LinearSvmOptions, fitLinearSvm, svmAccuracy } from './svm.js';

export interface BoundaryOptions {
  /** Fraction of samples kept at each end of the score ranking (InterFaceGAN's 0.02). */
  ratio?: number;
  /** Training share of the kept samples, the rest validates (InterFaceGAN's 0.7). */
  split?: number;
  /** Seed of the train/val shuffle (default 0). */
  seed?: number;
  svm?: LinearSvmOptions;
}

export interface Boundary {
  /** Unit normal n [dim], pointing towards higher scores. */
  normal: Float64Array;
  /** Offset of the separating hyperplane for the unit normal: n·x + intercept = 0 on it. */
  intercept: number;
  trainAccuracy: number;
  valAccuracy: number;
  /** Accuracy on all samples outside the kept ends, against the score's median (InterFaceGAN's "remaining" check). */
  remainingAccuracy: number;
  counts: { positive: number; negative: number; train: number; val: number };
  svm: { epochs: number; converged: boolean; supportVectors: number; c: number };
}

/**
 * InterFaceGAN's train_boundary: rank samples by score, keep the top and bottom `ratio` as
 * positives and negatives, shuffle each and split `split` / 1 − split into train and validation,
 * fit a linear SVM on train, report accuracies, and return the unit normal (and intercept).
 * `codes` is [N, dim] (any float dtype), `scores` one value per row.
 */
export function trainBoundary(codes: Tensor, scores: ArrayLike<number>, opts: BoundaryOptions = {}): Boundary {
  const ratio = opts.ratio ?? 0.02;
  const split = opts.split ?? 0.7;
  if (codes.rank !== 2) throw new ShapeError(`trainBoundary: codes must be [N, dim], got ${formatShape(codes.shape)}`);
  const [n, dim] = codes.shape;
  if (scores.length !== n) throw new ShapeError(`trainBoundary: ${scores.length} scores for ${n} latent codes`);
  if (!(ratio > 0 && ratio <= 0.5)) throw new ArgumentError(`trainBoundary: ratio must be in (0, 0.5], got ${ratio}`);
  if (!(split > 0 && split < 1)) throw new ArgumentError(`trainBoundary: split must be in (0, 1), got ${split}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new ArgumentError(`trainBoundary: score ${i} is ${scores[i]}`);
  const kept = Math.floor(n * ratio);
  const trainPer = Math.floor(kept * split);
  if (trainPer < 1 || kept - trainPer < 1)
    throw new ArgumentError(`trainBoundary: ${n} samples at ratio ${ratio} keep ${kept} per side: too few to train and validate (use more samples)`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const rng = new RandomState(opts.seed ?? 0);
  const shuffle = (rows: number[]) => rng.permutation(rows.length).map((i) => rows[i]);
  const pos = shuffle(order.slice(0, kept));
  const neg = shuffle(order.slice(n - kept));
  const x = codes.toFloat64().data;
  const gather = (rows: number[]) => {
    const out = new Float64Array(rows.length * dim);
    rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
    return out;
  };
  const trainRows = [...pos.slice(0, trainPer), ...neg.slice(0, trainPer)];
  const trainLabels = [...pos.slice(0, trainPer).map(() => 1), ...neg.slice(0, trainPer).map(() => -1)];
  const valRows = [...pos.slice(trainPer), ...neg.slice(trainPer)];
  const valLabels = [...pos.slice(trainPer).map(() => 1), ...neg.slice(trainPer).map(() => -1)];
  const c = opts.svm?.c ?? 1;
  const svm = fitLinearSvm(gather(trainRows), trainLabels, dim, { ...opts.svm, c });
  const trainAccuracy = svmAccuracy(svm, gather(trainRows), trainLabels);
  const valAccuracy = svmAccuracy(svm, gather(valRows), valLabels);
  // InterFaceGAN also scores the middle samples, labelled by which side of the median they fall.
  const middle = order.slice(kept, n - kept);
  const median = scores[order[Math.floor(n / 2)]];
  const remainingAccuracy = middle.length
    ? svmAccuracy(svm, gather(middle), middle.map((r) => (scores[r] >= median ? 1 : -1)))
    : Number.NaN;
  let len = 0;
  for (const v of svm.weights) len += v * v;
  len = Math.sqrt(len);
  if (!(len > 0)) throw new ArgumentError('trainBoundary: the SVM found no separating direction (all weights zero)');
  return {
    normal: svm.weights.map((v) => v / len),
    intercept: svm.bias / len,
    trainAccuracy,
    valAccuracy,
    remainingAccuracy,
    counts: { positive: kept, negative: kept, train: trainRows.length, val: valRows.length },
    svm: { epochs: svm.epochs, converged: svm.converged, supportVectors: svm.supportVectors, c },
  };
}

export interface Attribute {
  name: string;
  /** Classifier classes whose summed probability is the attribute (scores from a file: unused). */
  classes?: number[];
  /** One score per latent (from a file); when absent the classifier scores the attribute. */
  scores?: ArrayLike<number>;
}

export interface BoundarySetOptions extends BoundaryOptions {
  space: DirectionSpace;
  model?: { name: string; contentHash: string };
  /** Provenance extras (sample count, seeds, psi...). */
  source?: Record<string, unknown>;
}

/**
 * One boundary per attribute over the same latent codes [N, dim], as a direction set whose sigma
 * is the codes' std along each normal (so 'sigma' edits move by the sampled spread).
 */
export function boundarySet(codes: Tensor, attributes: readonly Attribute[], o: BoundarySetOptions): { set: DirectionSet; boundaries: Boundary[] } {
  if (!attributes.length) throw new ArgumentError('InterFaceGAN: give at least one attribute');
  const boundaries = attributes.map((a) => {
    if (!a.scores) throw new ArgumentError(`InterFaceGAN: attribute '${a.name}' has no scores`);
    return trainBoundary(codes, a.scores, o);
  });
  const rows = boundaries.map((b) => b.normal);
  const sigma = rowsStd(codes, rows);
  const set = makeDirectionSet(rows, {
    space: o.space,
    labels: attributes.map((a) => a.name),
    sigma,
    intercept: boundaries.map((b) => b.intercept),
    model: o.model,
    provenance: {
      method: 'interfacegan',
      ratio: o.ratio ?? 0.02,
      split: o.split ?? 0.7,
      ...o.source,
      attributes: attributes.map((a, i) => ({
        name: a.name,
        classes: a.classes ?? null,
        valAccuracy: boundaries[i].valAccuracy,
        trainAccuracy: boundaries[i].trainAccuracy,
        remainingAccuracy: boundaries[i].remainingAccuracy,
        counts: boundaries[i].counts,
        svm: boundaries[i].svm,
      })),
    },
  });
  return { set, boundaries };
}

export interface InterfaceganOptions extends BoundaryOptions {
  /** Latents sampled (seeds firstSeed..). */
  num?: number;
  firstSeed?: number;
  /** Boundaries in W (default) or Z. */
  space?: DirectionSpace;
  psi?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * InterFaceGAN on a generator: sample latents, label each image with the classifier (an
 * attribute = a class or a group of classes, scored by its log-probability), then one linear-SVM
 * boundary per attribute (see trainBoundary).
 */
export async function interfacegan(
  model: GanModel,
  classifier: Classifier,
  attributes: readonly Attribute[],
  o: InterfaceganOptions = {},
): Promise<{ set: DirectionSet; boundaries: Boundary[]; samples: LabelledSamples }> {
  const num = o.num ?? 20_000;
  const space = o.space ?? 'w';
  const samples = await sampleLabelled(model, classifier, { num, firstSeed: o.firstSeed, psi: o.psi, onProgress: o.onProgress });
  const codes = space === 'w' ? samples.w : samples.z;
  if (!codes) throw new ArgumentError(`InterFaceGAN: ${model.name} has no W space; use space 'z'`);
  const fit = fitInterfacegan(codes, samples, attributes, {
    ...o,
    model: { name: model.name, contentHash: model.manifest.contentHash },
    classifier: classifier.name,
  });
  return { ...fit, samples };
}

export interface InterfaceganFitOptions extends InterfaceganOptions {
  model: { name: string; contentHash: string };
  /** The labelling classifier's name (provenance). */
  classifier: string;
}

/**
 * The boundaries of labelled samples (codes [N, dim] of seeds firstSeed..; class log-probabilities [N, K]):
 * the second half of `interfacegan`, also run on the samples of a sharded run joined in seed order.
 */
export function fitInterfacegan(
  codes: Tensor,
  labels: Pick<LabelledSamples, 'logProbs' | 'numClasses'>,
  attributes: readonly Attribute[],
  o: InterfaceganFitOptions,
): { set: DirectionSet; boundaries: Boundary[] } {
  const num = o.num ?? 20_000;
  if (codes.rank !== 2 || codes.shape[0] !== num || labels.logProbs.length !== num * labels.numClasses)
    throw new ShapeError(`InterFaceGAN: ${num} samples expected, got codes ${formatShape(codes.shape)} and ${labels.logProbs.length / labels.numClasses} labels`);
  const scored = attributes.map((a) => ({ ...a, scores: a.scores ?? attributeScores(labels, a.classes ?? []) }));
  return boundarySet(codes, scored, {
    ...o,
    space: o.space ?? 'w',
    source: { samples: num, firstSeed: o.firstSeed ?? 0, psi: o.psi ?? 1, classifier: o.classifier, score: 'log p(attribute classes)' },
  });
}
