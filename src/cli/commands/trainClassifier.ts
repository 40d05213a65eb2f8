import {
  resolveTrainClassifierOptions,
  runClassifierTraining,
  TRAIN_CLASSIFIER_SPEC,
  type TrainClassifierOptions,
} from '../../index.js';
import type { TableSubcommand } from '../command.js';
import { formatDuration, runTrainer } from './trainRun.js';

/** `latentlab train classifier`: a run's length is --epochs; each epoch ends with the test accuracy. */
export const classifierTrainer: TableSubcommand = {
  summary:
    'Attribute classifier (CNN, cross-entropy, Adam + cosine, flips/shifts) with test accuracy per epoch',
  usage:
    'latentlab train classifier --data fashion-mnist --outdir DIR [--epochs 6] [--batch 128] [--lr 0.002] [--no-flip] [--shift 0] [--resume] [--seed S]',
  spec: TRAIN_CLASSIFIER_SPEC,
  async run(partial, out) {
    const o = resolveTrainClassifierOptions(partial as Partial<TrainClassifierOptions>);
    await runTrainer(
      TRAIN_CLASSIFIER_SPEC,
      o,
      out,
      (hooks) => runClassifierTraining(o, hooks),
      (r) => {
        out(
          `done: ${o.epochs} epochs, ${r.progress.step} steps, ${formatDuration(r.progress.seconds)} in all (${r.imgPerSec.toFixed(0)} img/s here); test accuracy ${accuracy(r.testAccuracy)}`,
        );
        out(`classifier bundle: ${r.files.bundle}`);
      },
    );
  },
};

function accuracy(a: number | null): string {
  return a === null ? 'not measured yet' : `${(100 * a).toFixed(2)}%`;
}
