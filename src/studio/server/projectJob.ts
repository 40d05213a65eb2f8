import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  ArgumentError,
  ENCODE_SPEC,
  encodeFiles,
  type EncodeRunOptions,
  encodePng,
  formatCommand,
  LATENT_EXTENSION,
  makeGrid,
  outputNames,
  PROJECT_LOSS_PRESETS,
  PROJECT_SPEC,
  type ProjectLoss,
  type ProjectRunOptions,
  projectVerb,
  readImage,
  readTarget,
  reconstructionMetrics,
  resolveEncodeOptions,
  resolveProjectOptions,
  toImages,
  upscale,
} from '../../index.js';
import type { JobContext } from './jobQueue.js';
import type { JobDeps, StudioJobKind } from './types.js';
import { readWorkspaceLatent } from './latentRefs.js';
import type { ModelSummary } from '../shared/api.js';
import { cliPath } from './modelRegistry.js';
import { projectJobBody } from './schemas.js';
import { writeFileAtomic } from './workspace.js';

/** Frames streamed over SSE: at most this many per projection, each a small inline PNG. */
const MAX_FRAMES = 50;

interface ProjectParams {
  model: string;
  image: string;
  mask?: string;
  space?: 'z' | 'w' | 'w+';
  optimizer?: 'adam' | 'lbfgs';
  steps?: number;
  loss?: ProjectLoss;
  prior?: number;
  noise?: boolean;
  seed?: number;
  /** Starting point: w_avg (NVIDIA), the encoder's guess (hybrid inversion) or a saved latent. */
  init?: 'mean' | 'encoder' | 'latent';
  initLatent?: string;
}

/** Where the hybrid's encoder latent goes (the encode command's output, the projection's --init). */
const ENCODED = 'out/encode';

/** The hybrid's first step as `encode`'s partial options (the target, this model and its encoder). */
function encodePartial(p: ProjectParams, info: ModelSummary, deps: JobDeps, outdir: string): Partial<EncodeRunOptions> {
  const classifier = deps.models.classifierPath();
  return {
    inputs: [cliPath(deps.workspace.resolve(p.image))],
    outdir,
    encoder: info.encoder!,
    model: info.path,
    classifier: classifier ? cliPath(classifier) : 'none',
  };
}

/** The request as `project`'s partial options (paths spelled as the CLI names them; nothing defaulted here). */
function projectPartial(
  p: ProjectParams,
  info: ModelSummary,
  deps: JobDeps,
): { -readonly [K in keyof ProjectRunOptions]?: ProjectRunOptions[K] } {
  const { models, workspace } = deps;
  const spell = (rel: string) => cliPath(workspace.resolve(rel));
  const classifier = models.classifierPath();
  const partial: { -readonly [K in keyof ProjectRunOptions]?: ProjectRunOptions[K] } = {
    model: info.path,
    target: spell(p.image),
    outdir: 'out/project',
    space: p.space,
    optimizer: p.optimizer,
    steps: p.steps,
    noise: p.noise,
    prior: p.prior,
    seed: p.seed,
    ...(p.loss ? PROJECT_LOSS_PRESETS[p.loss] : {}),
  };
  if (classifier) partial.classifier = cliPath(classifier);
  if (p.mask) partial.mask = spell(p.mask);
  if (p.init === 'latent' && p.initLatent) partial.init = spell(p.initLatent);
  if (p.init === 'encoder')
    partial.init = `${ENCODED}/${basename(p.image, extname(p.image))}${LATENT_EXTENSION}`;
  return partial;
}

/**
 * 'project': an uploaded image (optionally with a mask, e.g. sketch strokes) -> a latent, by the projector
 * (NVIDIA's schedule with Adam, or L-BFGS). Every step reports its loss; every few steps a reconstruction
 * frame goes out inline (a data: URL), so the studio draws frames and a loss chart while it runs.
 * Outputs: projected.latent.safetensors, projected.png, target.png, loss.json.
 */
