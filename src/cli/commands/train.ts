import {
  resolveTrainDcganOptions,
  runDcganTraining,
  TRAIN_DCGAN_SPEC,
  type TrainDcganOptions,
} from '../../index.js';
import { type Command, type TableSubcommand, tableSubcommands } from '../command.js';
import { classifierTrainer } from './trainClassifier.js';
import { encoderTrainer } from './trainEncoder.js';
import { runTrainer } from './trainRun.js';
import { stylegan2Trainer } from './trainStylegan2.js';

/**
 * `latentlab train <network> ...`: one subcommand per trainer, each with the option table and resolver of
 * its library module (src/train/<network>Options.ts); flags of other trainers are refused by name.
 */
const dcganTrainer: TableSubcommand = {
  summary: 'DCGAN, the pytorch/examples recipe (BCE, Adam 2e-4 / (0.5, 0.999), BatchNorm)',
  usage:
    'latentlab train dcgan --data fashion-mnist|DIR --outdir DIR --kimg N [--batch 64] [--resolution 32] [--ngf 64 --ndf 64] [--snap-kimg K] [--resume] [--seed S]',
  spec: TRAIN_DCGAN_SPEC,
  async run(partial, out) {
    const o = resolveTrainDcganOptions(partial as Partial<TrainDcganOptions>);
    await runTrainer(TRAIN_DCGAN_SPEC, o, out, (hooks) => runDcganTraining(o, hooks));
  },
};

export const trainCommand: Command = tableSubcommands('train', 'Train a network; resumable, Ctrl-C saves a checkpoint', [
  dcganTrainer,
  stylegan2Trainer,
  classifierTrainer,
  encoderTrainer,
]);
