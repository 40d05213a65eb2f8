import { join } from 'node:path';
import { encodePng, makeGrid, makeNoise, toImages, upscale } from '../../index.js';
import type { JobKind } from './jobQueue.js';
import type { ModelRegistry } from './modelRegistry.js';
import { generateCommand, noiseRows, renderSeeds, type SeedSpec } from './render.js';
import { renderSeedsJobBody } from './schemas.js';
import { writeFileAtomic } from './workspace.js';

/** A job kind the studio offers: the queue's contract plus the JSON schema of its parameters. */
export interface StudioJobKind extends JobKind {
  schema: object;
  summary: string;
}

export interface JobDeps {
  models: ModelRegistry;
}

const BATCH = 8;

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
      return { command: generateCommand(info.path, info.architecture, seedSpec(p), 'out/seeds', { grid: true, upscale: p.scale as number }) };
    },
    async run(p, ctx) {
      const model = await models.get(p.model as string);
      const spec = seedSpec(p);
      const scale = p.scale as number;
      const tiles = [];
      // 'random' maps are drawn for the whole list at once (as the CLI does), then fed batch by batch
      const allNoise = model.architecture === 'stylegan2' && spec.noiseMode === 'random' ? makeNoise(model, spec.seeds.length, spec.noiseSeed) : undefined;
      for (let start = 0; start < spec.seeds.length; start += BATCH) {
        ctx.checkCancelled();
        const seeds = spec.seeds.slice(start, start + BATCH);
        const noise = allNoise && noiseRows(allNoise, start, seeds.length);
        const images = toImages(await renderSeeds(model, { ...spec, seeds }, BATCH, noise)).map((im) => upscale(im, scale));
        for (let i = 0; i < seeds.length; i++) {
          await writeFileAtomic(join(ctx.dir, `seed${String(seeds[i]).padStart(4, '0')}.png`), await encodePng(images[i]));
        }
        if (spec.seeds.length <= 256) tiles.push(...images);
        const done = Math.min(start + BATCH, spec.seeds.length);
        ctx.report({ step: done, total: spec.seeds.length, message: `${done}/${spec.seeds.length} images` });
      }
      if (tiles.length) await writeFileAtomic(join(ctx.dir, 'grid.png'), await encodePng(makeGrid(tiles, undefined, scale)));
      return { images: spec.seeds.length, grid: tiles.length ? 'grid.png' : null };
    },
  };
}

export function studioJobKinds(deps: JobDeps): Record<string, StudioJobKind> {
  return { 'render-seeds': renderSeedsJob(deps) };
}
