import { resolve } from 'node:path';
import { ArgumentError, loadFashionMnist, loadModel, readClassifierBundle, trainEncoder } from '../../index.js';
import type { TrainSubcommand } from './train.js';
import { loadTrainingData, num, runTrainer, str } from './trainRun.js';

function optionalNumber(flags: Record<string, unknown>, name: string): number | undefined {
  return flags[name] === undefined ? undefined : num(flags as never, name);
}

export const encoderTrainer: TrainSubcommand = {
  name: 'encoder',
  summary: 'image -> W+ encoder for a StyleGAN2/3 (generated code/image pairs + real images; latent, pixel, classifier-feature losses)',
  usage:
    'latentlab train encoder --model models/fmnist-stylegan2 --data fashion-mnist --outdir DIR --kimg N [--generated 8 --real 8] [--lr 0.0005] [--lr-half-life K] [--w-latent 1 --w-pixel 1 --w-feature 0.1] [--resume]',
  flags: [
    { name: 'model', type: 'string', help: 'StyleGAN2/3 bundle the encoder inverts (default models/fmnist-stylegan2); with --resume a newer snapshot fine-tunes' },
    { name: 'classifier', type: 'string', help: 'encoder: classifier bundle for the feature loss (default models/fmnist-classifier); none: no feature term (RGB models)' },
    { name: 'data', type: 'string', help: "'fashion-mnist' or a folder of images (sub-folders = classes)" },
    { name: 'generated', type: 'number', help: 'encoder: generated (code, image) pairs per step (default 8)' },
    { name: 'real', type: 'number', help: 'encoder: real images per step (default 8)' },
    { name: 'lr', type: 'number', help: 'Adam learning rate (encoder default 0.0005)' },
    { name: 'lr-half-life', type: 'number', help: 'encoder: halve the learning rate every K kimg (default: constant)' },
    { name: 'w-latent', type: 'number', help: 'encoder: weight of the W+ code MSE (default 1)' },
    { name: 'w-pixel', type: 'number', help: 'encoder: weight of the pixel MSE (default 1)' },
    { name: 'w-feature', type: 'number', help: 'encoder: weight of the classifier-feature MSE (default 0.1)' },
    { name: 'mixing', type: 'number', help: 'style-mixing probability (default 0.9)' },
    { name: 'row-noise', type: 'number', help: 'encoder: std of per-row W+ offsets, in units of the w spread (default 0.2)' },
    { name: 'cbase', type: 'number', help: 'channel base: channels at res r = min(cbase/r, cmax) (encoder default 1024)' },
    { name: 'cmax', type: 'number', help: 'channel maximum (default 128)' },
    { name: 'hidden', type: 'number', help: 'encoder: width of the dense layer before the W+ head (default 256)' },
    { name: 'name', type: 'string', help: 'bundle name' },
    { name: 'fp16', type: 'boolean', help: 'encoder: store the bundle weights as float16 (half the size)' },
    { name: 'eval-images', type: 'number', help: 'encoder: test images for the PSNR/SSIM at each snapshot (default 100)' },
  ],
  defaults: {
    model: 'models/fmnist-stylegan2',
    classifier: 'models/fmnist-classifier',
    data: 'fashion-mnist',
    generated: 8,
    real: 8,
    lr: 5e-4,
    'w-latent': 1,
    'w-pixel': 1,
    'w-feature': 0.1,
    mixing: 0.9,
    'row-noise': 0.2,
    seed: 0,
    'checkpoint-minutes': 10,
  },
  async run(flags, ctx) {
    const model = await loadModel(resolve(str(flags, 'model')));
    const g = model.styleSpace();
    const classifier = str(flags, 'classifier') === 'none' ? null : await readClassifierBundle(resolve(str(flags, 'classifier')));
    const subset = optionalNumber(flags, 'subset');
    const data = str(flags, 'data');
    const { dataset, dataName } = await loadTrainingData(data, { resolution: model.resolution, channels: model.imgChannels as 1 | 3, subset });
    // Image folders have no held-out split: their first images serve for the grids and the PSNR.
    const testset = data === 'fashion-mnist' ? await loadFashionMnist('test', { pad: 32 }) : dataset;
    if (flags.batch !== undefined) throw new ArgumentError('train encoder: use --generated and --real for the batch composition');
    ctx.out(`training an encoder for ${model.name} (${g.numWs}×${g.wDim} W+) on generated pairs + ${dataset.name} (${dataset.size} images) into ${str(flags, 'outdir')}`);
    await runTrainer(flags, ctx, async (common) => {
      const r = await trainEncoder({
        ...common,
        model,
        classifier,
        dataset,
        testset,
        dataName,
        generated: num(flags, 'generated'),
        real: num(flags, 'real'),
        lr: num(flags, 'lr'),
        lrHalfLifeKimg: optionalNumber(flags, 'lr-half-life') ?? null,
        weights: { latent: num(flags, 'w-latent'), pixel: num(flags, 'w-pixel'), feature: num(flags, 'w-feature') },
        mixingProb: num(flags, 'mixing'),
        rowNoise: num(flags, 'row-noise'),
        seed: num(flags, 'seed'),
        subset,
        name: typeof flags.name === 'string' ? flags.name : undefined,
        bundleDtype: flags.fp16 ? 'float16' : 'float32',
        evalImages: optionalNumber(flags, 'eval-images'),
        network: { channelBase: optionalNumber(flags, 'cbase'), channelMax: optionalNumber(flags, 'cmax'), hidden: optionalNumber(flags, 'hidden') },
      });
      const last = r.history[r.history.length - 1];
      if (last) ctx.out(`test reconstruction (${last.images} images): PSNR ${last.psnr.toFixed(2)} dB, SSIM ${last.ssim.toFixed(4)}`);
      return { ...r, tryCommand: `latentlab encode IMAGE|DIR --encoder ${r.files.bundle} --model ${str(flags, 'model')} --outdir OUT` };
    });
  },
};
