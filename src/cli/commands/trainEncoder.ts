import {
  resolveTrainEncoderOptions,
  runEncoderTraining,
  TRAIN_ENCODER_SPEC,
  type TrainEncoderOptions,
} from '../../index.js';
import type { TableSubcommand } from '../command.js';
import { runTrainer } from './trainRun.js';

export const encoderTrainer: TableSubcommand = {
  summary:
    'image -> W+ encoder for a StyleGAN2/3 (generated code/image pairs + real images; latent, pixel, classifier-feature losses)',
  usage:
    'latentlab train encoder --model models/fmnist-stylegan2 --data fashion-mnist --outdir DIR --kimg N [--generated 8 --real 8] [--lr 0.0005] [--lr-half-life K] [--w-latent 1 --w-pixel 1 --w-feature 0.1] [--resume]',
  spec: TRAIN_ENCODER_SPEC,
  async run(partial, out) {
    const o = resolveTrainEncoderOptions(partial as Partial<TrainEncoderOptions>);
    const r = await runTrainer(TRAIN_ENCODER_SPEC, o, out, (hooks) => runEncoderTraining(o, hooks));
    const last = r.history[r.history.length - 1];
    if (last)
      out(`test reconstruction (${last.images} images): PSNR ${last.psnr.toFixed(2)} dB, SSIM ${last.ssim.toFixed(4)}`);
  },
};
