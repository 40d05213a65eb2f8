import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ArgumentError } from '../../core/errors.js';
import { moveIntoPlace } from '../../formats/atomicFiles.js';
import { type ProjectFilesOptions, projectFiles } from '../../inversion/files.js';
import type { FeatureNets } from '../../inversion/losses.js';
import { PROJECT_SPEC } from '../../inversion/projectOptions.js';
import type { BundleRef } from './bundles.js';
import { contentId, type Shard } from './submit.js';
import type { TaskHandler } from './worker.js';

/** The projection settings that travel with a shard: plain JSON (the verb's options minus files and nets). */
export type ProjectShardOptions = Omit<
  ProjectFilesOptions,
  'outdir' | 'nets' | 'mask' | 'init' | 'metricsClassifier' | 'onProgress' | 'resume' | 'batchSize' | 'runKey'
> & {
  /** The resolved options' key and hash that each metrics file records (PROJECT_SPEC is re-attached here). */
  runKey?: { options: Record<string, unknown>; hash: string };
};

export interface ProjectShardData {
  model: BundleRef;
  /** Feature loss (when options.losses.classifier > 0) and the metrics' feature distance. */
  classifier: BundleRef | null;
  options: ProjectShardOptions;
  target: {
    file: string;
    sha256: string;
    /** The submitter's path (workers sharing the folder read it there)... */
    path: string;
    /** ...or the bytes themselves, base64, for targets up to INLINE_LIMIT. */
    bytes?: string;
  };
}

/** One output file of a shard, base64 (projection outputs of a 256px model are ~1 MB in all). */
export interface ShardFile {
  name: string;
  base64: string;
}
export interface ProjectShardResult {
  name: string;
  status: 'projected' | 'failed';
  error?: string;
  files: ShardFile[];
}

/** Targets up to this size travel inside the task (through Redis); larger ones are read from a shared folder. */
export const INLINE_LIMIT = 4 << 20;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** One shard per target: idempotent ids from the options, the bundles' hashes and the target's bytes. */
export async function projectShards(
  model: BundleRef,
  classifier: BundleRef | null,
  options: ProjectShardOptions,
  sources: readonly string[],
): Promise<Shard[]> {
  const shards: Shard[] = [];
  for (const path of sources) {
    const bytes = await readFile(path);
    const file = basename(path);
    const hash = sha256(bytes);
    const id = contentId('project', {
      model: model.contentHash,
      classifier: classifier?.contentHash ?? null,
      options,
      file,
      target: hash,
    });
    const data: ProjectShardData = {
      model,
      classifier,
      options,
      target: {
        file,
        sha256: hash,
        path,
        bytes: bytes.length <= INLINE_LIMIT ? bytes.toString('base64') : undefined,
      },
    };
    shards.push({ id, task: 'project', data, label: file });
  }
  return shards;
}

/** Worker side: projects one target with `projectFiles` into a scratch folder and returns its files. */
export const runProjectShard: TaskHandler = async (raw, ctx, locator) => {
  const data = raw as ProjectShardData;
  const model = await locator.model(data.model);
  const classifier = data.classifier ? await locator.classifier(data.classifier) : undefined;
  const scratch = await mkdtemp(join(tmpdir(), 'latentlab-shard-'));
  try {
    const bytes =
      data.target.bytes !== undefined
        ? Buffer.from(data.target.bytes, 'base64')
        : await readFile(data.target.path);
    if (sha256(bytes) !== data.target.sha256)
      throw new ArgumentError(
        `${data.target.path}: the file this worker sees differs from the one submitted`,
      );
    await mkdir(join(scratch, 'in'));
    const source = join(scratch, 'in', data.target.file);
    await writeFile(source, bytes);
    const nets: FeatureNets = {};
    if (classifier && (data.options.losses?.classifier ?? 0) > 0) nets.classifier = classifier;
    const outdir = join(scratch, 'out');
    const { runKey, ...options } = data.options;
    const [r] = await projectFiles(model, [source], {
      ...options,
      ...(runKey ? { runKey: { spec: PROJECT_SPEC, ...runKey } } : {}),
      outdir,
      nets,
      metricsClassifier: classifier,
      resume: false,
      onProgress: (p) => {
        ctx.checkCancelled();
        ctx.report({ step: p.step + 1, total: p.numSteps, loss: p.loss });
      },
    });
    if (r.status !== 'projected') return { name: r.name, status: 'failed', error: r.error, files: [] };
    const files: ShardFile[] = [];
    for (const name of (await readdir(outdir)).filter((n) => !n.startsWith('.')).sort())
      files.push({ name, base64: (await readFile(join(outdir, name))).toString('base64') });
    return { name: r.name, status: 'projected', files } satisfies ProjectShardResult;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};

/**
 * Submitter side, the one writer: a shard's files staged in a hidden folder and renamed into `outdir`, the
 * metrics file last (it marks the target done, as `projectFiles` does). Its `source` names the submitted path.
 */
export async function writeProjectResult(
  outdir: string,
  source: string,
  result: ProjectShardResult,
): Promise<void> {
  const staging = join(outdir, `.${result.name}.partial-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    const metricsName = `${result.name}.metrics.json`;
    for (const f of result.files) {
      let bytes = Buffer.from(f.base64, 'base64');
      if (f.name === metricsName) {
        const record = JSON.parse(bytes.toString('utf8')) as { source: string };
        record.source = source;
        bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
      }
      await writeFile(join(staging, f.name), bytes);
    }
    const order = result.files
      .map((f) => f.name)
      .sort((a, b) => Number(a === metricsName) - Number(b === metricsName));
    await moveIntoPlace(staging, outdir, order);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
