import { ArgumentError } from '../core/errors.js';
import {
  type DcganCheckpointState,
  type DcganTrainConfig,
  DcganTrainer,
  type DcganTrainOptions,
} from './dcgan.js';
import { TRAIN_DCGAN_SPEC } from './dcganOptions.js';
import { type FolderRunResult, openRunChecked, runFiles, runInFolder } from './run.js';

function resolveConfig(o: DcganTrainOptions): DcganTrainConfig {
  const ds = o.dataset;
  const config: DcganTrainConfig = {
    data: o.dataName ?? ds.name,
    resolution: ds.resolution,
    channels: ds.channels,
    nz: o.nz ?? 100,
    ngf: o.ngf ?? 64,
    ndf: o.ndf ?? 64,
    batch: o.batch ?? 64,
    lr: o.lr ?? 2e-4,
    betas: o.betas ?? [0.5, 0.999],
    seed: o.seed ?? 0,
    subset: o.subset ?? null,
  };
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new ArgumentError(`train dcgan: ${name} must be a positive integer, got ${v}`);
  };
  posInt('batch', config.batch);
  posInt('nz', config.nz);
  posInt('ngf', config.ngf);
  posInt('ndf', config.ndf);
  if (config.subset !== null) posInt('subset', config.subset);
  // BatchNorm statistics over one value per channel are undefined (the 4×4 → 1 layer sees N values).
  if (config.batch < 2)
    throw new ArgumentError('train dcgan: batch must be at least 2 (BatchNorm needs two values per channel)');
  const depth = Math.log2(config.resolution) - 1;
  if (!Number.isInteger(depth) || depth < 2) {
    throw new ArgumentError(`train dcgan: resolution ${config.resolution} is not a power of two >= 8`);
  }
  if (!(o.kimg > 0)) throw new ArgumentError(`train dcgan: kimg must be > 0, got ${o.kimg}`);
  return config;
}

export type DcganRunResult = FolderRunResult;

/**
 * Trains (or with `resume`, continues) a DCGAN into `outdir`: checkpoint.safetensors, log.jsonl,
 * losses.png, samples/, bundle/. Resolves when the run completes or `signal` aborts it (after a
 * checkpoint); rejects on errors.
 */
export async function trainDcgan(o: DcganTrainOptions): Promise<DcganRunResult> {
  const config = resolveConfig(o);
  const files = runFiles(o.outdir);
  const loaded = await openRunChecked<DcganCheckpointState>(
    files,
    o.resume ?? false,
    'dcgan',
    config,
    o.onMessage,
    TRAIN_DCGAN_SPEC,
  );
  const trainer = await DcganTrainer.create(config, o.dataset, o, loaded?.checkpoint, loaded?.path);
  try {
    return await runInFolder(trainer, files, loaded?.checkpoint.state.progress, o);
  } finally {
    await trainer.release();
  }
}
