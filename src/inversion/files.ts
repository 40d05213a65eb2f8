import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ArgumentError } from '../core/errors.js';
import { differingOptions, type VerbSpec } from '../core/options.js';
import { concatRows, repeatRows, Tensor } from '../core/tensor.js';
import { moveIntoPlace } from '../formats/atomicFiles.js';
import { writeGif } from '../formats/gif.js';
import { IMAGE_EXTENSIONS, makeGrid, type RgbImage, toImages, upscale, writePng } from '../formats/image.js';
import { writeVideo } from '../formats/video.js';
import { LATENT_EXTENSION, saveLatent } from '../latent/file.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { reconstructionMetrics, type ReconstructionMetrics } from './metrics.js';
import { type ProjectOptions, type ProjectionResult, project } from './projector.js';
import { readTarget } from './target.js';

/** A target file, or a folder's image files (sorted by name; sub-folders are not searched). */
export async function listTargets(path: string): Promise<string[]> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new ArgumentError(`target ${path} does not exist`);
  }
  if (!s.isDirectory()) return [path];
  const files = (await readdir(path)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  if (!files.length) throw new ArgumentError(`${path} holds no images (${[...IMAGE_EXTENSIONS].join(' ')})`);
  const names = new Map<string, string>();
  for (const f of files) {
    const n = stem(f);
    if (names.has(n))
      throw new ArgumentError(
        `${path}: ${names.get(n)} and ${f} would write the same outputs (${n}.*); rename one`,
      );
    names.set(n, f);
  }
  return files.map((f) => join(path, f));
}

function stem(file: string): string {
  return basename(file, extname(file));
}

/** The files written for one target, relative to the output folder. */
export function outputNames(
  name: string,
  video: VideoFormat = 'gif',
): { latent: string; reconstruction: string; target: string; metrics: string; video: string } {
  return {
    latent: `${name}${LATENT_EXTENSION}`,
    reconstruction: `${name}.png`,
    target: `${name}.target.png`,
    metrics: `${name}.metrics.json`,
    video: video === 'frames' ? `${name}.frames` : `${name}.${video}`,
  };
}

/** Progress video: an animated GIF (no dependencies), MP4/WebM (needs ffmpeg) or a folder of PNG frames. */
export type VideoFormat = 'gif' | 'mp4' | 'webm' | 'frames';
export const VIDEO_FORMATS: readonly VideoFormat[] = ['gif', 'mp4', 'webm', 'frames'];

async function writeProgress(path: string, frames: readonly RgbImage[], format: VideoFormat): Promise<void> {
  if (format === 'gif')
    await writeGif(path, frames, { delayMs: 100 }); // 10 fps, as NVIDIA's proj.mp4
  else if (format === 'frames')
    for (let f = 0; f < frames.length; f++)
      await writePng(join(path, `frame${String(f).padStart(4, '0')}.png`), frames[f]);
  else await writeVideo(path, frames, { fps: 10 });
}

export interface ProjectFilesOptions extends Omit<ProjectOptions, 'onStep' | 'frameEvery' | 'mask'> {
  outdir: string;
  /** Images projected together (Adam: independent, one program run per step). Default 1. */
  batchSize?: number;
  maxPixels?: number;
  /** [1, 1, R, R] mask applied to every target. */
  mask?: Tensor;
  /** Classifier for the metrics' feature distance. */
  metricsClassifier?: Classifier;
  /** Keep a progress frame (target | reconstruction) every this many steps for the progress video. 0 = none. */
  framesEvery?: number;
  /** Default 'gif'. */
  videoFormat?: VideoFormat;
  /** Skip targets whose metrics file exists (default true); false re-projects them. */
  resume?: boolean;
  /**
   * The resolved options the outputs depend on: recorded in each metrics file; resuming over a target
   * recorded with other options (or other weights) is refused, naming the options that differ.
   */
  runKey?: { spec: VerbSpec; options: Record<string, unknown>; hash: string };
  onProgress?: (p: FilesProgress) => void;
  /** Every step of the optimiser (see ProjectOptions.onStep); `image` every `liveFrameEvery` evaluations. */
  onStep?: ProjectOptions['onStep'];
  liveFrameEvery?: number;
}

