import { join } from 'node:path';
import {
  ArgumentError,
  type DirectionSet,
  ganspace,
  interfacegan,
  sefa,
  withMeasuredSigma,
  writeDirections,
  shellWord,
} from '../../index.js';
import { cliPath } from './modelRegistry.js';
import type { JobDeps, StudioJobKind } from './types.js';

import { directionsJobBody } from './schemas.js';

export const DIRECTIONS_FILE = 'directions.safetensors';

interface DirectionsParams {
  model: string;
  method: 'sefa' | 'ganspace' | 'interfacegan';
  components: number;
  /** GANSpace and InterFaceGAN: latents sampled; SeFa: samples for measuring sigma. */
  num: number;
}

/**
 * 'directions': discover edit directions on a StyleGAN2 model (SeFa: closed form from the style weights,
 * sigma measured on samples; GANSpace: PCA of sampled w; InterFaceGAN: one SVM boundary per classifier
 * class over sampled w). The set is saved as the job's directions.safetensors, which the sliders offer.
 */
export function directionsJob({ models }: JobDeps): StudioJobKind {
  return {
    summary: 'discover edit directions: SeFa, GANSpace or InterFaceGAN (latentlab directions)',
    schema: directionsJobBody,
    prepare(raw) {
      const p = raw as unknown as DirectionsParams;
      const info = models.info(p.model);
      if (info.architecture !== 'stylegan2' && info.architecture !== 'stylegan3')
        throw new ArgumentError(
          `directions: ${p.model} is a ${info.architecture}; SeFa and GANSpace need a StyleGAN2 or StyleGAN3`,
        );
      const args = ['npx', 'latentlab', 'directions', p.method, '--model', info.path];
      if (p.method === 'interfacegan') {
        const classifier = models.classifierPath();
        if (!classifier)
          throw new ArgumentError('directions: InterFaceGAN needs a classifier bundle in the model folders');
        args.push('--classifier', cliPath(classifier), '--attributes', 'all', '--num', String(p.num));
      } else {
        args.push(
          '--components',
          String(p.components),
          p.method === 'ganspace' ? '--num' : '--sigma-samples',
          String(p.num),
        );
      }
      args.push('--out', `out/${p.method}.safetensors`);
      return { command: args.map(shellWord).join(' ') };
    },
    async run(raw, ctx) {
      const p = raw as unknown as DirectionsParams;
      const model = await models.get(p.model);
      let set: DirectionSet;
      ctx.report({
        step: 0,
        total: p.num,
        message: p.method === 'sefa' ? 'factorising the style weights' : 'sampling w',
      });
      const onProgress = (done: number, total: number) => {
        ctx.checkCancelled();
        ctx.report({ step: done, total, message: `${done}/${total} samples` });
      };
      if (p.method === 'interfacegan') {
        const classifier = await models.classifier();
        const attributes = classifier.labelNames.map((name, i) => ({ name, classes: [i] }));
        set = (await interfacegan(model, classifier, attributes, { num: p.num, onProgress })).set;
      } else if (p.method === 'sefa') {
        const raw = sefa(model, { components: p.components }).set;
        ctx.checkCancelled();
        ctx.report({ step: 0, total: p.num, message: `measuring sigma on ${p.num} samples` });
        set = await withMeasuredSigma(model, raw, { num: p.num });
      } else {
        set = (
          await ganspace(model, {
            num: p.num,
            components: p.components,
            chunk: Math.min(p.num, 2000),
            onProgress,
          })
        ).set;
      }
      ctx.checkCancelled();
      await writeDirections(join(ctx.dir, DIRECTIONS_FILE), set);
      ctx.report({ step: p.num, total: p.num, message: `${set.labels.length} directions` });
      return { directions: DIRECTIONS_FILE, labels: set.labels, method: p.method };
    },
  };
}
