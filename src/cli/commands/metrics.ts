import { join } from 'node:path';
import { ArgumentError, FCD_SPEC, type FcdOptions, measureFcd, parseOptionArgs, resolveFcdOptions } from '../../index.js';
import type { ClassConfidence } from '../../index.js';
import { MANIFEST_FILE } from '../../index.js';
import { type FlagSpec, type ParsedFlags, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { conditioningMetric, pplMetric } from './metricsPaths.js';
import { queueFlagsOf } from './directionsQueue.js';
import { fcdFromQueue } from './metricsQueue.js';

/**
 * `latentlab metrics <metric> [flags]`: one verb, one entry per metric in METRICS. A metric lists
 * its flags (they join the verb's list; flags of other metrics are refused by name) and runs.
 */
export interface MetricSubcommand {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  run(flags: ParsedFlags, out: (line: string) => void): Promise<void>;
}

const fcdMetric: MetricSubcommand = {
  name: 'fcd',
  summary:
    "Fréchet classifier distance between a generator's images and a test set, in a classifier's feature space",
  usage:
    'latentlab metrics fcd --model GENERATOR --classifier DIR [--num 10000] [--data fashion-mnist|DIR] [--trunc 1] [--seed-start 0] [--json FILE] [--record]',
  // parsed by FCD_SPEC (runArgv below); listed for the verb's help and flag union
  flags: FCD_SPEC.options.map((o) => ({
    name: o.flag,
    type: o.kind === 'boolean' ? ('boolean' as const) : o.kind === 'number' ? ('number' as const) : ('string' as const),
    help: o.help,
  })),
  async run() {
    throw new Error('metrics fcd: runs through its option table');
  },
};

/** `metrics fcd`: flags -> partial options -> resolveFcdOptions -> measureFcd. */
async function runFcd(argv: readonly string[], out: (line: string) => void): Promise<void> {
  // --queue / --shard-size: where the generated side runs, not part of the options
  const rest: string[] = [];
  const transport: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = ['queue', 'shard-size'].find((n) => argv[i] === `--${n}` || argv[i].startsWith(`--${n}=`));
    if (!name) rest.push(argv[i]);
    else if (argv[i].includes('=')) transport[name] = argv[i].slice(argv[i].indexOf('=') + 1);
    else transport[name] = argv[++i] ?? '';
  }
  const o = resolveFcdOptions(parseOptionArgs(FCD_SPEC, rest) as Partial<FcdOptions>);
  const queue = transport.queue !== undefined;
  const { result: r, reference: refStats, classifier, model } = await measureFcd(o, {
    onStart: out,
    generated: queue
      ? (c, ref, run) => fcdFromQueue(queueFlagsOf(transport), { model: o.model, classifier: o.classifier }, c, ref, run, out)
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
  if (o.json) out(`wrote ${o.json}`);
  if (o.record) out(`recorded fcd and classifierConfidence in ${join(o.model, MANIFEST_FILE)}`);
  await model.release();
}

function pct(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

function classShares(c: ClassConfidence, labels: readonly string[]): string {
  return c.classShares.map((s, i) => `${labels[i] ?? i} ${pct(s)}`).join(', ');
}

/** Metrics by subcommand name; 'ppl' and 'conditioning' register here. */
export const METRICS: Readonly<Record<string, MetricSubcommand>> = {
  fcd: fcdMetric,
  ppl: pplMetric,
  conditioning: conditioningMetric,
};

function allFlags(): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const f of Object.values(METRICS).flatMap((m) => m.flags)) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

export const metricsCommand: Command = {
  name: 'metrics',
  summary: `Measure a generator (${Object.keys(METRICS).join(', ')})`,
  usage: ['latentlab metrics <metric> [flags]', ...Object.values(METRICS).map((m) => `  ${m.usage}`)].join(
    '\n',
  ),
  flags: allFlags(),
  runArgv(argv, out) {
    if (argv[0] === 'fcd') return runFcd(argv.slice(1), out);
    return metricsCommand.run(parseArgs([...argv], allFlags(), 'metrics'), out);
  },
  async run({ flags, positionals }, out) {
    const [name, ...extra] = positionals;
    const metric = name === undefined ? undefined : METRICS[name];
    if (!metric) {
      throw new ArgumentError(
        `metrics: ${name === undefined ? 'which metric?' : `unknown metric '${name}'`} (one of: ${Object.keys(METRICS).join(', ')})`,
      );
    }
    if (extra.length) throw new ArgumentError(`metrics ${name}: unexpected argument '${extra[0]}'`);
    const accepted = new Set(metric.flags.map((f) => f.name));
    for (const [k, v] of Object.entries(flags)) {
      if (v !== undefined && !accepted.has(k))
        throw new ArgumentError(`metrics ${name}: --${k} is not a ${name} flag`);
    }
    await metric.run(flags, out);
  },
};