export function projectJob(deps: JobDeps): StudioJobKind {
  const { models, workspace } = deps;
  return {
    summary: 'project an image into the latent space (latentlab project)',
    schema: projectJobBody,
    async prepare(raw) {
      const p = raw as unknown as ProjectParams;
      const info = models.info(p.model);
      for (const f of [p.image, p.mask])
        if (f !== undefined && !existsSync(workspace.resolve(f)))
          throw new ArgumentError(`project: no file '${f}' in the workspace`);
      if (p.loss === 'pixel+classifier' && !models.classifierPath())
        throw new ArgumentError('project: no classifier bundle in the model folders');
      if (p.init === 'encoder' && !info.encoder)
        throw new ArgumentError(`project: no encoder bundle for ${p.model} in the model folders`);
      if (p.init === 'latent' && (!p.initLatent || !existsSync(workspace.resolve(p.initLatent))))
        throw new ArgumentError('project: init latent: give an existing workspace latent file');
      const o = resolveProjectOptions(projectPartial(p, info, deps), info);
      if (p.init === 'encoder' && o.space !== 'w+')
        throw new ArgumentError(`project: the encoder's latents are W+; project in w+ (got ${o.space})`);
      if (p.init === 'latent') {
        const from = await readWorkspaceLatent(workspace, await models.get(p.model), p.initLatent!);
        const fits = from.space === o.space || o.space === 'w+' || (o.space === 'w' && from.space === 'z');
        if (!fits)
          throw new ArgumentError(
            `project: cannot start a ${o.space} projection from a ${from.space} latent (project in w+)`,
          );
      }
      const project = formatCommand(PROJECT_SPEC, o);
      // the CLI's hybrid: encode first, then project from the encoder's latent
      const encodeFirst =
        p.init === 'encoder'
          ? `${formatCommand(ENCODE_SPEC, resolveEncodeOptions(encodePartial(p, info, deps, ENCODED), { ...info, imgChannels: info.channels }))} && `
          : '';
      return { command: encodeFirst + project };
    },
    async run(raw, ctx: JobContext) {
      const p = raw as unknown as ProjectParams;
      const info = models.info(p.model);
      const model = await models.get(p.model);
      const partial = projectPartial(p, info, deps);
      // the target as `project` prepares it (live PSNR / SSIM of the frames; the encoder's input)
      const targetImage = await readTarget(workspace.resolve(p.image), model);
      if (p.init === 'encoder') {
        // `latentlab encode` into the job's folder: its latent is the projection's --init
        const eo = resolveEncodeOptions(encodePartial(p, info, deps, join(ctx.dir, 'encode')), model);
        await encodeFiles(eo, {
          model,
          encoder: await models.encoderFor(model),
          classifier: models.classifierPath() ? await models.classifier() : undefined,
        });
        partial.init = join(eo.outdir, `${basename(p.image, extname(p.image))}${LATENT_EXTENSION}`);
      }
      // the same library call as `latentlab project`, writing into the job's folder
      const o = resolveProjectOptions({ ...partial, outdir: ctx.dir }, info);
      const frameEvery = Math.max(1, Math.ceil(o.steps / MAX_FRAMES));
      const history: number[] = [];
      let pending: Promise<void> = Promise.resolve();
      const [result] = await projectVerb(model, o, {
        classifier: o.classifier && models.classifierPath() ? await models.classifier() : undefined,
        liveFrameEvery: frameEvery,
        onStep: ({ step, numSteps, evaluations, loss, image }) => {
          history.push(loss);
          if (ctx.signal.aborted) return true;
          // reports go out in step order; a frame's PNG (inline, a data: URL) is encoded off the optimiser's path
          pending = pending.then(async () => {
            const report = { step: step + 1, total: numSteps, evaluations, loss };
            if (!image) return ctx.report(report);
            const frame = `data:image/png;base64,${(await encodePng(upscale(toImages(image)[0], 4))).toString('base64')}`;
            const [m] = await reconstructionMetrics(image, targetImage);
            ctx.report({ ...report, frame, psnr: m.psnr, ssim: m.ssim });
          });
          return false;
        },
      });
      await pending;
      ctx.checkCancelled();
      if (result.status !== 'projected') throw new ArgumentError(`project: ${result.error ?? result.status}`);
      const names = outputNames(result.name);
      const record = JSON.parse(await readFile(join(ctx.dir, names.metrics), 'utf8')) as {
        loss: number;
        terms: Record<string, number>;
        steps: number;
        seconds: number;
      };
      // the studio's names for the same files, plus 4x views and the loss curve
      await copyFile(join(ctx.dir, names.latent), join(ctx.dir, 'projected.latent.safetensors'));
      const recon = await readImage(join(ctx.dir, names.reconstruction));
      const target = await readImage(join(ctx.dir, names.target));
      await writeFileAtomic(join(ctx.dir, 'projected.png'), await encodePng(upscale(recon, 4)));
      await writeFileAtomic(join(ctx.dir, 'target.png'), await encodePng(upscale(target, 4)));
      await writeFileAtomic(
        join(ctx.dir, 'comparison.png'),
        await encodePng(makeGrid([upscale(target, 4), upscale(recon, 4)], 2, 4)),
      );
      await writeFileAtomic(
        join(ctx.dir, 'loss.json'),
        JSON.stringify({
          history,
          final: [record.loss],
          terms: record.terms,
          steps: record.steps,
          seconds: record.seconds,
        }),
      );
      return {
        latent: 'projected.latent.safetensors',
        image: 'projected.png',
        loss: record.loss,
        psnr: result.metrics!.psnr,
        ssim: result.metrics!.ssim,
        steps: record.steps,
        seconds: record.seconds,
      };
    },
  };
}
