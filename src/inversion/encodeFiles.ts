import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { differingOptions, hashOf } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { writeFileAtomic } from '../formats/atomicFiles.js';
import { makeGrid, toImages, upscale, writePng } from '../formats/image.js';
import { LATENT_EXTENSION, saveLatent } from '../latent/file.js';
import { type Latent, renderLatent, selectRows } from '../latent/latent.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { readClassifierBundle } from '../models/io/classifierBundle.js';
import type { GanModel } from '../models/ganModel.js';
import { loadModel } from '../models/io/loadModel.js';
import { encode } from './encode.js';
import type { Encoder } from '../models/encoder/encoder.js';
import { readEncoderBundle } from '../models/io/encoderBundle.js';
import { ENCODE_SPEC, type EncodeRunOptions, encodingKey } from './encodeOptions.js';
import { encodeAndProject } from './hybrid.js';
import { imageStem, listImageFiles, readImageInputs } from './imageInputs.js';
import { type ReconstructionMetrics, reconstructionMetrics } from './metrics.js';

/** Means of the per-image metrics (PSNR averaged in dB, as papers report it). */
export function meanMetrics(m: readonly ReconstructionMetrics[]): ReconstructionMetrics {
  const mean = (f: (q: ReconstructionMetrics) => number) => m.reduce((s, q) => s + f(q), 0) / m.length;
  return {
    mse: mean((q) => q.mse),
    psnr: mean((q) => q.psnr),
    ssim: mean((q) => q.ssim),
    featureDistance: m[0].featureDistance === null ? null : mean((q) => q.featureDistance!),
  };
}

/** metrics.json of an encode run: what it was made with and one entry per image. */
export interface EncodeReport {
  encoder: { name: string; contentHash: string };
  model: { name: string; contentHash: string };
  method: string;
  /** Hash of `encodingKey(options)` with the networks' hashes, and those options (resume compares them). */
  optionsHash?: string;
  options?: Record<string, unknown>;
  secondsPerImage: number;
  mean: ReconstructionMetrics;
  images: ({ file: string; latent: string; encoderOnly?: ReconstructionMetrics } & ReconstructionMetrics)[];
}

export interface EncodeResult {
  /** Images encoded by this run, and those an earlier run with the same options had done. */
  encoded: string[];
  skipped: string[];
  report: EncodeReport | null;
  /** Mean of the encoder alone over this run's images (hybrid only). */
  encoderMean: ReconstructionMetrics | null;
}

export interface EncodeHooks {
  model?: GanModel;
  encoder?: Encoder;
  classifier?: Classifier;
  onWarning?: (message: string) => void;
}

/** Refuses to resume over outputs made with other options or other networks (names what differs). */
function checkRecord(file: string, record: EncodeReport, key: Record<string, unknown>, hash: string, model: GanModel, encoder: Encoder): void {
  const diff: string[] = [];
  if (record.model.contentHash !== model.manifest.contentHash) diff.push('--model (other weights)');
  if (record.encoder.contentHash !== encoder.manifest.contentHash) diff.push('--encoder (other weights)');
  const options = ({ modelHash: _m, encoderHash: _e, ...rest }: Record<string, unknown>) => rest;
  if (record.optionsHash !== hash)
    diff.push(
      ...(record.options ? differingOptions(ENCODE_SPEC, options(record.options), options(key)) : ['options not recorded']),
    );
  if (diff.length)
    throw new ArgumentError(
      `${file} was made with other options (${diff.join(', ')}); pass --force to redo it, or choose another --outdir`,
    );
}

/**
 * `latentlab encode`: every image of `o.inputs` through the encoder (and, with steps, the hybrid's projector)
 * into `o.outdir`. Resumable: images an earlier run with the same options (and the same networks) wrote are
 * skipped; a rerun with other options is refused naming them, unless `force`.
 */
