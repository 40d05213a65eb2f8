import { join } from 'node:path';
import {
  ArgumentError,
  type DirectionModelFacts,
  type DiscoverHooks,
  type Discovered,
  discoverGanspace,
  discoverInterfacegan,
  discoverSefa,
  formatCommand,
  GANSPACE_SPEC,
  INTERFACEGAN_SPEC,
  resolveGanspaceOptions,
  resolveInterfaceganOptions,
  resolveSefaOptions,
  SEFA_SPEC,
  type VerbSpec,
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

/** A method of the job: its option table, resolver and library call (the CLI's `directions <method>`). */
interface Method {
  spec: VerbSpec;
  resolve(p: Record<string, unknown>, facts: DirectionModelFacts): object;
  discover(o: object, hooks: DiscoverHooks): Promise<Discovered>;
}

const METHODS: Record<DirectionsParams['method'], Method> = {
  sefa: {
    spec: SEFA_SPEC,
    resolve: (p, m) => resolveSefaOptions(p, m),
    discover: (o, h) => discoverSefa(o as ReturnType<typeof resolveSefaOptions>, h),
  },
  ganspace: {
    spec: GANSPACE_SPEC,
    resolve: (p, m) => resolveGanspaceOptions(p, m),
    discover: (o, h) => discoverGanspace(o as ReturnType<typeof resolveGanspaceOptions>, h),
  },
  interfacegan: {
    spec: INTERFACEGAN_SPEC,
    resolve: (p, m) => resolveInterfaceganOptions(p, m),
    discover: (o, h) => discoverInterfacegan(o as ReturnType<typeof resolveInterfaceganOptions>, h),
  },
};

/**
 * 'directions': discover edit directions on a StyleGAN model (SeFa: closed form from the style weights,
 * sigma measured on samples; GANSpace: PCA of sampled w; InterFaceGAN: one SVM boundary per classifier
 * class over sampled w), by the same options and library call as `latentlab directions <method>`. The
 * set is saved as the job's directions.safetensors, which the sliders offer.
 */
export function directionsJob({ models }: JobDeps): StudioJobKind {
  /** The request as the method's partial options (paths spelled as the CLI names them). */
  const partial = (p: DirectionsParams, out: string): Record<string, unknown> => {
    const model = models.info(p.model).path;
    if (p.method === 'sefa') return { model, components: p.components, sigmaSamples: p.num, out };
    if (p.method === 'ganspace') return { model, components: p.components, num: p.num, out };
    const classifier = models.classifierPath();
    if (!classifier) throw new ArgumentError('directions: InterFaceGAN needs a classifier bundle in the model folders');
    return { model, classifier: cliPath(classifier), attributes: 'all', num: p.num, out };
  };
  return {
    summary: 'discover edit directions: SeFa, GANSpace or InterFaceGAN (latentlab directions)',
    schema: directionsJobBody,
    prepare(raw) {
      const p = raw as unknown as DirectionsParams;
      const m = METHODS[p.method];
      const o = m.resolve(partial(p, `out/${p.method}.safetensors`), models.info(p.model));
      return { command: formatCommand(m.spec, o) };
    },
    async run(raw, ctx) {
      const p = raw as unknown as DirectionsParams;
      const m = METHODS[p.method];
      const o = m.resolve(partial(p, join(ctx.dir, DIRECTIONS_FILE)), models.info(p.model));
      const model = await models.get(p.model);
      ctx.report({
        step: 0,
        total: p.num,
        message: p.method === 'sefa' ? 'factorising the style weights' : 'sampling w',
      });
      const { set } = await m.discover(o, {
        model,
        classifier: p.method === 'interfacegan' ? await models.classifier() : undefined,
        checkCancelled: () => ctx.checkCancelled(),
        onProgress: (done, total) => ctx.report({ step: done, total, message: `${done}/${total} samples` }),
        onInfo: (message) => ctx.report({ step: 0, total: p.num, message }),
      });
      ctx.report({ step: p.num, total: p.num, message: `${set.labels.length} directions` });
      return { directions: DIRECTIONS_FILE, labels: set.labels, method: p.method };
    },
  };
}