export interface FilesProgress {
  /** Targets finished (projected, skipped or failed) so far, and in all. */
  done: number;
  total: number;
  /** Targets in the running batch. */
  names: string[];
  step: number;
  numSteps: number;
  /** Loss evaluations so far (L-BFGS evaluates several times per iteration). */
  evaluations: number;
  loss: number;
}

export interface ProjectedFile {
  source: string;
  name: string;
  status: 'projected' | 'skipped' | 'failed';
  /** Why a target failed (unreadable, too large...). */
  error?: string;
  metrics?: ReconstructionMetrics;
  seconds?: number;
}

interface Loaded {
  source: string;
  name: string;
  target: Tensor<'float32'>;
}

/**
 * Projects image files and writes, per target `<name>`: `<name>.latent.safetensors` (codes + noise
 * maps, lossless), `<name>.png` (reconstruction), `<name>.target.png` (the prepared target),
 * `<name>.metrics.json` (MSE, PSNR, SSIM, feature distance, losses, settings) and optionally a
 * progress video `<name>.gif` (or .mp4 / .webm / .frames/). Each target's files are staged in a hidden folder and renamed into place only
 * when all exist (the metrics file last, which marks the target done), so an interrupted or failed
 * target leaves nothing behind and a rerun resumes after the last finished one.
 */
export async function projectFiles(
  model: GanModel,
  sources: readonly string[],
  opts: ProjectFilesOptions,
): Promise<ProjectedFile[]> {
  const { outdir } = opts;
  await mkdir(outdir, { recursive: true });
  const batchSize = opts.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ArgumentError(`batch size must be a positive integer, got ${batchSize}`);
  const results: ProjectedFile[] = [];
  const pending: Loaded[] = [];
  await removeStaleStaging(outdir);
  const flush = async () => {
    if (!pending.length) return;
    const batch = pending.splice(0);
    results.push(...(await projectBatch(model, batch, opts, results.length, sources.length)));
  };
  for (const source of sources) {
    const name = stem(source);
    const metricsFile = join(outdir, outputNames(name).metrics);
    if (opts.resume !== false && existsSync(metricsFile)) {
      if (opts.runKey) await checkRecordedKey(metricsFile, model, opts.runKey);
      results.push({ source, name, status: 'skipped' });
      continue;
    }
    let target: Tensor<'float32'>;
    try {
      target = await readTarget(source, model, { maxPixels: opts.maxPixels });
    } catch (err) {
      results.push({ source, name, status: 'failed', error: (err as Error).message });
      continue;
    }
    pending.push({ source, name, target });
    if (pending.length === batchSize) await flush();
  }
  await flush();
  return results;
}

/** Refuses to resume over outputs made with other options or other weights. */
async function checkRecordedKey(
  file: string,
  model: GanModel,
  key: NonNullable<ProjectFilesOptions['runKey']>,
): Promise<void> {
  const record = JSON.parse(await readFile(file, 'utf8')) as {
    optionsHash?: string;
    options?: Record<string, unknown>;
    model?: { contentHash?: string };
  };
  const diff: string[] = [];
  if (record.model?.contentHash && record.model.contentHash !== model.manifest.contentHash)
    diff.push('--model (other weights)');
  if (record.optionsHash !== key.hash)
    diff.push(
      ...(record.options
        ? differingOptions(key.spec, record.options, key.options)
        : ['options not recorded']),
    );
  if (diff.length)
    throw new ArgumentError(
      `${file} was made with other options (${diff.join(', ')}); pass --force to redo it, or choose another --outdir`,
    );
}

async function removeStaleStaging(outdir: string): Promise<void> {
  for (const f of await readdir(outdir))
    if (f.startsWith('.') && f.includes('.partial-'))
      await rm(join(outdir, f), { recursive: true, force: true });
}