export async function encodeFiles(o: EncodeRunOptions, hooks: EncodeHooks = {}): Promise<EncodeResult> {
  const files = await listImageFiles(o.inputs);
  const stems = files.map(imageStem);
  const dup = stems.find((s, i) => stems.indexOf(s) !== i);
  if (dup) throw new ArgumentError(`encode: two inputs are named '${dup}'; their outputs would collide`);
  const [encoder, model] = await Promise.all([
    hooks.encoder ?? readEncoderBundle(o.encoder),
    hooks.model ?? loadModel(o.model),
  ]);
  const g = { imgResolution: model.resolution, imgChannels: model.imgChannels };
  const key = { ...encodingKey(o), modelHash: model.manifest.contentHash, encoderHash: encoder.manifest.contentHash };
  const hash = hashOf(key);
  const metricsFile = join(o.outdir, 'metrics.json');
  let previous: EncodeReport | null = null;
  if (!o.force && existsSync(metricsFile)) {
    previous = JSON.parse(await readFile(metricsFile, 'utf8')) as EncodeReport;
    checkRecord(metricsFile, previous, key, hash, model, encoder);
  }
  const done = new Set(
    (previous?.images ?? []).map((im) => im.latent).filter((l) => existsSync(join(o.outdir, l))),
  );
  const pending = files.map((_, i) => i).filter((i) => !done.has(`${stems[i]}${LATENT_EXTENSION}`));
  const skipped = files.map((_, i) => i).filter((i) => !pending.includes(i)).map((i) => stems[i]);
  if (!pending.length) return { encoded: [], skipped, report: previous, encoderMean: null };
  const pFiles = pending.map((i) => files[i]);
  const pStems = pending.map((i) => stems[i]);
  // Everything is read and computed before the first file is written: a bad input leaves nothing.
  const targets = await readImageInputs(pFiles, g.imgResolution, g.imgChannels as 1 | 3);
  const clf = hooks.classifier ?? (o.classifier !== 'none' && existsSync(o.classifier) ? await readClassifierBundle(o.classifier) : undefined);
  const useClf = clf && clf.config.inChannels === g.imgChannels ? clf : undefined;
  if (o.featureWeight && !useClf) throw new ArgumentError(`encode: --feature-weight needs a ${g.imgChannels}-channel --classifier`);
  const t0 = performance.now();
  let latent: Latent;
  let recon: Tensor;
  let encoderQuality: ReconstructionMetrics[] | null = null;
  if (o.steps === 0) {
    latent = await encode(encoder, model, targets, { batchSize: o.batch, onWarning: hooks.onWarning, provenance: { sources: pStems } });
    recon = await renderLatent(model, latent, { batchSize: o.batch });
  } else {
    const r = await encodeAndProject(encoder, model, targets, {
      numSteps: o.steps,
      initialLearningRate: o.lr!,
      losses: { mse: 1, classifier: o.featureWeight!, noise: 1e5 },
      nets: o.featureWeight! > 0 ? { classifier: useClf } : {},
      encodeBatchSize: o.batch,
      onWarning: hooks.onWarning,
    });
    latent = { ...r.latent, provenance: { ...r.latent.provenance, sources: pStems } };
    recon = r.images;
    encoderQuality = await reconstructionMetrics(await renderLatent(model, r.encoded, { batchSize: o.batch }), targets, useClf);
  }
  const seconds = (performance.now() - t0) / 1000;
  const quality = await reconstructionMetrics(recon, targets, useClf);
  const reconImages = toImages(recon).map((im) => upscale(im, o.upscale));
  const targetImages = toImages(targets).map((im) => upscale(im, o.upscale));
  for (let i = 0; i < pFiles.length; i++) {
    await saveLatent(join(o.outdir, `${pStems[i]}${LATENT_EXTENSION}`), selectRows(latent, [i]));
    await writePng(join(o.outdir, `${pStems[i]}.png`), reconImages[i]);
  }
  await writePng(join(o.outdir, 'compare.png'), makeGrid([...targetImages, ...reconImages], pFiles.length, o.upscale, 255));
  const fresh = pFiles.map((f, i) => ({
    file: f,
    latent: `${pStems[i]}${LATENT_EXTENSION}`,
    ...quality[i],
    ...(encoderQuality ? { encoderOnly: encoderQuality[i] } : {}),
  }));
  const kept = (previous?.images ?? []).filter((im) => !fresh.some((f) => f.latent === im.latent));
  const images = [...kept, ...fresh];
  const report: EncodeReport = {
    encoder: { name: encoder.name, contentHash: encoder.manifest.contentHash },
    model: { name: model.name, contentHash: model.manifest.contentHash },
    method: o.steps === 0 ? 'encoder' : `hybrid: encoder + ${o.steps} projector steps (W+)`,
    optionsHash: hash,
    options: key,
    secondsPerImage: seconds / pFiles.length,
    mean: meanMetrics(images),
    images,
  };
  await writeFileAtomic(metricsFile, `${JSON.stringify(report, null, 2)}\n`);
  return { encoded: pStems, skipped, report, encoderMean: encoderQuality ? meanMetrics(encoderQuality) : null };
}
