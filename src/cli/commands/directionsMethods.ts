import {
  type DirectionSet,
  type Discovered,
  DIRECTIONS_EVAL_SPEC,
  type DirectionsEvalOptions,
  directionModelFacts,
  discoverGanspace,
  discoverJacobian,
  discoverSefa,
  evaluateDirectionFile,
  GANSPACE_SPEC,
  type GanspaceRunOptions,
  JACOBIAN_SPEC,
  type JacobianRunOptions,
  loadModel,
  requireModelPath,
  resolveDirectionsEvalOptions,
  resolveGanspaceOptions,
  resolveJacobianOptions,
  resolveSefaOptions,
  SEFA_SPEC,
  type SefaRunOptions,
  discoverStyleSpace,
  resolveStyleSpaceOptions,
  STYLESPACE_SPEC,
  type StyleSpaceRunOptions,
  writeDirections,
} from '../../index.js';
import type { TableSubcommand } from '../command.js';
import { printAttributeEval } from './directionsAttributes.js';
import { ganspaceFromQueue, QUEUE_TRANSPORT, queueFlagsOf } from './directionsQueue.js';

/** Progress lines at most every 10 s (and at the end). */
export function progressLines(out: (line: string) => void, what: string) {
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
  for (let i = 0; i < Math.min(max, values.length); i++)
    out(`  ${set.labels[i].padEnd(8)} ${what} ${values[i].toPrecision(6)}${set.sigma[i] !== null ? `  sigma ${set.sigma[i]!.toFixed(4)}` : ''}`);
  if (values.length > max) out(`  ... ${values.length - max} more`);
}

/** What a discovery prints after its run: the components' figures and the file written. */
export function reportDiscovered(r: Discovered, file: string, out: (line: string) => void): void {
  if (r.values && r.figure) listComponents(r.set, r.values, r.figure, out);
  out(`wrote ${file}`);
}

export const ganspaceSubcommand: TableSubcommand = {
  summary: 'PCA of W (or Z) over many samples; components with their standard deviations (GANSpace)',
  usage: 'latentlab directions ganspace --model M [--num 100000] [--components 80] [--space w] --out pca.npz|pca.safetensors',
  spec: GANSPACE_SPEC,
  transport: QUEUE_TRANSPORT('samples (rounded up to whole chunks of 10000)', 10_000),
  async run(partial, out, transport) {
    const model = await loadModel(requireModelPath(partial, 'directions ganspace'));
    const o = resolveGanspaceOptions(partial as Partial<GanspaceRunOptions>, directionModelFacts(model));
    if (transport.queue !== undefined) {
      out(`GANSpace: PCA of ${o.num} ${o.space.toUpperCase()} samples of ${model.name}`);
      const run = { num: o.num, space: o.space, firstSeed: o.seedStart, components: o.components };
      const { set, pca } = await ganspaceFromQueue({ ...queueFlagsOf(transport), model: o.model }, model, run, out);
      await writeDirections(o.out, set);
      reportDiscovered({ set, values: pca.stdev, figure: 'std' }, o.out, out);
      return;
    }
    const r = await discoverGanspace(o, { model, onInfo: out, onProgress: progressLines(out, 'sampled') });
    reportDiscovered(r, o.out, out);
  },
};

export const sefaSubcommand: TableSubcommand = {
  summary: 'Closed-form factorisation of the style (affine) weights (SeFa)',
  usage: 'latentlab directions sefa --model M [--preset genforce|rosinality] [--layers 0-3] [--components 16] [--sigma-samples 10000] --out sefa.safetensors',
  spec: SEFA_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'directions sefa'));
    const o = resolveSefaOptions(partial as Partial<SefaRunOptions>, directionModelFacts(model));
    reportDiscovered(await discoverSefa(o, { model, onInfo: out }), o.out, out);
  },
};

export const jacobianSubcommand: TableSubcommand = {
  summary: "Top right-singular vectors of the generator's Jacobian at a latent (locally most image-changing)",
  usage: 'latentlab directions jacobian --model M --seed 0 [--trunc 0.7] [--layers 0-3] [--components 8] --out jac.safetensors',
  spec: JACOBIAN_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'directions jacobian'));
    const o = resolveJacobianOptions(partial as Partial<JacobianRunOptions>, directionModelFacts(model));
    reportDiscovered(await discoverJacobian(o, { model, onInfo: out }), o.out, out);
  },
};

export const styleSpaceSubcommand: TableSubcommand = {
  summary: "StyleSpace (S = every layer's styles A(w)): attribute knobs on a few locally-active channels, or class directions",
  usage:
    'latentlab directions stylespace --model M --classifier C --attribute brightness,texture [--channels 1|10|all] [--num 3000] --out s-knobs.safetensors | --classes [--channels all|10] [--nearest 2] [--balanced] [--num 1000] --out s-classes.safetensors',
  spec: STYLESPACE_SPEC,
  async run(partial, out) {
    const o = resolveStyleSpaceOptions(partial as Partial<StyleSpaceRunOptions>);
    const set = await discoverStyleSpace(o, { onInfo: out, onProgress: progressLines(out, 'sampled') });
    const attrs = (set.provenance.attributes ?? (set.provenance.from as { attributes?: unknown })?.attributes) as { channels?: unknown }[] | undefined;
    set.labels.forEach((label, i) => {
      const ch = attrs?.[i]?.channels;
      const list = Array.isArray(ch) ? ch.map((c) => (typeof c === 'string' ? c : (c as { channel: string }).channel)).join(', ') : 'every channel';
      out(`  ${label.padEnd(16)} sigma ${set.sigma[i]!.toFixed(4)}  ${list}`);
    });
    out(`wrote ${o.out}`);
  },
};

export const evalSubcommand: TableSubcommand = {
  summary: 'What each direction changes and keeps: own attribute (std units), class kept, other attributes; class-probability matrix',
  usage:
    'latentlab directions eval --model M --classifier C [--judge J] --directions dirs.safetensors [--components a,b] [--num 200] [--strength 2] [--strengths 1,2] [--units sigma] [--record] [--json FILE]',
  spec: DIRECTIONS_EVAL_SPEC,
  async run(partial, out) {
    const o = resolveDirectionsEvalOptions(partial as Partial<DirectionsEvalOptions>);
    const { preservation, classes: r } = await evaluateDirectionFile(o);
    printAttributeEval(preservation, out);
    if (o.record) out(`recorded the preservation figures in ${o.directions}`);
    if (r) {
      const short = r.classNames.map((n) => n.slice(0, 7).padStart(8)).join('');
      out(`change of class probability per unit (${r.units}) from 0 to S = ${r.strength}, ${r.num} latents`);
      out(`${'direction'.padEnd(16)}${short}   target  max other  ratio  feat. change`);
      for (const row of r.rows) {
        const cells = row.slopes.map((v) => v.toFixed(3).padStart(8)).join('');
        const tail =
          row.targetSlope === null
            ? '      -          -      -'
            : `${row.targetSlope.toFixed(3).padStart(8)}  ${row.maxOtherSlope.toFixed(3).padStart(8)}  ${row.ratio!.toFixed(2).padStart(5)}`;
        out(`${row.label.slice(0, 15).padEnd(16)}${cells} ${tail}  ${row.featureChange.toFixed(3).padStart(8)}`);
      }
    }
    if (o.json) out(`wrote ${o.json}`);
  },
};