async function projectBatch(
  model: GanModel,
  batch: Loaded[],
  opts: ProjectFilesOptions,
  done: number,
  total: number,
): Promise<ProjectedFile[]> {
  const target = concatRows(batch.map((b) => b.target));
  const n = batch.length;
  const frames: RgbImage[][] = batch.map(() => []);
  const zoom = Math.max(1, Math.floor(256 / model.resolution));
  const targets = toImages(target).map((im) => upscale(im, zoom));
  const names = batch.map((b) => b.name);
  const mask = opts.mask ? repeatRows(opts.mask.toFloat32(), n) : undefined;
  let result: ProjectionResult;
  try {
    result = await project(model, target, {
      ...opts,
      mask,
      frameEvery: opts.framesEvery || opts.liveFrameEvery || undefined,
      onStep: (info) => {
        const { step, numSteps, evaluations, loss, image } = info;
        opts.onProgress?.({ done, total, names, step, numSteps, evaluations, loss });
        // the CLI's progress video (the studio streams its frames through onStep instead)
        if (image && opts.framesEvery)
          toImages(image).forEach((im, i) => frames[i].push(makeGrid([targets[i], upscale(im, zoom)], 2, 0)));
        return opts.onStep?.(info);
      },
    });
  } catch (err) {
    // A batch that cannot be projected (e.g. it diverged) fails its targets, not the run.
    if (!(err instanceof ArgumentError)) throw err;
    return batch.map((b) => ({
      source: b.source,
      name: b.name,
      status: 'failed' as const,
      error: err.message,
    }));
  }
  const metrics = await reconstructionMetrics(result.images, target, opts.metricsClassifier);
  const recon = toImages(result.images);
  const out: ProjectedFile[] = [];
  for (let i = 0; i < n; i++) {
    const { source, name } = batch[i];
    const files = outputNames(name, opts.videoFormat);
    const staging = join(opts.outdir, `.${name}.partial-${process.pid}`);
    try {
      await mkdir(staging, { recursive: true });
      await saveLatent(join(staging, files.latent), rowOfLatent(result, i, n, source));
      await writePng(join(staging, files.reconstruction), recon[i]);
      await writePng(join(staging, files.target), toImages(batch[i].target)[0]);
      if (frames[i].length)
        await writeProgress(join(staging, files.video), frames[i], opts.videoFormat ?? 'gif');
      const seconds = result.seconds / n;
      const record = {
        source,
        model: { name: model.name, contentHash: model.manifest.contentHash },
        space: result.latent.space,
        provenance: result.latent.provenance,
        steps: result.steps,
        seconds,
        loss: result.loss[i],
        terms: Object.fromEntries(Object.entries(result.terms).map(([k, v]) => [k, v![i]])),
        metrics: metrics[i],
        ...(opts.runKey ? { optionsHash: opts.runKey.hash, options: opts.runKey.options } : {}),
        files: { ...files, video: frames[i].length ? files.video : null },
      };
      await writeFile(join(staging, files.metrics), `${JSON.stringify(record, null, 2)}\n`);
      await moveIntoPlace(staging, opts.outdir, [files.video, files.latent, files.reconstruction, files.target, files.metrics]);
      out.push({ source, name, status: 'projected', metrics: metrics[i], seconds });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  return out;
}

function rowOfLatent(r: ProjectionResult, i: number, n: number, source: string) {
  const rows = (t: Tensor<'float32'>) => {
    const size = t.size / n;
    return Tensor.float32([1, ...t.shape.slice(1)], t.data.slice(i * size, (i + 1) * size));
  };
  const l = r.latent;
  return {
    ...l,
    codes: rows(l.codes),
    classes: l.classes ? [l.classes[i]] : undefined,
    noise: l.noise ? Object.fromEntries(Object.entries(l.noise).map(([k, v]) => [k, rows(v)])) : undefined,
    provenance: { ...l.provenance, source: basename(source) },
  };
}
