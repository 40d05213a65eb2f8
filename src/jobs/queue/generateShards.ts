import { join } from 'node:path';
import { ArgumentError } from '../../core/errors.js';
import { encodePng, toImages, upscale } from '../../formats/image.js';
import { classLabels, mapZ, sampleZ, synthesize } from '../../models/generate.js';
import type { BundleRef } from './bundles.js';
import type { ShardFile } from './projectShards.js';
import { contentId, type Shard } from './submit.js';
import type { TaskHandler } from './worker.js';
import { writeFileAtomic } from '../../formats/atomicFiles.js';

/** `generate` settings that travel with a shard (noise 'random' is drawn per list, so it is not shardable). */
export interface GenerateShardOptions {
  psi: number;
  cutoff: number | null;
  classIndex: number | null;
  noiseMode: 'const' | 'none';
  /** Images per ONNX Runtime call; shards hold a multiple of it, so batches equal a single-process run's. */
  batchSize: number;
  upscale: number;
}

export interface GenerateShardData {
  model: BundleRef;
  options: GenerateShardOptions;
  seeds: number[];
}

/** Seeds in shards of `shardSize` (rounded up to whole batches), in order. */
export function generateShards(
  model: BundleRef,
  options: GenerateShardOptions,
  seeds: readonly number[],
  shardSize: number,
): Shard[] {
  if (!Number.isInteger(shardSize) || shardSize < 1)
    throw new ArgumentError(`shard size must be a positive integer, got ${shardSize}`);
  const size = Math.ceil(shardSize / options.batchSize) * options.batchSize;
  const shards: Shard[] = [];
  for (let i = 0; i < seeds.length; i += size) {
    const part = seeds.slice(i, i + size);
    const data: GenerateShardData = { model, options, seeds: part };
    shards.push({
      id: contentId('generate', { model: model.contentHash, options, seeds: part }),
      task: 'generate',
      data,
      label: `seeds ${part[0]}..${part.at(-1)}`,
    });
  }
  return shards;
}

export const seedFile = (seed: number) => `seed${String(seed).padStart(4, '0')}.png`;

/** Worker side: the CLI's generate for one shard of seeds; PNG bytes back (a 32-px PNG is ~1 KB). */
export const runGenerateShard: TaskHandler = async (raw, ctx, locator) => {
  const { model: ref, options: o, seeds } = raw as GenerateShardData;
  const model = await locator.model(ref);
  const z = sampleZ(model, seeds);
  let img;
  if (model.architecture === 'stylegan2') {
    const c = model.cDim
      ? classLabels(
          model,
          seeds.map(() => o.classIndex ?? 0),
        )
      : undefined;
    const ws = await mapZ(model, z, { psi: o.psi, cutoff: o.cutoff, c });
    img = await synthesize(model, ws, { noiseMode: o.noiseMode, batchSize: o.batchSize });
  } else img = await synthesize(model, z, { batchSize: o.batchSize });
  ctx.checkCancelled();
  const images = toImages(img).map((im) => upscale(im, o.upscale));
  const files: ShardFile[] = [];
  for (let i = 0; i < seeds.length; i++)
    files.push({ name: seedFile(seeds[i]), base64: (await encodePng(images[i])).toString('base64') });
  ctx.report({ step: seeds.length, total: seeds.length });
  return { files };
};

/** Submitter side: each PNG written to a temporary name and renamed into place. */
export async function writeShardFiles(outdir: string, files: readonly ShardFile[]): Promise<void> {
  for (const f of files) {
    await writeFileAtomic(join(outdir, f.name), Buffer.from(f.base64, 'base64'));
  }
}
