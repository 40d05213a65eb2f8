import { access, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  encode,
  encodeAndProject,
  HYBRID_DEFAULTS,
  type Latent,
  LATENT_EXTENSION,
  listImageFiles,
  loadModel,
  makeGrid,
  type ReconstructionMetrics,
  reconstructionMetrics,
  readClassifierBundle,
  readEncoderBundle,
  readImageInputs,
  renderLatent,
  saveLatent,
  selectRows,
  imageStem,
  toImages,
  upscale,
  writePng,
  type Tensor,
} from '../../index.js';
import type { Command } from '../command.js';

/** Means of the per-image metrics (PSNR averaged in dB, as papers report it). */
function meanMetrics(m: readonly ReconstructionMetrics[]): ReconstructionMetrics {
  const mean = (f: (q: ReconstructionMetrics) => number) => m.reduce((s, q) => s + f(q), 0) / m.length;
  return { mse: mean((q) => q.mse), psnr: mean((q) => q.psnr), ssim: mean((q) => q.ssim), featureDistance: m[0].featureDistance === null ? null : mean((q) => q.featureDistance!) };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'Invert images with a trained encoder (one forward pass): W+ latent files, reconstructions, PSNR/SSIM',
  usage: 'latentlab encode IMAGE|DIR... --outdir DIR [--encoder models/fmnist-encoder] [--model models/fmnist-stylegan2] [--steps N (hybrid)]',
  flags: [
    { name: 'encoder', type: 'string', help: 'encoder bundle folder', default: 'models/fmnist-encoder' },
    { name: 'model', type: 'string', help: 'StyleGAN2 bundle the codes are for', default: 'models/fmnist-stylegan2' },
    { name: 'classifier', type: 'string', help: "classifier bundle for the feature distance ('none' to skip)", default: 'models/fmnist-classifier' },
    { name: 'outdir', type: 'string', help: 'output folder: <name>.latent.safetensors, <name>.png, compare.png, metrics.json (MSE on [0, 1], PSNR, SSIM, feature distance)' },
    { name: 'steps', type: 'number', help: 'hybrid: refine the encoder output with N projector steps (Adam, W+, noise maps)', default: 0 },
    { name: 'lr', type: 'number', help: `hybrid: initial learning rate (default ${HYBRID_DEFAULTS.initialLearningRate})` },
    { name: 'feature-weight', type: 'number', help: 'hybrid: classifier feature loss weight (default 0.05 with a classifier)' },
    { name: 'upscale', type: 'number', help: 'nearest-neighbour upscaling of the PNGs', default: 1 },
    { name: 'batch', type: 'number', help: 'images per ONNX Runtime call', default: 16 },
  ],
  async run({ flags, positionals }, out) {
    if (!positionals.length) throw new ArgumentError('encode: name one or more images or folders');
    if (!flags.outdir) throw new ArgumentError('encode: --outdir is required');
    const factor = Number(flags.upscale);
    if (!Number.isInteger(factor) || factor < 1 || factor > 16) throw new ArgumentError('--upscale must be an integer 1..16');
    const outdir = String(flags.outdir);
    const files = await listImageFiles(positionals);
    const stems = files.map(imageStem);
    const dup = stems.find((s, i) => stems.indexOf(s) !== i);
    if (dup) throw new ArgumentError(`encode: two inputs are named '${dup}'; their outputs would collide`);
    const [encoder, model] = await Promise.all([readEncoderBundle(String(flags.encoder)), loadModel(String(flags.model))]);
    const g = { imgResolution: model.resolution, imgChannels: model.imgChannels };
    // Everything is read and computed before the first file is written: a bad input leaves nothing.
    const targets = await readImageInputs(files, g.imgResolution, g.imgChannels as 1 | 3);
    const steps = Number(flags.steps);
    if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`--steps must be an integer >= 0, got ${flags.steps}`);
    const clfPath = String(flags.classifier);
    const clf = clfPath !== 'none' && (await exists(clfPath)) ? await readClassifierBundle(clfPath) : undefined;
    const useClf = clf && clf.config.inChannels === g.imgChannels ? clf : undefined;
    const warn = (m: string) => out(`warning: ${m}`);
    const t0 = performance.now();
    let latent: Latent;
    let recon: Tensor;
    let encoderQuality: ReconstructionMetrics[] | null = null;
    if (steps === 0) {
      latent = await encode(encoder, model, targets, { batchSize: Number(flags.batch), onWarning: warn, provenance: { sources: stems } });
      recon = await renderLatent(model, latent, { batchSize: Number(flags.batch) });
    } else {
      const featureWeight = flags['feature-weight'] === undefined ? (useClf ? 0.05 : 0) : Number(flags['feature-weight']);
      if (!(featureWeight >= 0)) throw new ArgumentError(`--feature-weight must be >= 0, got ${flags['feature-weight']}`);
      if (featureWeight > 0 && !useClf) throw new ArgumentError(`--feature-weight needs a ${g.imgChannels}-channel --classifier`);
      const r = await encodeAndProject(encoder, model, targets, {
        numSteps: steps,
        initialLearningRate: flags.lr === undefined ? undefined : Number(flags.lr),
        losses: { mse: 1, classifier: featureWeight, noise: 1e5 },
        nets: featureWeight > 0 ? { classifier: useClf } : {},
        encodeBatchSize: Number(flags.batch),
        onWarning: warn,
      });
      latent = { ...r.latent, provenance: { ...r.latent.provenance, sources: stems } };
      recon = r.images;
      encoderQuality = await reconstructionMetrics(await renderLatent(model, r.encoded, { batchSize: Number(flags.batch) }), targets, useClf);
    }
    const seconds = (performance.now() - t0) / 1000;
    const quality = await reconstructionMetrics(recon, targets, useClf);
    const reconImages = toImages(recon).map((im) => upscale(im, factor));
    const targetImages = toImages(targets).map((im) => upscale(im, factor));
    for (let i = 0; i < files.length; i++) {
      await saveLatent(join(outdir, `${stems[i]}${LATENT_EXTENSION}`), selectRows(latent, [i]));
      await writePng(join(outdir, `${stems[i]}.png`), reconImages[i]);
    }
    await writePng(join(outdir, 'compare.png'), makeGrid([...targetImages, ...reconImages], files.length, factor, 255));
    const perImage = files.map((f, i) => ({ file: f, latent: `${stems[i]}${LATENT_EXTENSION}`, ...quality[i], ...(encoderQuality ? { encoderOnly: encoderQuality[i] } : {}) }));
    const mean = meanMetrics(quality);
    const report = {
      encoder: { name: encoder.name, contentHash: encoder.manifest.contentHash },
      model: { name: model.name, contentHash: model.manifest.contentHash },
      method: steps === 0 ? 'encoder' : `hybrid: encoder + ${steps} projector steps (W+)`,
      secondsPerImage: seconds / files.length,
      mean,
      images: perImage,
    };
    await mkdir(outdir, { recursive: true });
    const tmp = join(outdir, '.metrics.json.tmp');
    await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(tmp, join(outdir, 'metrics.json'));
    const how = steps === 0 ? '' : ` (+${steps} projector steps; encoder alone ${meanMetrics(encoderQuality!).psnr.toFixed(2)} dB)`;
    out(`encoded ${files.length} image(s)${how} into ${outdir}: mean PSNR ${mean.psnr.toFixed(2)} dB, SSIM ${mean.ssim.toFixed(4)} (${(1000 * report.secondsPerImage).toFixed(1)} ms/image)`);
  },
};
