import { join } from 'node:path';
import { FCD_SPEC, type FcdOptions, measureFcd, resolveFcdOptions } from '../../index.js';
import { type ClassConfidence, MANIFEST_FILE } from '../../index.js';
import { type Command, type TableSubcommand, tableSubcommands } from '../command.js';
import { conditioningSubcommand, pplSubcommand } from './metricsPaths.js';
import { QUEUE_TRANSPORT, queueFlagsOf } from './directionsQueue.js';
import { fcdFromQueue } from './metricsQueue.js';

/** `metrics fcd`: flags -> partial options -> resolveFcdOptions -> measureFcd. */
const fcdSubcommand: TableSubcommand = {
  summary:
    "Fréchet classifier distance between a generator's images and a test set, in a classifier's feature space",
  usage:
    'latentlab metrics fcd --model GENERATOR --classifier DIR [--num 10000] [--data fashion-mnist|DIR] [--trunc 1] [--seed-start 0] [--json FILE] [--record]',
  spec: FCD_SPEC,
  // where the generated side runs, not part of the options
  transport: QUEUE_TRANSPORT('generated images', 1000),
  async run(partial, out, transport) {
    const o = resolveFcdOptions(partial as Partial<FcdOptions>);
    const queue = transport.queue !== undefined;
    const { result: r, reference: refStats, classifier, model } = await measureFcd(o, {
      onStart: out,
      generated: queue
        ? (c, ref, run) =>
            fcdFromQueue(queueFlagsOf(transport), { model: o.model, classifier: o.classifier }, c, ref, run, out)
        : undefined,
    });
    const [cf, cr] = [r.confidence, refStats.confidence];
    out(
      `fcd ${r.value.toFixed(4)}  (mean term ${r.meanTerm.toFixed(4)}, covariance term ${r.covTerm.toFixed(4)}; ${r.seconds.toFixed(1)} s)`,
    );
    out(
      `classifier confidence ${cf.meanTopProbability.toFixed(3)} (reference images ${cr.meanTopProbability.toFixed(3)}); above ${cf.threshold}: ${pct(cf.confidentShare)} (reference ${pct(cr.confidentShare)})`,
    );
    out(`predicted classes: ${classShares(cf, classifier.labelNames)}`);
    if (cf.ambiguousPairs.length > 0) out(`unsure images hesitate between: ${ambiguousPairs(cf, cr, classifier.labelNames)}`);
    if (o.json) out(`wrote ${o.json}`);
    if (o.record) out(`recorded fcd and classifierConfidence in ${join(o.model, MANIFEST_FILE)}`);
    await model.release();
  },
};

function pct(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

function classShares(c: ClassConfidence, labels: readonly string[]): string {
  return c.classShares.map((s, i) => `${labels[i] ?? i} ${pct(s)}`).join(', ');
}

/** The generated images' most common unsure pairs (at most 4), each beside the reference images' share. */
function ambiguousPairs(c: ClassConfidence, ref: ClassConfidence, labels: readonly string[]): string {
  const name = (i: number) => labels[i] ?? String(i);
  return c.ambiguousPairs
    .slice(0, 4)
    .map(({ classes: [a, b], share }) => {
      const r = ref.ambiguousPairs.find((p) => p.classes[0] === a && p.classes[1] === b)?.share ?? 0;
      return `${name(a)} vs ${name(b)} ${pct(share)} (reference ${pct(r)})`;
    })
    .join(', ');
}

/** `latentlab metrics <fcd|ppl|conditioning> [flags]`: one option table per metric, beside its resolver. */
export const metricsCommand: Command = tableSubcommands('metrics', 'Measure a generator', [
  fcdSubcommand,
  pplSubcommand,
  conditioningSubcommand,
]);
