import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  encodePng,
  loadModel,
  makeGrid,
  makeNoise,
  toImages,
  upscale,
  writeBundle,
} from '../../index.js';
import type { Capabilities } from './capabilities.js';
import { directionsJob } from './directionsJob.js';
import { interpolateGifJob } from './interpolateGifJob.js';
import type { JobKind } from './jobQueue.js';
import { projectJob } from './projectJob.js';
import { cliPath, type ModelRegistry } from './modelRegistry.js';
import { generateCommand, noiseRows, renderSeeds, type SeedSpec, shellWord } from './render.js';
import { importModelJobBody, renderSeedsJobBody } from './schemas.js';
import { type Workspace, writeFileAtomic } from './workspace.js';

/** A job kind the studio offers: the queue's contract plus the JSON schema of its parameters. */
export interface StudioJobKind extends JobKind {
  schema: object;
  summary: string;
}

export interface JobDeps {
  models: ModelRegistry;
  workspace: Workspace;
  /** What the server can make (ffmpeg); absent: assume no ffmpeg. */
  capabilities?: Capabilities;
}

const BATCH = 8;
/** An import reads the checkpoint once and writes a bundle: a 1024px FFHQ pickle takes ~1-2 minutes here. */
const IMPORT_TIME_LIMIT_MS = 20 * 60_000;
/** At most this many images go into a render job's grid.png (the first ones; all are saved as files). */
const GRID_MAX = 256;

function seedSpec(p: Record<string, unknown>): SeedSpec {
  return {
    seeds: p.seeds as number[],
    psi: p.psi as number,
    cutoff: (p.cutoff as number | null) ?? null,
    noiseMode: p.noiseMode as SeedSpec['noiseMode'],
    noiseSeed: p.noiseSeed as number,
    classIndex: p.classIndex as number | undefined,
  };
}

/**
 * 'render-seeds': seedNNNN.png for every seed plus grid.png, in batches, reporting after each batch
 * and stopping between batches when cancelled (the CLI's `generate --grid`).
 */
function renderSeedsJob({ models }: JobDeps): StudioJobKind {
  return {
    summary: 'images for a list of seeds (latentlab generate)',
    schema: renderSeedsJobBody,
    prepare(p) {
      const info = models.info(p.model as string);
      return {
        command: generateCommand(info.path, info.architecture, seedSpec(p), 'out/seeds', {
          grid: true,
          upscale: p.scale as number,
        }),
      };
    },
    async run(p, ctx) {
      const model = await models.get(p.model as string);
      const spec = seedSpec(p);
      const scale = p.scale as number;
      const tiles = [];
      // 'random' maps are drawn for the whole list at once (as the CLI does), then fed batch by batch
      const allNoise =
        model.architecture === 'stylegan2' && spec.noiseMode === 'random'
          ? makeNoise(model, spec.seeds.length, spec.noiseSeed)
          : undefined;
      for (let start = 0; start < spec.seeds.length; start += BATCH) {
        ctx.checkCancelled();
        const seeds = spec.seeds.slice(start, start + BATCH);
        const noise = allNoise && noiseRows(allNoise, start, seeds.length);
        const images = toImages(await renderSeeds(model, { ...spec, seeds }, BATCH, noise)).map((im) =>
          upscale(im, scale),
        );
        for (let i = 0; i < seeds.length; i++) {
          await writeFileAtomic(
            join(ctx.dir, `seed${String(seeds[i]).padStart(4, '0')}.png`),
            await encodePng(images[i]),
          );
        }
        // the grid is a contact sheet of the first GRID_MAX images (every image is its own file too)
        tiles.push(...images.slice(0, Math.max(0, GRID_MAX - tiles.length)));
        const done = Math.min(start + BATCH, spec.seeds.length);
        ctx.report({ step: done, total: spec.seeds.length, message: `${done}/${spec.seeds.length} images` });
      }
      if (tiles.length)
        await writeFileAtomic(join(ctx.dir, 'grid.png'), await encodePng(makeGrid(tiles, undefined, scale)));
      return {
        images: spec.seeds.length,
        grid: tiles.length ? 'grid.png' : null,
        gridImages: tiles.length,
        first: `seed${String(spec.seeds[0]).padStart(4, '0')}.png`,
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
