import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import {
  ArgumentError,
  encode,
  encodeLatent,
  encodePng,
  type FeatureNets,
  type Latent,
  type LossWeights,
  makeGrid,
  project,
  readMask,
  readTarget,
  reconstructionMetrics,
  toImages,
  upscale,
} from '../../index.js';
import type { JobContext } from './jobQueue.js';
import type { JobDeps, StudioJobKind } from './jobKinds.js';
import { readWorkspaceLatent } from './latentRefs.js';
import { cliPath } from './modelRegistry.js';
import { shellWord } from './render.js';
import { projectJobBody } from './schemas.js';
import { writeFileAtomic } from './workspace.js';

/** Default classifier feature-loss weight, as `latentlab project` uses it. */
const FEATURE_WEIGHT = 0.05;
/** Frames streamed over SSE: at most this many per projection, each a small inline PNG. */
const MAX_FRAMES = 50;

interface ProjectParams {
  model: string;
  image: string;
  mask?: string;
  space: 'z' | 'w' | 'w+';
  optimizer: 'adam' | 'lbfgs';
  steps: number;
  loss: 'pixel' | 'pixel+classifier' | 'pixel+discriminator';
  prior: number;
  noise: boolean;
  seed: number;
  /** Starting point: w_avg (NVIDIA), the encoder's guess (hybrid inversion) or a saved latent. */
  init: 'mean' | 'encoder' | 'latent';
  initLatent?: string;
}

function lossWeights(p: ProjectParams, isStyleGan: boolean): LossWeights {
  const w: LossWeights = { mse: 1 };
  if (isStyleGan && p.noise) w.noise = 1e5;
  if (p.loss === 'pixel+classifier') w.classifier = FEATURE_WEIGHT;
  if (p.loss === 'pixel+discriminator') w.discriminator = 1;
  if (p.prior > 0) w.prior = p.prior;
  return w;
}

/**
 * 'project': an uploaded image (optionally with a mask, e.g. sketch strokes) -> a latent, by the projector
 * (NVIDIA's schedule with Adam, or L-BFGS). Every step reports its loss; every few steps a reconstruction
 * frame goes out inline (a data: URL), so the studio draws frames and a loss chart while it runs.
 * Outputs: projected.latent.safetensors, projected.png, target.png, loss.json.
 */
