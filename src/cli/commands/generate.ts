import { join } from 'node:path';
import {
  ArgumentError,
  classLabels,
  latentFromSeeds,
  loadModel,
  makeGrid,
  mapZ,
  sampleZ,
  saveLatent,
  synthesize,
  toImages,
  upscale,
  type GanModel,
  inputTransform,
  type Tensor,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import { parseRange } from '../ranges.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate images from seeds (NVIDIA generate.py conventions)',
  usage: 'latentlab generate --model M --seeds 0-7,42 [--trunc 0.7] [--translate X,Y --rotate DEG (StyleGAN3)] [--grid] --outdir DIR',
  flags: [
    { name: 'model', type: 'string', help: 'bundle folder or checkpoint (.pkl, .pt, .pth)' },
    { name: 'seeds', type: 'string', help: 'seeds, e.g. 0-7,42', default: '0-7' },
    { name: 'trunc', type: 'number', help: 'truncation psi', default: 1 },
    { name: 'trunc-cutoff', type: 'number', help: 'truncate only the first N ws rows' },
    { name: 'class', type: 'number', help: 'class label for conditional models' },
    { name: 'noise-mode', type: 'string', help: 'const | random | none (StyleGAN3 has no noise: ignored)', default: 'const' },
    { name: 'translate', type: 'string', help: 'StyleGAN3: translate the input, "x,y" (gen_images.py --translate)' },
    { name: 'rotate', type: 'number', help: 'StyleGAN3: rotate the input by degrees (gen_images.py --rotate)' },
    {
      name: 'noise-seed',
      type: 'number',
      help: 'seed of the noise maps for --noise-mode random',
      default: 0,
    },
    { name: 'grid', type: 'boolean', help: 'also write grid.png' },
    { name: 'upscale', type: 'number', help: 'nearest-neighbour upscaling factor of the PNGs', default: 1 },
    { name: 'batch', type: 'number', help: 'images per ONNX Runtime call', default: 8 },
    { name: 'outdir', type: 'string', help: 'output folder' },
    { name: 'save-latent', type: 'string', help: 'also write the seeds as a latent file (.latent.safetensors)' },
    { name: 'queue', type: 'string', help: 'redis://HOST:PORT: seeds in shards for `latentlab worker`s; this process writes the PNGs (README: Scale out)' },
    { name: 'shard-size', type: 'number', help: 'seeds per queued task (rounded up to whole --batch)', default: 256 },
  ],
  async run({ flags }, out) {
    if (!flags.model) throw new ArgumentError('generate: --model is required');
    if (!flags.outdir) throw new ArgumentError('generate: --outdir is required');
    const noiseMode = String(flags['noise-mode']);
    if (!['const', 'random', 'none'].includes(noiseMode))
      throw new ArgumentError(`--noise-mode must be const, random or none, got '${noiseMode}'`);
    const factor = Number(flags.upscale);
    if (!Number.isInteger(factor) || factor < 1 || factor > 16)
      throw new ArgumentError('--upscale must be an integer 1..16');
    const seeds = parseRange(String(flags.seeds));
    if (flags.queue) {
      for (const f of ['grid', 'save-latent'])
        if (flags[f] !== undefined && flags[f] !== false) throw new ArgumentError(`generate --queue: --${f} is not supported on the queue yet`);
      if (noiseMode === 'random') throw new ArgumentError('generate --queue: --noise-mode random draws maps for the whole list; use const or none');
      const { generateOnQueue } = await import('./generateQueue.js');
      await generateOnQueue(
        {
          url: String(flags.queue),
          model: String(flags.model),
          seeds,
          outdir: String(flags.outdir),
          shardSize: Number(flags['shard-size']),
          options: {
            psi: Number(flags.trunc),
            cutoff: flags['trunc-cutoff'] === undefined ? null : Number(flags['trunc-cutoff']),
            classIndex: flags.class === undefined ? null : Number(flags.class),
            noiseMode: noiseMode as 'const' | 'none',
            batchSize: Number(flags.batch),
            upscale: factor,
          },
        },
        out,
      );
      return;
    }
    const model = await loadModel(String(flags.model));
    const outdir = String(flags.outdir);
    const batchSize = Number(flags.batch);
    const z = sampleZ(model, seeds);
    const transform = generatorTransform(model, flags.translate, flags.rotate);
    let img;
    if (model.hasWSpace) {
      if (model.cDim && flags.class === undefined)
        throw new ArgumentError(`${model.name} is conditional: pass --class 0..${model.cDim - 1}`);
      const c = model.cDim
        ? classLabels(
            model,
            seeds.map(() => Number(flags.class)),
          )
        : undefined;
      const cutoff = flags['trunc-cutoff'] === undefined ? null : Number(flags['trunc-cutoff']);
      const ws = await mapZ(model, z, { psi: Number(flags.trunc), cutoff, c });
      img = await synthesize(model, ws, {
        noiseMode: noiseMode as 'const',
        noiseSeed: Number(flags['noise-seed']),
        batchSize,
        transform,
      });
    } else {
      img = await synthesize(model, z, { batchSize });
    }
    const images = toImages(img).map((im) => upscale(im, factor));
    for (let i = 0; i < seeds.length; i++) {
      await writePng(join(outdir, `seed${String(seeds[i]).padStart(4, '0')}.png`), images[i]);
    }
    out(`wrote ${seeds.length} images (${model.resolution}x${model.resolution}) to ${outdir}`);
    if (flags.grid) {
      await writePng(join(outdir, 'grid.png'), makeGrid(images, undefined, factor));
      out(`wrote ${join(outdir, 'grid.png')}`);
    }
    if (flags['save-latent'] !== undefined) {
      const sg2 = model.hasWSpace;
      const latent = await latentFromSeeds(model, seeds, {
        psi: sg2 ? Number(flags.trunc) : 1,
        cutoff: sg2 && flags['trunc-cutoff'] !== undefined ? Number(flags['trunc-cutoff']) : null,
        classes: model.cDim ? seeds.map(() => Number(flags.class)) : undefined,
        noiseMode: model.architecture === 'stylegan2' ? (noiseMode as 'const') : 'none',
        noiseSeed: noiseMode === 'random' ? Number(flags['noise-seed']) : undefined,
      });
      await saveLatent(String(flags['save-latent']), latent);
      out(`wrote ${String(flags['save-latent'])} (${seeds.length} z latents; render with 'latentlab latent render')`);
    }
  },
};

/**
 * StyleGAN3: gen_images.py always copies inv(make_transform(translate, rotate)) into
 * synthesis.input.transform (the identity by default), so generate does the same.
 */
function generatorTransform(model: GanModel, translate: unknown, rotate: unknown): Tensor | undefined {
  if (model.architecture !== 'stylegan3') {
    if (translate !== undefined || rotate !== undefined) throw new ArgumentError(`--translate/--rotate need a StyleGAN3; ${model.name} is a ${model.architecture}`);
    return undefined;
  }
  let t: [number, number] = [0, 0];
  if (translate !== undefined) {
    const parts = String(translate).split(',').map((v) => Number(v.trim()));
    if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v))) throw new ArgumentError(`--translate must be "x,y" (two numbers), got '${String(translate)}'`);
    t = [parts[0], parts[1]];
  }
  const angle = rotate === undefined ? 0 : Number(rotate);
  if (!Number.isFinite(angle)) throw new ArgumentError(`--rotate must be a number of degrees, got '${String(rotate)}'`);
  return inputTransform(t, angle);
}
