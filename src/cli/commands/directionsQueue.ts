import type {
  Attribute,
  Classifier,
  DirectionSet,
  GanModel,
  InterfaceganFitOptions,
  PcaResult,
} from '../../index.js';
import { ArgumentError } from '../../index.js';
import type { FlagSpec, ParsedFlags } from '../args.js';
import { integer, requireString } from '../subcommand.js';

// `directions interfacegan | ganspace --queue` and `metrics fcd --queue`: the verbs' runs sharded by seed range
// over `latentlab worker`s (README: Scale out). The commands parse their flags as for a local run and hand the
// same options here; the result is the single-process one, bit for bit.

/** The flags a seeded batch verb gains for the queue. */
export function queueFlags(defaultShard: number, unit: string, withDefault = true): FlagSpec[] {
  return [
    {
      name: 'queue',
      type: 'string',
      help: 'redis://HOST:PORT: seed ranges for `latentlab worker`s, joined here; same file as a local run with --threads 1 (README: Scale out)',
    },
    withDefault
      ? { name: 'shard-size', type: 'number', help: `${unit} per queued task`, default: defaultShard }
      : { name: 'shard-size', type: 'number', help: `${unit} per queued task (default ${defaultShard})` },
  ];
}

const stderrLog = (line: string) => process.stderr.write(`${line}\n`);

function shardSize(flags: ParsedFlags, where: string, dflt: number): number {
  return integer(flags, 'shard-size', dflt, where, 1);
}

/** Modes of `directions interfacegan` that do not sample seeds cannot be sharded. */
export function refuseUnshardable(flags: ParsedFlags, where: string, names: readonly string[]): void {
  if (!flags.queue) return;
  for (const n of names)
    if (flags[n] !== undefined && flags[n] !== false)
      throw new ArgumentError(`${where} --queue: --${n} is not supported on the queue; run without --queue`);
}

export async function interfaceganFromQueue(
  flags: ParsedFlags,
  model: GanModel,
  classifier: Classifier,
  attributes: readonly Attribute[],
  options: Omit<InterfaceganFitOptions, 'model' | 'classifier'>,
  out: (line: string) => void,
): Promise<DirectionSet> {
  const where = 'directions interfacegan';
  if (options.space === 'w' && !model.hasWSpace)
    throw new ArgumentError(`${where}: ${model.name} has no W space; use --space z`);
  const { bundleRef, interfaceganOnQueue } = await import('../../jobs/queue/index.js');
  const size = shardSize(flags, where, 1000);
  out(`  on the queue: shards of ${size} samples (whole chunks of 500)`);
  const { set } = await interfaceganOnQueue({
    url: String(flags.queue),
    model: bundleRef(requireString(flags, 'model', where)),
    classifier: bundleRef(requireString(flags, 'classifier', where)),
    attributes,
    options: {
      ...options,
      model: { name: model.name, contentHash: model.manifest.contentHash },
      classifier: classifier.name,
    },
    shardSize: size,
    log: stderrLog,
  });
  return set;
}

export async function ganspaceFromQueue(
  flags: ParsedFlags,
  model: GanModel,
  o: { num: number; firstSeed: number; space: 'w' | 'z'; components?: number },
  out: (line: string) => void,
): Promise<{ set: DirectionSet; pca: PcaResult }> {
  const where = 'directions ganspace';
  const { bundleRef, ganspaceOnQueue } = await import('../../jobs/queue/index.js');
  const size = shardSize(flags, where, 10_000);
  out(`  on the queue: shards of ${size} samples (whole chunks of 10000)`);
  return ganspaceOnQueue(
    {
      url: String(flags.queue),
      model: bundleRef(requireString(flags, 'model', where)),
      ...o,
      shardSize: size,
      log: stderrLog,
    },
    { name: model.name, contentHash: model.manifest.contentHash },
  );
}

/** --queue and --shard-size: where a seeded discovery runs (README: Scale out), not part of its options. */
export function QUEUE_TRANSPORT(unit: string, shard: number) {
  return [
    {
      name: 'queue',
      help: 'redis://HOST:PORT: seed ranges for `latentlab worker`s, joined here; same file as a local run with --threads 1 (README: Scale out)',
    },
    { name: 'shard-size', help: `${unit} per queued task (default: ${shard})` },
  ];
}

/** The transport flags as the queue helpers read them. */
export function queueFlagsOf(t: Record<string, string>): ParsedFlags {
  const size = t['shard-size'];
  const n = size === undefined ? undefined : Number(size);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1))
    throw new ArgumentError(`--shard-size must be a positive integer, got '${size}'`);
  return { queue: t.queue, 'shard-size': n };
}