export function projectJob({ models, workspace }: JobDeps): StudioJobKind {
  return {
    summary: 'project an image into the latent space (latentlab project)',
    schema: projectJobBody,
    async prepare(raw) {
      const p = raw as unknown as ProjectParams;
      const info = models.info(p.model);
      for (const f of [p.image, p.mask])
        if (f !== undefined && !existsSync(workspace.resolve(f)))
          throw new ArgumentError(`project: no file '${f}' in the workspace`);
      if (info.architecture === 'dcgan' && p.space !== 'z')
        throw new ArgumentError(`project: ${p.model} is a DCGAN; its only space is z`);
      if (p.loss === 'pixel+classifier' && !models.classifierPath())
        throw new ArgumentError('project: no classifier bundle in the model folders');
      if (p.init === 'encoder' && !info.encoder)
        throw new ArgumentError(`project: no encoder bundle for ${p.model} in the model folders`);
      if (p.init === 'encoder' && p.space !== 'w+')
        throw new ArgumentError(`project: the encoder's latents are W+; project in w+ (got ${p.space})`);
      if (p.init === 'latent' && (!p.initLatent || !existsSync(workspace.resolve(p.initLatent))))
        throw new ArgumentError('project: init latent: give an existing workspace latent file');
      if (p.init === 'latent') {
        const from = await readWorkspaceLatent(workspace, await models.get(p.model), p.initLatent!);
        const fits = from.space === p.space || p.space === 'w+' || (p.space === 'w' && from.space === 'z');
        if (!fits)
          throw new ArgumentError(
            `project: cannot start a ${p.space} projection from a ${from.space} latent (project in w+)`,
          );
      }
      const target = cliPath(workspace.resolve(p.image));
      const before: string[] = [];
      let initFile: string | null = p.init === 'latent' ? cliPath(workspace.resolve(p.initLatent!)) : null;
      if (p.init === 'encoder') {
        // the CLI's hybrid: encode first, then project from the encoder's latent
        before.push(
          [
            'npx',
            'latentlab',
            'encode',
            target,
            '--encoder',
            info.encoder!,
            '--model',
            info.path,
            '--outdir',
            'out/encode',
          ]
            .map(shellWord)
            .join(' '),
        );
        initFile = `out/encode/${basename(p.image, extname(p.image))}.latent.safetensors`;
      }
      const args = [
        'npx',
        'latentlab',
        'project',
        '--model',
        info.path,
        '--target',
        target,
        '--outdir',
        'out/project',
      ];
      args.push('--space', p.space, '--optimizer', p.optimizer, '--steps', String(p.steps));
      if (!p.noise) args.push('--no-noise');
      if (p.loss === 'pixel+classifier')
        args.push(
          '--classifier',
          cliPath(models.classifierPath()!),
          '--feature-weight',
          String(FEATURE_WEIGHT),
        );
      if (p.loss === 'pixel+discriminator') args.push('--disc-weight', '1');
      if (p.prior > 0) args.push('--prior', String(p.prior));
      if (p.mask) args.push('--mask', cliPath(workspace.resolve(p.mask)));
      if (initFile) args.push('--init', initFile);
      return { command: [...before, args.map(shellWord).join(' ')].join(' && ') };
    },
    async run(raw, ctx: JobContext) {
      const p = raw as unknown as ProjectParams;
      const model = await models.get(p.model);
      const target = await readTarget(workspace.resolve(p.image), model);
      const mask = p.mask ? await readMask(workspace.resolve(p.mask), model.resolution) : undefined;
      const nets: FeatureNets = {};
      if (p.loss === 'pixel+classifier') nets.classifier = await models.classifier();
      const frameEvery = Math.max(1, Math.ceil(p.steps / MAX_FRAMES));
      let init: Latent | undefined;
      if (p.init === 'encoder') init = await encode(await models.encoderFor(model), model, target);
      if (p.init === 'latent') init = await readWorkspaceLatent(workspace, model, p.initLatent!);
      if (init && init.codes.shape[0] !== 1)
        throw new ArgumentError(`project: the init latent holds ${init.codes.shape[0]} rows; give one`);
      const history: number[] = [];
      let pending: Promise<void> = Promise.resolve();
      const result = await project(model, target, {
        space: p.space,
        optimizer: p.optimizer,
        numSteps: p.steps,
        optimizeNoise: model.architecture === 'stylegan2' && p.noise,
        losses: lossWeights(p, model.architecture === 'stylegan2'),
        nets,
        mask,
        init,
        seed: p.seed,
        frameEvery,
        onStep: ({ step, numSteps, loss, image }) => {
          history.push(loss);
          if (ctx.signal.aborted) return true;
          // reports go out in step order; a frame's PNG (inline, a data: URL) is encoded off the optimiser's path
          pending = pending.then(async () => {
            if (!image) return ctx.report({ step: step + 1, total: numSteps, loss });
            const frame = `data:image/png;base64,${(await encodePng(upscale(toImages(image)[0], 4))).toString('base64')}`;
            const [m] = await reconstructionMetrics(image, target);
            ctx.report({ step: step + 1, total: numSteps, loss, frame, psnr: m.psnr, ssim: m.ssim });
          });
          return false;
        },
      });
      await pending;
      ctx.checkCancelled();
      const recon = toImages(result.images)[0];
      const [quality] = await reconstructionMetrics(result.images, target);
      await writeFileAtomic(join(ctx.dir, 'projected.png'), await encodePng(upscale(recon, 4)));
      await writeFileAtomic(join(ctx.dir, 'target.png'), await encodePng(upscale(toImages(target)[0], 4)));
      await writeFileAtomic(
        join(ctx.dir, 'comparison.png'),
        await encodePng(makeGrid([upscale(toImages(target)[0], 4), upscale(recon, 4)], 2, 4)),
      );
      await writeFileAtomic(
        join(ctx.dir, 'loss.json'),
        JSON.stringify({
          history,
          final: result.loss,
          terms: result.terms,
          steps: result.steps,
          seconds: result.seconds,
        }),
      );
      await writeFileAtomic(join(ctx.dir, 'projected.latent.safetensors'), encodeLatent(result.latent));
      return {
        latent: 'projected.latent.safetensors',
        image: 'projected.png',
        loss: result.loss[0],
        psnr: quality.psnr,
        ssim: quality.ssim,
        steps: result.steps,
        seconds: result.seconds,
      };
    },
  };
}
