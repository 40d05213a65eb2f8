import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ArgumentError,
  type Classifier,
  type FeatureNets,
  type FilesProgress,
  type LatentSpace,
  listTargets,
  loadLatent,
  loadModel,
  loadVggNet,
  type LossWeights,
  VIDEO_FORMATS,
  type VideoFormat,
  projectFiles,
  readClassifierBundle,
  readMask,
} from '../../index.js';
import type { ParsedFlags } from '../args.js';
import type { Command } from '../command.js';

const SHIPPED_CLASSIFIER = fileURLToPath(new URL('../../../models/fmnist-classifier/', import.meta.url));

/** Default classifier feature-loss weight (the Fashion-MNIST perceptual loss), see README's projection table. */
const DEFAULT_FEATURE_WEIGHT = 0.05;

function num(flags: ParsedFlags, name: string): number | undefined {
  return flags[name] === undefined ? undefined : Number(flags[name]);
}

function nonNegative(flags: ParsedFlags, name: string): number | undefined {
  const v = num(flags, name);
  if (v !== undefined && !(v >= 0)) throw new ArgumentError(`--${name} must be >= 0, got ${v}`);
  return v;
}

/** One status line: `[3/10] shoe  step 412/1000  loss 0.0123  ETA 1m02s`, redrawn in place on a TTY. */
function progressPrinter(stream: NodeJS.WriteStream) {
  const started = performance.now();
  let last = 0;
  return {
    update(p: FilesProgress) {
      const now = performance.now();
      if (now - last < (stream.isTTY ? 200 : 30_000) && p.step !== p.numSteps - 1) return;
      last = now;
      const frac = (p.done + (p.step + 1) / p.numSteps * p.names.length) / p.total;
      const eta = frac > 0 ? ((now - started) / 1000) * (1 / frac - 1) : Number.NaN;
      const line = `[${p.done + p.names.length}/${p.total}] ${p.names.join(',')}  step ${p.step + 1}/${p.numSteps}  loss ${p.loss.toPrecision(4)}  ETA ${Number.isFinite(eta) ? `${Math.round(eta)}s` : '?'}`;
      stream.write(stream.isTTY ? `\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}` : `${line}\n`);
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

export const projectCommand: Command = {
  name: 'project',
  summary: 'Project images into a latent space (NVIDIA projector: Z/W/W+, noise maps, Adam or L-BFGS, masks)',
  usage: 'latentlab project --model M --target IMAGE|FOLDER --outdir DIR [--space w|w+|z] [--steps 1000] [--video]',
  flags: [
    { name: 'model', type: 'string', help: 'bundle folder or checkpoint' },
    { name: 'target', type: 'string', help: 'an image, or a folder of images (resumable batch)' },
    { name: 'outdir', type: 'string', help: 'output folder (per image: NAME.latent.safetensors, NAME.png, NAME.target.png, NAME.metrics.json)' },
    { name: 'space', type: 'string', help: 'w (NVIDIA), w+ or z; DCGAN: z' },
    { name: 'noise', type: 'boolean', help: 'optimise the noise maps too (StyleGAN2; default with adam, not lbfgs; --no-noise keeps the stored ones)' },
    { name: 'optimizer', type: 'string', help: 'adam (NVIDIA schedule) or lbfgs (strong Wolfe)', default: 'adam' },
    { name: 'steps', type: 'number', help: 'Adam steps / L-BFGS iterations', default: 1000 },
    { name: 'lr', type: 'number', help: 'initial learning rate (Adam)', default: 0.1 },
    { name: 'w-noise', type: 'number', help: "initial noise factor on the latent (x w_std, annealed to 0 at 75%)", default: 0.05 },
    { name: 'mse', type: 'number', help: 'pixel MSE weight', default: 1 },
    { name: 'l1', type: 'number', help: 'pixel L1 weight', default: 0 },
    { name: 'vgg', type: 'string', help: 'torchvision VGG16 state dict (.pth) for the perceptual loss' },
    { name: 'vgg-weight', type: 'number', help: 'VGG16 perceptual loss weight (with --vgg)', default: 1 },
    { name: 'classifier', type: 'string', help: 'classifier bundle for the feature loss and metrics (default: the shipped one for 1-channel models)' },
    { name: 'feature-weight', type: 'number', help: `classifier feature loss weight (default ${DEFAULT_FEATURE_WEIGHT} when a classifier is used)` },
    { name: 'disc-weight', type: 'number', help: 'discriminator-feature loss weight (StyleGAN2 with D)', default: 0 },
    { name: 'noise-reg', type: 'number', help: 'noise autocorrelation regulariser weight', default: 1e5 },
    { name: 'prior', type: 'number', help: 'L2 prior weight lambda on ||latent - mean||^2', default: 0 },
    { name: 'mask', type: 'string', help: 'mask image: the loss counts only where it is bright (e.g. sketch strokes)' },
    { name: 'init', type: 'string', help: 'start from a latent file (e.g. an encoder output) instead of w_avg' },
    { name: 'any-model', type: 'boolean', help: 'accept an --init latent saved for other weights of the same shape' },
    { name: 'video', type: 'boolean', help: 'write a progress video of target | reconstruction (NAME.gif)' },
    { name: 'video-format', type: 'string', help: 'gif, mp4 or webm (need ffmpeg), frames (NAME.frames/*.png)', default: 'gif' },
    { name: 'video-every', type: 'number', help: 'steps between progress frames', default: 10 },
    { name: 'batch', type: 'number', help: 'images optimised together (Adam)', default: 1 },
    { name: 'w-avg-samples', type: 'number', help: 'mapped samples for w_avg and w_std', default: 10000 },
    { name: 'seed', type: 'number', help: 'seed of the latent noise and initial noise maps', default: 303 },
    { name: 'max-pixels', type: 'number', help: 'refuse target images with more pixels', default: 40_000_000 },
    { name: 'force', type: 'boolean', help: 're-project targets that already have outputs (default: resume)' },
    { name: 'queue', type: 'string', help: 'redis://HOST:PORT: one task per target for `latentlab worker`s; this process writes the results (README: Scale out)' },
  ],
  async run({ flags, positionals }, out) {
    const targetPath = flags.target ?? positionals[0];
    if (!flags.model) throw new ArgumentError('project: --model is required');
    if (!targetPath) throw new ArgumentError('project: --target (an image or a folder) is required');
    if (!flags.outdir) throw new ArgumentError('project: --outdir is required');
    const optimizer = String(flags.optimizer);
    if (optimizer !== 'adam' && optimizer !== 'lbfgs') throw new ArgumentError(`--optimizer must be adam or lbfgs, got '${optimizer}'`);
    const space = flags.space === undefined ? undefined : String(flags.space);
    if (space !== undefined && !['z', 'w', 'w+'].includes(space)) throw new ArgumentError(`--space must be z, w or w+, got '${space}'`);
    const steps = Number(flags.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`--steps must be a positive integer, got ${steps}`);

    const optimizeNoise = flags.noise === undefined ? optimizer === 'adam' : Boolean(flags.noise);
    const sources = await listTargets(String(targetPath));
    const model = await loadModel(String(flags.model));
    const nets: FeatureNets = {};
    if (flags.vgg) nets.vgg = await loadVggNet(String(flags.vgg));
    let classifier: Classifier | undefined;
    let classifierPath: string | null = null;
    if (flags.classifier) classifierPath = String(flags.classifier);
    else if (model.imgChannels === 1 && existsSync(`${SHIPPED_CLASSIFIER}/model.json`)) classifierPath = SHIPPED_CLASSIFIER;
    if (classifierPath) classifier = await readClassifierBundle(classifierPath);
    const featureWeight = nonNegative(flags, 'feature-weight') ?? (classifier && classifier.config.inChannels === model.imgChannels ? DEFAULT_FEATURE_WEIGHT : 0);
    if (featureWeight > 0) {
      if (!classifier) throw new ArgumentError('--feature-weight needs --classifier');
      nets.classifier = classifier;
    }
    const losses: LossWeights = {
      mse: nonNegative(flags, 'mse'),
      l1: nonNegative(flags, 'l1'),
      vgg: nets.vgg ? nonNegative(flags, 'vgg-weight') : 0,
      classifier: featureWeight,
      discriminator: nonNegative(flags, 'disc-weight'),
      noise: model.architecture === 'stylegan2' && optimizeNoise ? nonNegative(flags, 'noise-reg') : 0,
      prior: nonNegative(flags, 'prior'),
    };
    const mask = flags.mask ? await readMask(String(flags.mask), model.resolution) : undefined;
    const init = flags.init ? await loadLatent(String(flags.init), model, { allowOtherModel: Boolean(flags['any-model']) }) : undefined;
    if (init && init.codes.shape[0] !== 1) throw new ArgumentError(`--init ${flags.init} holds ${init.codes.shape[0]} latents; pass a file with one`);
    const videoEvery = Number(flags['video-every']);
    if (flags.video && !(Number.isInteger(videoEvery) && videoEvery >= 1)) throw new ArgumentError('--video-every must be a positive integer');
    const videoFormat = String(flags['video-format']) as VideoFormat;
    if (!VIDEO_FORMATS.includes(videoFormat)) throw new ArgumentError(`--video-format must be ${VIDEO_FORMATS.join(', ')}; got '${videoFormat}'`);

    if (flags.queue) {
      for (const f of ['vgg', 'mask', 'init', 'video'])
        if (flags[f]) throw new ArgumentError(`project --queue: --${f} is not supported on the queue yet; run without --queue`);
      if (Number(flags.batch) !== 1) throw new ArgumentError('project --queue: one target per task; drop --batch');
      const { projectOnQueue } = await import('./projectQueue.js');
      await projectOnQueue(
        {
          url: String(flags.queue),
          model: String(flags.model),
          classifier: classifierPath,
          options: {
            space: space as LatentSpace | undefined,
            optimizeNoise,
            optimizer,
            numSteps: steps,
            initialLearningRate: Number(flags.lr),
            initialNoiseFactor: Number(flags['w-noise']),
            losses,
            wAvgSamples: Number(flags['w-avg-samples']),
            seed: Number(flags.seed),
            maxPixels: Number(flags['max-pixels']),
            framesEvery: 0,
            videoFormat,
          },
          sources,
          outdir: String(flags.outdir),
          resume: !flags.force,
        },
        out,
      );
      await model.release();
      return;
    }
    const progress = progressPrinter(process.stderr);
    const results = await projectFiles(model, sources, {
      outdir: String(flags.outdir),
      space: space as LatentSpace | undefined,
      optimizeNoise,
      optimizer,
      numSteps: steps,
      initialLearningRate: Number(flags.lr),
      initialNoiseFactor: Number(flags['w-noise']),
      losses,
      nets,
      mask,
      init,
      wAvgSamples: Number(flags['w-avg-samples']),
      seed: Number(flags.seed),
      batchSize: Number(flags.batch),
      maxPixels: Number(flags['max-pixels']),
      metricsClassifier: classifier,
      framesEvery: flags.video ? videoEvery : 0,
      videoFormat,
      resume: !flags.force,
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    const done = results.filter((r) => r.status === 'projected');
    const failed = results.filter((r) => r.status === 'failed');
    const skipped = results.length - done.length - failed.length;
    for (const r of done) {
      const m = r.metrics!;
      const fd = m.featureDistance === null ? '' : `  feature distance ${m.featureDistance.toFixed(3)}`;
      out(`${r.name}: PSNR ${m.psnr.toFixed(2)} dB  SSIM ${m.ssim.toFixed(4)}  MSE ${m.mse.toExponential(3)}${fd}  ${r.seconds!.toFixed(1)} s`);
    }
    for (const r of failed) out(`${r.name}: FAILED: ${r.error}`);
    out(`projected ${done.length}, skipped ${skipped} (already done), failed ${failed.length} -> ${flags.outdir}`);
    if (failed.length) {
      const first = failed[0];
      throw new ArgumentError(failed.length === 1 && results.length === 1 ? first.error! : `${failed.length} of ${results.length} targets failed (first: ${first.name}: ${first.error})`);
    }
  },
};
