import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  formatCommand,
  GENERATE_SPEC,
  generate,
  loadModel,
  resolveGenerateOptions,
  seedFileName,
  writeBundle,
  shellWord,
} from '../../index.js';
import { directionsJob } from './directionsJob.js';
import { interpolateGifJob } from './interpolateGifJob.js';
import type { JobDeps, StudioJobKind } from './types.js';
import { projectJob } from './projectJob.js';
import { cliPath } from './modelRegistry.js';
import { type SeedFields, seedPartial } from './latentRefs.js';

import { importModelJobBody, renderSeedsJobBody } from './schemas.js';

export type { JobDeps, StudioJobKind } from './types.js';

/** An import reads the checkpoint once and writes a bundle: a 1024px FFHQ pickle takes ~1-2 minutes here. */
const IMPORT_TIME_LIMIT_MS = 20 * 60_000;

/**
 * 'render-seeds': `latentlab generate --grid` in the job's folder (seedNNNN.png for every seed plus
 * grid.png), reporting after each batch and stopping between batches when cancelled.
 */
function renderSeedsJob({ models }: JobDeps): StudioJobKind {
  const options = (p: Record<string, unknown>) => {
    const b = p as unknown as Partial<SeedFields> & {
      model: string;
      seeds: number[];
      scale?: number;
      columns?: number;
    };
    return resolveGenerateOptions(
      {
        model: models.info(b.model).path,
        seeds: b.seeds,
        ...seedPartial(b),
        grid: true,
        gridColumns: b.columns,
        upscale: b.scale,
        outdir: 'out/seeds',
      },
      models.info(b.model),
    );
  };
  return {
    summary: 'images for a list of seeds (latentlab generate)',
    schema: renderSeedsJobBody,
    prepare(p) {
      return { command: formatCommand(GENERATE_SPEC, options(p)) };
    },
    async run(p, ctx) {
      const o = options(p);
      const model = await models.get(p.model as string);
      await generate(
        model,
        { ...o, outdir: ctx.dir },
        {
          checkCancelled: () => ctx.checkCancelled(),
          onBatch: (done, total) => ctx.report({ step: done, total, message: `${done}/${total} images` }),
        },
      );
      return {
        images: o.seeds.length,
        grid: 'grid.png',
        gridImages: o.seeds.length,
        first: seedFileName(o.seeds[0]),
      };
    },
  };
}

/**
 * 'import-model': a checkpoint in the workspace (an upload, or a file put there) -> a bundle in
 * workspace/models/<name>/, which the model picker then offers (the CLI's `import`). The bundle is
 * written inside the job's folder and renamed into models/ only once complete.
 */
function importModelJob({ models, workspace }: JobDeps): StudioJobKind {
  return {
    summary: 'convert a checkpoint (.pkl, .pt, .pth) into a bundle in the workspace (latentlab import)',
    schema: importModelJobBody,
    // the bundle was renamed into models/ by the worker; the server's registry learns of it here
    afterDone: () => models.rescan(),
    timeLimitMs: IMPORT_TIME_LIMIT_MS,
    prepare(p) {
      const file = workspace.resolve(p.file as string);
      if (!existsSync(file)) throw new ArgumentError(`import: no file '${p.file}' in the workspace`);
      if (models.has(p.name as string))
        throw new ArgumentError(`import: a model named '${p.name}' exists already`);
      const args = [
        'npx',
        'latentlab',
        'import',
        cliPath(file),
        '--out',
        cliPath(join(workspace.dir('models'), p.name as string)),
        '--name',
        p.name as string,
      ];
      if (p.network) args.push('--network', p.network as string);
      return { command: args.map(shellWord).join(' ') };
    },
    async run(p, ctx) {
      const name = p.name as string;
      ctx.report({ step: 0, total: 2, message: 'reading the checkpoint (nothing in it is executed)' });
      const model = await loadModel(workspace.resolve(p.file as string), {
        name,
        network: p.network as string | undefined,
      });
      ctx.checkCancelled();
      ctx.report({ step: 1, total: 2, message: 'writing the bundle' });
      const staged = join(ctx.dir, 'bundle');
      const manifest = await writeBundle(staged, model);
      await model.release();
      ctx.checkCancelled();
      const dest = join(workspace.dir('models'), name);
      if (existsSync(dest))
        throw new ArgumentError(`import: workspace/models/${name} appeared meanwhile; not overwriting it`);
      await rename(staged, dest);
      models.rescan();
      ctx.report({ step: 2, total: 2, message: `imported ${name}` });
      const d = manifest.dims;
      return {
        model: name,
        architecture: manifest.architecture,
        resolution: d.resolution,
        contentHash: manifest.contentHash,
      };
    },
  };
}

export function studioJobKinds(deps: JobDeps): Record<string, StudioJobKind> {
  return {
    'render-seeds': renderSeedsJob(deps),
    'import-model': importModelJob(deps),
    'interpolate-gif': interpolateGifJob(deps),
    project: projectJob(deps),
    directions: directionsJob(deps),
  };
}
