import {
  resolveTrainStylegan2Options,
  runStylegan2Training,
  TRAIN_STYLEGAN2_SPEC,
  type TrainStylegan2Options,
} from '../../index.js';
import type { TableSubcommand } from '../command.js';
import { runTrainer } from './trainRun.js';

export const stylegan2Trainer: TableSubcommand = {
  summary: "StyleGAN2, NVIDIA's recipe scaled down (logistic loss, lazy R1, style mixing, G EMA)",
  usage:
    'latentlab train stylegan2 --data fashion-mnist|DIR --outdir DIR --kimg N [--batch 32] [--z-dim 128] [--map 2] [--cbase 4096 --cmax 128] [--gamma 0.01] [--resume | --resume-from MODEL]',
  spec: TRAIN_STYLEGAN2_SPEC,
  async run(partial, out) {
    const o = resolveTrainStylegan2Options(partial as Partial<TrainStylegan2Options>);
    await runTrainer(TRAIN_STYLEGAN2_SPEC, o, out, (hooks) => runStylegan2Training(o, hooks));
  },
};
