import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  formatCommand,
  GENERATE_SPEC,
  generate,
  IMPORT_SPEC,
  type ImportOptions,
  importModel,
  resolveGenerateOptions,
  resolveImportOptions,
  seedFileName,
} from '../../index.js';
import { directionsJob } from './directionsJob.js';
import { interpolateGifJob } from './interpolateGifJob.js';
import type { JobDeps, StudioJobKind } from './types.js';
import { projectJob } from './projectJob.js';
import { cliPath } from './modelRegistry.js';
import type { SeedFields } from '../shared/api.js';
import { seedPartial } from './latentRefs.js';

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

/** An import request as `import`'s partial options (the model named as the studio lists it). */
function importPartial(p: Record<string, unknown>, file: string, out: string): Partial<ImportOptions> {
  return {
    file,
    out,
    name: p.name as string,
    ...(p.network ? { network: p.network as string } : {}),
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
      const o = resolveImportOptions(
        importPartial(p, cliPath(file), cliPath(join(workspace.dir('models'), p.name as string))),
      );
      return { command: formatCommand(IMPORT_SPEC, o) };
    },
    async run(p, ctx) {
      const name = p.name as string;
      const staged = join(ctx.dir, 'bundle');
      // the same options as the recorded command, the bundle staged in the job's folder
      const o = resolveImportOptions(importPartial(p, workspace.resolve(p.file as string), staged));
      let step = 0;
      const { manifest } = await importModel(o, {
        onStep: (message) => {
          ctx.checkCancelled();
          ctx.report({ step: step++, total: 2, message });
        },
      });
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
