import { join } from 'node:path';
import { ArgumentError, blankLike, imagesOf, labelledGrid, namedRanges, renderFrames, styleMixGrid, writePng } from '../../index.js';
import type { Command } from '../command.js';
import { latentFlags, latentsFrom, layersFrom, modelFlag, modelFrom, outputFlags, progressBar, saveLatentIfAsked, sourcesFrom, str, upscaleFactor } from '../explore.js';

export const mixCommand: Command = {
  name: 'mix',
  summary: "Style mixing grid (NVIDIA style_mixing.py): row latents with the columns' styles on chosen ws rows",
  usage: 'latentlab mix --model M --rows 1-4 --cols 10-13 [--layers coarse|middle|fine|0-3] --outdir DIR',
  flags: [
    modelFlag,
    { name: 'rows', type: 'string', help: 'row seeds (they keep the other layers)', default: '85,100,75,458,1500' },
    { name: 'row-latents', type: 'string', help: 'more rows: seeds or latent files, comma-separated' },
    { name: 'cols', type: 'string', help: 'column seeds (they give the chosen layers)', default: '55,821,1789,293' },
    { name: 'col-latents', type: 'string', help: 'more columns: seeds or latent files' },
    { name: 'layers', type: 'string', help: 'ws rows taken from the columns: coarse | middle | fine | all | 0-3 | 0,2', default: 'coarse' },
    ...latentFlags,
    ...outputFlags,
  ],
  async run({ flags }, out) {
    const model = await modelFrom(flags, 'mix');
    if (!model.hasWSpace) throw new ArgumentError(`mix: ${model.name} is a ${model.architecture}; style mixing needs a StyleGAN2 or StyleGAN3`);
    const outdir = str(flags, 'outdir', 'mix');
    const factor = upscaleFactor(flags);
    const layers = layersFrom(model, flags.layers)!;
    const rowL = await latentsFrom(model, flags, sourcesFrom(flags.rows, flags['row-latents']), 'mix rows');
    const colL = await latentsFrom(model, flags, sourcesFrom(flags.cols, flags['col-latents']), 'mix cols');
    const grid = await styleMixGrid(model, rowL, colL, layers);
    const bar = progressBar('render');
    const batch = Number(flags.batch);
    const rowImgs = imagesOf(await renderFrames(model, rowL, { batchSize: batch }), factor);
    const colImgs = imagesOf(await renderFrames(model, colL, { batchSize: batch }), factor);
    const cells = imagesOf(await renderFrames(model, grid.cells, { batchSize: batch, onProgress: bar }), factor);
    const figure = [blankLike(rowImgs[0]), ...colImgs];
    rowImgs.forEach((r, i) => figure.push(r, ...cells.slice(i * grid.columns, (i + 1) * grid.columns)));
    const name = (p: unknown, i: number) => {
      const seeds = (p as { seeds?: number[] }).seeds;
      return seeds ? `${seeds[i]}` : `L${i}`;
    };
    const colLabels = ['', ...Array.from({ length: grid.columns }, (_, j) => name(colL.provenance, j))];
    const rowLabels = ['', ...Array.from({ length: grid.rows }, (_, i) => name(rowL.provenance, i))];
    await writePng(join(outdir, 'grid.png'), labelledGrid(figure, { columns: grid.columns + 1, columnLabels: colLabels, rowLabels }));
    const ranges = Object.entries(namedRanges(model)).map(([k, v]) => `${k} ${v.length ? `${v[0]}-${v.at(-1)}` : '-'}`).join(', ');
    out(`wrote ${join(outdir, 'grid.png')}: ${grid.rows} rows x ${grid.columns} columns, ws rows ${layers.join(',')} from the columns (${ranges})`);
    await saveLatentIfAsked(flags, grid.cells, out);
  },
};
