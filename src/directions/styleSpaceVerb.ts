import { ArgumentError } from '../core/errors.js';
import type { VerbSpec } from '../core/options.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { loadModel } from '../models/io/loadModel.js';
import { type AttributeSpec, parseAttributeSpecs } from './attributes.js';
import { balancedClassDirections, conditionOnNearest } from './classGradient.js';
import type { DirectionSet } from './direction.js';
import { intAtLeast, model, out, required, seedStart, where } from './discoverOptions.js';
import { writeDirections } from './files.js';
import { estimateStyleGradients } from './styleSpace.js';
import { exactStyleClassGradients } from './styleSpaceExact.js';
import { isSurrogateMeasure } from './measureGraph.js';
import { exactStyleAttributeGradients, hasExactGradient, mergeStyleEstimates } from './styleSpaceExactAttributes.js';
import { styleAttributeDirections, styleClassDirections } from './styleSpaceDirections.js';

/** `latentlab directions stylespace`: attribute knobs or class directions on StyleSpace channels. */
export interface StyleSpaceRunOptions {
  readonly model: string;
  /** Labelling classifier (logit attributes, class keeping, class directions). */
  readonly classifier: string;
  /** Attributes (as `interfacegan --attribute`), or null with `classes`. */
  readonly attribute: string | null;
  /** Class directions (one per class of the classifier) instead of attribute knobs. */
  readonly classes: boolean;
  /** Style channels per direction, or 'all' (dense: every channel). */
  readonly channels: number | 'all';
  /** Class directions: made orthogonal to this many nearest class directions (0: none). */
  readonly nearest: number;
  /** Class directions: hold the `nearest` classes and take the gain evenly from the others (balancedClassDirections). */
  readonly balanced: boolean;
  readonly num: number;
  /** Attributes: the random-probe estimate for every attribute (default: exact reverse-mode gradients where the attribute has a graph form). */
  readonly probe: boolean;
  /** Samples of the exact attribute gradients. */
  readonly exactNum: number;
  /** Attributes: side effect per channel, class-mean gradient or per-sample RMS (exact attributes). */
  readonly side: 'mean' | 'per-sample';
  readonly epsilon: number;
  readonly seedStart: number;
  readonly out: string;
}

const W = where('stylespace');

export const STYLESPACE_SPEC: VerbSpec = {
  words: ['directions', 'stylespace'],
  options: [
    model(),
    { key: 'classifier', flag: 'classifier', kind: 'string', help: 'labelling classifier bundle' },
    { key: 'attribute', flag: 'attribute', kind: 'string', help: 'attributes: brightness,ink,area,width,height,symmetry,texture,logit:CLASS,prob:CLASS' },
    { key: 'classes', flag: 'classes', kind: 'boolean', help: 'one class direction per class instead of attribute knobs', default: false },
    {
      key: 'channels',
      flag: 'channels',
      kind: 'custom',
      help: "style channels per direction (StyleSpace's locally-active channels) or 'all' (dense)",
      defaultText: 'attributes: 1; classes: all',
      parse: (t) => {
        const v = t === 'all' ? 'all' : Number(t);
        if (v !== 'all' && !(Number.isInteger(v) && v >= 1)) throw new ArgumentError(`${W}: --channels takes a count >= 1 or 'all', got '${t}'`);
        return v;
      },
      format: (v) => String(v),
    },
    { key: 'nearest', flag: 'nearest', kind: 'number', help: 'class directions: conditioned on this many nearest classes', defaultText: 'classes: 2' },
    { key: 'balanced', flag: 'balanced', kind: 'boolean', help: 'class directions: hold the nearest classes and take the gain evenly from the rest', default: false },
    { key: 'num', flag: 'num', kind: 'number', help: 'samples of the gradient estimate (classes: exact gradients per sample)', defaultText: 'attributes: 3000; classes: 1000' },
    { key: 'probe', flag: 'probe', kind: 'boolean', help: 'attributes: the random-probe estimate for every attribute instead of reverse-mode gradients', default: false },
    { key: 'exactNum', flag: 'exact-num', kind: 'number', help: 'attributes: samples of the reverse-mode gradients (brightness, ink, symmetry, texture, logit:, prob:; area, width, height through smooth surrogates)', default: 1000 },
    {
      key: 'side',
      flag: 'side',
      kind: 'custom',
      help: "attributes: a channel's side effect, 'mean' (class-mean gradient of log p(own class)) or 'per-sample' (RMS of the per-sample gradients; exact attributes only)",
      defaultText: 'mean',
      parse: (t) => {
        if (t !== 'mean' && t !== 'per-sample') throw new ArgumentError(`${W}: --side takes mean or per-sample, got '${t}'`);
        return t;
      },
      format: (v) => String(v),
    },
    { key: 'epsilon', flag: 'epsilon', kind: 'number', help: 'attributes: half-width of the central difference, in channel stds', default: 0.05 },
    seedStart(0),
    out('direction file (.safetensors)'),
  ],
};

