import { access, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  encode,
  imageQuality,
  LATENT_EXTENSION,
  listImageFiles,
  loadModel,
  makeGrid,
  meanQuality,
  predict,
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

/** Mean squared difference of classifier features per image row. */
function featureMse(a: Tensor, b: Tensor): number[] {
  const [n, d] = a.shape;
  const fa = a.toFloat32().data;
  const fb = b.toFloat32().data;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (fa[i * d + k] - fb[i * d + k]) ** 2;
    return s / d;
  });
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
  usage: 'latentlab encode IMAGE|DIR... --outdir DIR [--encoder models/fmnist-encoder] [--model models/fmnist-stylegan2]',
  flags: [
    { name: 'encoder', type: 'string', help: 'encoder bundle folder', default: 'models/fmnist-encoder' },
    { name: 'model', type: 'string', help: 'StyleGAN2 bundle the codes are for', default: 'models/fmnist-stylegan2' },
    { name: 'classifier', type: 'string', help: "classifier bundle for the feature distance ('none' to skip)", default: 'models/fmnist-classifier' },
    { name: 'outdir', type: 'string', help: 'output folder: <name>.latent.safetensors, <name>.png, compare.png, metrics.json' },
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
    const g = model.stylegan2();
    // Everything is read and computed before the first file is written: a bad input leaves nothing.
    const targets = await readImageInputs(files, g.imgResolution, g.imgChannels as 1 | 3);
    const t0 = performance.now();
    const latent = await encode(encoder, model, targets, {
      batchSize: Number(flags.batch),
      onWarning: (m) => out(`warning: ${m}`),
      provenance: { sources: stems },
    });
    const seconds = (performance.now() - t0) / 1000;
    const recon = await renderLatent(model, latent, { batchSize: Number(flags.batch) });
    const quality = imageQuality(recon, targets);
    let features: number[] | null = null;
    const clfPath = String(flags.classifier);
    if (clfPath !== 'none' && (await exists(clfPath))) {
      const clf = await readClassifierBundle(clfPath);
      if (clf.config.inChannels === g.imgChannels) {
        features = featureMse((await predict(clf, recon)).features, (await predict(clf, targets)).features);
      }
    }
    const reconImages = toImages(recon).map((im) => upscale(im, factor));
    const targetImages = toImages(targets).map((im) => upscale(im, factor));
    for (let i = 0; i < files.length; i++) {
      await saveLatent(join(outdir, `${stems[i]}${LATENT_EXTENSION}`), selectRows(latent, [i]));
      await writePng(join(outdir, `${stems[i]}.png`), reconImages[i]);
    }
    await writePng(join(outdir, 'compare.png'), makeGrid([...targetImages, ...reconImages], files.length, factor, 255));
    const perImage = files.map((f, i) => ({ file: f, latent: `${stems[i]}${LATENT_EXTENSION}`, ...quality[i], ...(features ? { featureMse: features[i] } : {}) }));
    const mean = meanQuality(quality);
    const report = {
      encoder: { name: encoder.name, contentHash: encoder.manifest.contentHash },
      model: { name: model.name, contentHash: model.manifest.contentHash },
      secondsPerImage: seconds / files.length,
      mean: { ...mean, ...(features ? { featureMse: features.reduce((a, b) => a + b, 0) / features.length } : {}) },
      images: perImage,
    };
    await mkdir(outdir, { recursive: true });
    const tmp = join(outdir, '.metrics.json.tmp');
    await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(tmp, join(outdir, 'metrics.json'));
    out(`encoded ${files.length} image(s) into ${outdir}: mean PSNR ${mean.psnr.toFixed(2)} dB, SSIM ${mean.ssim.toFixed(4)} (${(1000 * report.secondsPerImage).toFixed(1)} ms/image)`);
  },
};
