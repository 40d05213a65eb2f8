import { loadModel, trainStyleGAN2 } from '../../index.js';
import type { TrainSubcommand } from './train.js';
import { GAN_DATA_FLAGS, GAN_METRIC_FLAGS, loadTrainingData, num, runTrainer, snapshotFcdFromFlags, str } from './trainRun.js';

export const stylegan2Trainer: TrainSubcommand = {
  name: 'stylegan2',
  summary: "StyleGAN2, NVIDIA's recipe scaled down (logistic loss, lazy R1, style mixing, G EMA)",
  usage:
    'latentlab train stylegan2 --data fashion-mnist|DIR --outdir DIR --kimg N [--batch 32] [--z-dim 128] [--map 2] [--cbase 4096 --cmax 128] [--gamma 0.01] [--resume | --resume-from MODEL]',
  flags: [
    ...GAN_DATA_FLAGS,
    ...GAN_METRIC_FLAGS,
    { name: 'z-dim', type: 'number', help: 'z and w size (default 128)' },
    { name: 'map', type: 'number', help: 'mapping layers (default 2, as ADA --cfg auto)' },
    {
      name: 'cbase',
      type: 'number',
      help: 'channel base: channels at res r = min(cbase/r, cmax) (default 4096)',
    },
    { name: 'cmax', type: 'number', help: 'channel maximum (default 128)' },
    { name: 'gamma', type: 'number', help: 'R1 weight (default 0.01)' },
    { name: 'mbstd-group', type: 'number', help: 'minibatch-std group size (default 4)' },
    { name: 'mixing', type: 'number', help: 'style-mixing probability (default 0.9)' },
    { name: 'ema-kimg', type: 'number', help: 'G EMA half-life in kimg (default batch*10/32)' },
    { name: 'glr', type: 'number', help: 'Adam learning rate of G and D (default 0.0025)' },
    {
      name: 'resume-from',
      type: 'string',
      help: "start from a model's G_ema and D (bundle or NVIDIA .pkl; fresh Adam state, as NVIDIA's --resume=PKL); kimg counts on from its card",
    },
  ],
  defaults: {
    batch: 32,
    resolution: 32,
    channels: 3,
    'z-dim': 128,
    map: 2,
    cbase: 4096,
    cmax: 128,
    gamma: 0.01,
    'mbstd-group': 4,
    mixing: 0.9,
    glr: 0.0025,
    seed: 0,
    'checkpoint-minutes': 10,
  },
  async run(flags, ctx) {
    const subset = flags.subset === undefined ? undefined : num(flags, 'subset');
    const channels = num(flags, 'channels') as 1 | 3;
    const { dataset, dataName } = await loadTrainingData(str(flags, 'data'), {
      resolution: num(flags, 'resolution'),
      channels,
      subset,
    });
    ctx.out(
      `training StyleGAN2 ${dataset.resolution}×${dataset.resolution}×${dataset.channels} on ${dataset.name} (${dataset.size} images) into ${str(flags, 'outdir')}`,
    );
    const snapshotFcd = await snapshotFcdFromFlags(flags, dataset, dataName);
    const initFrom = flags['resume-from'] === undefined ? undefined : await loadModel(str(flags, 'resume-from'));
    await runTrainer(flags, ctx, (common) =>
      trainStyleGAN2({
        ...common,
        snapshotFcd,
        initFrom,
        dataset,
        dataName,
        batch: num(flags, 'batch'),
        zDim: num(flags, 'z-dim'),
        mappingLayers: num(flags, 'map'),
        channelBase: num(flags, 'cbase'),
        channelMax: num(flags, 'cmax'),
        r1Gamma: num(flags, 'gamma'),
        mbstdGroup: num(flags, 'mbstd-group'),
        styleMixingProb: num(flags, 'mixing'),
        emaKimg: flags['ema-kimg'] === undefined ? undefined : num(flags, 'ema-kimg'),
        lr: num(flags, 'glr'),
        seed: num(flags, 'seed'),
        subset,
      }),
    );
  },
};
