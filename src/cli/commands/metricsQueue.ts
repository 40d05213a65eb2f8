import type { ReferenceStats } from '../../index.js';
import type { Classifier, NoiseMode } from '../../index.js';
import { ArgumentError } from '../../index.js';
import type { ParsedFlags } from '../args.js';
import { integer } from '../subcommand.js';

/** `metrics fcd --queue`: the generated images' features computed by `latentlab worker`s in seed ranges. */
export async function fcdFromQueue(
  flags: ParsedFlags,
  paths: { model: string; classifier: string },
  classifier: Classifier,
  reference: ReferenceStats,
  o: { num: number; firstSeed: number; psi: number; noiseMode: NoiseMode; batchSize: number },
  out: (line: string) => void,
) {
  if (o.noiseMode === 'random')
    throw new ArgumentError(
      'metrics fcd --queue: --noise-mode random draws noise per process; use const or none',
    );
  const { bundleRef, fcdOnQueue } = await import('../../jobs/queue/index.js');
  const size = integer(flags, 'shard-size', 1000, 'metrics fcd', 1);
  out(`  on the queue: shards of ${size} images (whole batches of ${o.batchSize})`);
  return fcdOnQueue(
    {
      url: String(flags.queue),
      model: bundleRef(paths.model),
      classifier: bundleRef(paths.classifier),
      num: o.num,
      firstSeed: o.firstSeed,
      options: { psi: o.psi, noiseMode: o.noiseMode, batchSize: o.batchSize },
      shardSize: size,
      log: (line) => process.stderr.write(`${line}\n`),
    },
    classifier,
    reference,
  );
}