export function resolveStyleSpaceOptions(p: Partial<StyleSpaceRunOptions>): StyleSpaceRunOptions {
  const classes = p.classes ?? false;
  const attribute = p.attribute ?? null;
  if (classes === (attribute !== null)) throw new ArgumentError(`${W}: give --attribute NAME,... or --classes (one of them)`);
  const channels = p.channels ?? (classes ? 'all' : 1);
  if (channels !== 'all') intAtLeast(channels, 1, 'channels', W);
  const nearest = intAtLeast(p.nearest ?? (classes ? 2 : 0), 0, 'nearest', W);
  if (nearest && !classes) throw new ArgumentError(`${W}: --nearest applies to --classes`);
  const balanced = p.balanced ?? false;
  if (balanced && !classes) throw new ArgumentError(`${W}: --balanced applies to --classes`);
  if (classes && (p.probe || p.side === 'per-sample')) throw new ArgumentError(`${W}: --probe and --side per-sample apply to --attribute (class directions take exact gradients)`);
  const epsilon = p.epsilon ?? 0.05;
  if (!(epsilon > 0)) throw new ArgumentError(`${W}: --epsilon must be positive, got ${epsilon}`);
  const out = required(p.out, 'out', W);
  if (!out.endsWith('.safetensors')) throw new ArgumentError(`${W}: --out must be a .safetensors file (StyleSpace directions keep their channels in its metadata)`);
  return {
    model: required(p.model, 'model', W),
    classifier: required(p.classifier, 'classifier', W),
    attribute,
    classes,
    channels,
    nearest,
    balanced,
    num: intAtLeast(p.num ?? (classes ? 1000 : 3000), 2, 'num', W),
    probe: p.probe ?? false,
    exactNum: intAtLeast(p.exactNum ?? 1000, 2, 'exact-num', W),
    side: p.side ?? 'mean',
    epsilon,
    seedStart: intAtLeast(p.seedStart ?? 0, 0, 'seed-start', W),
    out,
  };
}

async function attributeEstimate(gan: GanModel, classifier: Classifier, specs: AttributeSpec[], o: StyleSpaceRunOptions, onProgress?: (done: number, total: number) => void) {
  const exactSpecs = o.probe ? [] : specs.filter(hasExactGradient);
  const probeSpecs = specs.filter((s) => !exactSpecs.includes(s));
  const exact = exactSpecs.length ? await exactStyleAttributeGradients(gan, classifier, exactSpecs, { num: o.exactNum, firstSeed: o.seedStart, onProgress }) : null;
  const probe = probeSpecs.length ? await estimateStyleGradients(gan, classifier, probeSpecs, { num: o.num, epsilon: o.epsilon, firstSeed: o.seedStart, onProgress }) : null;
  return mergeStyleEstimates(specs, exact, probe);
}

/** `directions stylespace`: one gradient estimate in S, then the chosen channels' directions, written to `out`. */
export async function discoverStyleSpace(
  o: StyleSpaceRunOptions,
  hooks: { model?: GanModel; classifier?: Classifier; onProgress?: (done: number, total: number) => void; onInfo?: (line: string) => void } = {},
): Promise<DirectionSet> {
  const gan = hooks.model ?? (await loadModel(o.model));
  const classifier = hooks.classifier ?? (await readClassifierBundle(o.classifier));
  const specs = o.attribute ? parseAttributeSpecs(o.attribute, classifier.labelNames) : [];
  // Class directions and attributes take reverse-mode gradients (autodiff through generator, measures
  // and labeller); area, width and height (a threshold, quantiles) through their smooth surrogates.
  const est = o.classes
    ? await exactStyleClassGradients(gan, classifier, { num: o.num, firstSeed: o.seedStart, onProgress: hooks.onProgress })
    : await attributeEstimate(gan, classifier, specs, o, hooks.onProgress);
  const surrogates = est.exactSpecs?.filter(isSurrogateMeasure) ?? [];
  const how = est.exactSpecs?.length ? `exact for ${est.exactSpecs.join(', ')} (${est.exactNum} samples${surrogates.length ? `; ${surrogates.join(', ')} through smooth surrogates` : ''})${est.exactSpecs.length < specs.length ? `, probed from ${o.num} samples for the rest` : ''}` : `from ${o.num} samples`;
  hooks.onInfo?.(`StyleSpace of ${gan.name}: ${est.layout.dim} style channels over ${est.layout.layers.length} layers; gradients ${how}, labelled by ${classifier.name}`);
  const channels = o.channels;
  let set = o.classes ? styleClassDirections(est, { channels }) : styleAttributeDirections(est, { channels, side: o.side });
  if (o.classes && o.balanced) set = balancedClassDirections(set, { nearest: o.nearest, samples: est.styles });
  else if (o.classes && o.nearest) set = conditionOnNearest(set, o.nearest, est.styles);
  await writeDirections(o.out, set);
  return set;
}
