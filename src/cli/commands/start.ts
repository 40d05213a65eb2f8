import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, makeGrid, mapZ, sampleZ, synthesize, toImages, upscale, writePng } from '../../index.js';
import type { Command } from '../command.js';
import { selftestCommand } from './selftest.js';

const MODELS = fileURLToPath(new URL('../../../models/', import.meta.url));

/** Bundles shipped in models/ (folders whose model.json is a latentlab GAN bundle). */
export function shippedGenerators(dir = MODELS): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((p) => {
      try {
        return JSON.parse(readFileSync(join(p, 'model.json'), 'utf8')).format === 'latentlab-bundle';
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * What `npm start` runs until the studio lands: the engine self-test, then a seed grid from every
 * shipped generator, written to out/start/.
 */
export const startCommand: Command = {
  name: 'start',
  summary: 'Self-test the engine and draw seed grids from the shipped models (npm start)',
  usage: 'latentlab start [--outdir out/start]',
  flags: [{ name: 'outdir', type: 'string', help: 'where the grids go', default: 'out/start' }],
  async run({ flags }, out) {
    await selftestCommand.run({ flags: {}, positionals: [] }, out);
    const outdir = String(flags.outdir);
    const bundles = shippedGenerators();
    if (!bundles.length) out('no shipped generators in models/ yet');
    for (const dir of bundles) {
      const model = await loadModel(dir);
      const seeds = Array.from({ length: 16 }, (_, i) => i);
      const z = sampleZ(model, seeds);
      const latent = model.hasWSpace ? await mapZ(model, z) : z;
      const img = await synthesize(model, latent);
      const path = join(outdir, `${model.name}.png`);
      await writePng(path, upscale(makeGrid(toImages(img), 4, 2, 255), 4));
      out(`${model.name} (${model.architecture}, ${model.resolution}x${model.resolution}): seeds 0-15 -> ${path}`);
      await model.release();
    }
    out('');
    out('next: latentlab generate --model models/<name> --seeds 0-63 --grid --upscale 4 --outdir out/grid');
  },
};
