import {
  CONDITIONAL_SPEC,
  type ConditionalRunOptions,
  DIRECTIONS_INFO_SPEC,
  type DirectionsInfoOptions,
  directionModelFacts,
  discoverConditional,
  discoverInterfacegan,
  type GanModel,
  ArgumentError,
  INTERFACEGAN_SPEC,
  parseClassAttributes,
  readClassifierBundle,
  writeDirections,
  type InterfaceganRunOptions,
  loadModel,
  readDirections,
  resolveConditionalOptions,
  resolveDirectionsInfoOptions,
  resolveInterfaceganOptions,
} from '../../index.js';
import { type Command, type TableSubcommand, tableSubcommands } from '../command.js';
import { reportAttributes, reportBoundaries } from './directionsAttributes.js';
import { interfaceganFromQueue, QUEUE_TRANSPORT, queueFlagsOf } from './directionsQueue.js';
import { evalSubcommand, ganspaceSubcommand, jacobianSubcommand, progressLines, reportDiscovered, sefaSubcommand, styleSpaceSubcommand } from './directionsMethods.js';

const interfaceganSubcommand: TableSubcommand = {
  summary: 'Linear-SVM boundaries (InterFaceGAN): classes, attribute knobs (image measures, logits) kept within class, or a score file',
  usage:
    'latentlab directions interfacegan --model M --classifier C --attributes "Trouser,Bag,shoes=Sandal+Sneaker" [--space w] [--num 20000] [--ratio 0.02] --out dirs.safetensors | --model M --classifier C --attribute brightness,width,logit:Sneaker [--method gradient|svm|ridge] [--layers 3-7|all] [--keep class|ATTR,...|none] --out knobs.safetensors | --codes codes.npy --scores scores.csv --out ... | --model M --scores seeds.csv (a seed column) --out ...',
  spec: INTERFACEGAN_SPEC,
  transport: QUEUE_TRANSPORT('samples (rounded up to whole chunks of 500)', 1000),
  async run(partial, out, transport) {
    const p = partial as Partial<InterfaceganRunOptions>;
    // the codes of --codes name their own space; every other input samples the model
    const model: GanModel | undefined = p.codes ? undefined : p.model ? await loadModel(p.model) : undefined;
    const o = resolveInterfaceganOptions(p, model ? directionModelFacts(model) : null);
    if (transport.queue !== undefined) {
      const flag = { attributes: 'attribute', codes: 'codes', 'seed-scores': 'scores', classes: null }[o.mode];
      if (flag)
        throw new ArgumentError(`directions interfacegan --queue: --${flag} is not supported on the queue; run without --queue`);
      const classifier = await readClassifierBundle(o.classifier!);
      const attributes = parseClassAttributes(o.attributes!, classifier.labelNames);
      const run = { ratio: o.ratio!, split: o.split!, svm: { c: o.svmC! }, num: o.num!, space: o.space!, firstSeed: o.seedStart!, psi: o.trunc! };
      const set = await interfaceganFromQueue({ ...queueFlagsOf(transport), model: o.model!, classifier: o.classifier! }, model!, classifier, attributes, run, out);
      await writeDirections(o.out, set);
      reportBoundaries(set, out);
      out(`wrote ${o.out}`);
      return;
    }
    const r = await discoverInterfacegan(o, {
      model,
      onInfo: out,
      onProgress: progressLines(out, o.mode === 'attributes' ? 'scored' : 'labelled'),
    });
    if (o.mode === 'attributes' || o.mode === 'seed-scores') reportAttributes(r.set, out);
    else reportBoundaries(r.set, out);
    reportDiscovered(r, o.out, out);
  },
};

const conditionalSubcommand: TableSubcommand = {
  summary: 'Remove one or many conditioning directions from a primary one (least-squares projection)',
  usage:
    'latentlab directions conditional --primary dirs.safetensors#Trouser --condition dirs.safetensors#Dress,dirs.safetensors#Bag --out trouser-cond.safetensors',
  spec: CONDITIONAL_SPEC,
  async run(partial, out) {
    const o = resolveConditionalOptions(partial as Partial<ConditionalRunOptions>);
    reportDiscovered(await discoverConditional(o, { onInfo: out }), o.out, out);
  },
};

const infoSubcommand: TableSubcommand = {
  summary: 'Print what a direction file holds (any supported format)',
  usage: 'latentlab directions info FILE [--space w|z]',
  spec: DIRECTIONS_INFO_SPEC,
  async run(partial, out) {
    const { file, space } = resolveDirectionsInfoOptions(partial as Partial<DirectionsInfoOptions>);
    const set = await readDirections(file, { space });
    const [k, dim] = set.vectors.shape;
    const { method, ...rest } = set.provenance;
    out(
      `${file}: ${k} ${set.space.toUpperCase()}-space direction(s) of dimension ${dim}, method ${method}${set.model ? `, model ${set.model.name} (${set.model.contentHash.slice(0, 12)})` : ''}`,
    );
    out(`layers: ${set.space === 's' ? 'style channels (StyleSpace offsets)' : set.layers ? `ws rows ${set.layers[0]}-${set.layers[1] - 1}` : 'all'}${set.mean ? '; has a mean' : ''}`);
    set.labels.forEach((label, i) =>
      out(
        `  ${String(i).padStart(3)} ${label.padEnd(16)} sigma ${set.sigma[i] === null ? '-' : set.sigma[i]!.toFixed(4)}${set.intercept ? `  intercept ${set.intercept[i].toFixed(4)}` : ''}`,
      ),
    );
    const brief = Object.entries(rest).filter(([, v]) => typeof v !== 'object' || v === null);
    if (brief.length) out(`provenance: ${brief.map(([key, v]) => `${key}=${String(v)}`).join(', ')}`);
  },
};

export const directionsCommand: Command = tableSubcommands('directions', 'Find semantic directions and evaluate them', [
  interfaceganSubcommand,
  conditionalSubcommand,
  ganspaceSubcommand,
  sefaSubcommand,
  jacobianSubcommand,
  styleSpaceSubcommand,
  evalSubcommand,
  infoSubcommand,
]);
