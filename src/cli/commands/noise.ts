import { join } from 'node:path';
import {
  ArgumentError,
  imagesOf,
  labelledGrid,
  noiseVariations,
  renderFrames,
  variationStd,
  withNoiseMode,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import { latentFlags, latentsFrom, layersFrom, modelFlag, modelFrom, outputFlags, progressBar, saveLatentIfAsked, sourcesFrom, str, upscaleFactor } from '../explore.js';

export const noiseCommand: Command = {
  name: 'noise',
  summary: 'Noise inputs: const / random / none, and fresh noise on a layer range only (stochastic variation + its std-dev map)',
  usage: 'latentlab noise --model M --seeds 0-3 [--layers fine] [--count 6] --outdir DIR',
  flags: [
    modelFlag,
    { name: 'seeds', type: 'string', help: 'seeds, e.g. 0-3', default: '0-3' },
    { name: 'keys', type: 'string', help: 'more latents: seeds or latent files' },
    { name: 'layers', type: 'string', help: 'ws rows whose noise is resampled: coarse | middle | fine | all | 0-3', default: 'all' },
    { name: 'count', type: 'number', help: 'noise variants per latent', default: 6 },
    { name: 'seed', type: 'number', help: 'variant v uses noise seed SEED + v', default: 0 },
    ...latentFlags,
    ...outputFlags,
  ],
  async run({ flags }, out) {
    const model = await modelFrom(flags, 'noise');
    if (model.architecture !== 'stylegan2') throw new ArgumentError(`noise: ${model.name} is a ${model.architecture}; it has no noise inputs`);
    const outdir = str(flags, 'outdir', 'noise');
    const factor = upscaleFactor(flags);
    const latent = await latentsFrom(model, flags, sourcesFrom(flags.seeds, flags.keys), 'noise');
    const count = Number(flags.count);
    const layers = layersFrom(model, flags.layers);
    const batch = Number(flags.batch);
    const bar = progressBar('render');
    const variations = await noiseVariations(model, latent, { count, layers, seed: Number(flags.seed) });
    const varImages = await renderFrames(model, variations.latent, { batchSize: batch, onProgress: bar });
    const std = imagesOf(variationStd(varImages, count), factor);
    const constImgs = imagesOf(await renderFrames(model, withNoiseMode(latent, 'const'), { batchSize: batch }), factor);
    const noneImgs = imagesOf(await renderFrames(model, withNoiseMode(latent, 'none'), { batchSize: batch }), factor);
    const randomImgs = imagesOf(await renderFrames(model, withNoiseMode(latent, 'random', Number(flags.seed)), { batchSize: batch }), factor);
    const variants = imagesOf(varImages, factor);
    const n = latent.codes.shape[0];
    const cells = [];
    for (let i = 0; i < n; i++) cells.push(constImgs[i], noneImgs[i], randomImgs[i], ...variants.slice(i * count, (i + 1) * count), std[i]);
    const seeds = (latent.provenance as { seeds?: number[] }).seeds;
    const grid = labelledGrid(cells, {
      columns: count + 4,
      columnLabels: ['const', 'none', 'random', ...Array.from({ length: count }, (_, v) => `V${v}`), 'std'],
      rowLabels: Array.from({ length: n }, (_, i) => (seeds ? `${seeds[i]}` : `L${i}`)),
    });
    await writePng(join(outdir, 'noise.png'), grid);
    out(`wrote ${join(outdir, 'noise.png')}: const / none / random noise, ${count} variants resampling ${variations.layers.join(', ')}, and their per-pixel std`);
    await saveLatentIfAsked(flags, variations.latent, out);
  },
};
