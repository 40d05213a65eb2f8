import { appendFile, cp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordEvaluation, writeBundle } from '../models/io/bundle.js';
import type { ImageSource } from '../metrics/fcd.js';
import { fcdRecords, generatorFcd, type ReferenceStats, referenceStats } from '../metrics/generatorFcd.js';
import type { Classifier } from '../models/classifier/classifier.js';
import type { GanModel } from '../models/ganModel.js';
import { writeLossPlot } from './plot.js';
import type { LogRecord, TrainingProgress } from './types.js';

/** FCD at every snapshot, as NVIDIA's `--metrics` (fid50k_full) does with FID. */
export interface SnapshotFcdOptions {
  classifier: Classifier;
  /** Reference images: Fashion-MNIST's test split, or the training images themselves. */
  reference: ImageSource;
  referenceName: string;
  /** Generated images per measurement (seeds 0..num-1, const noise; default 10000). */
  num?: number;
}

/** The files the measurements go to, in the run folder. */
export const SNAPSHOT_FCD_FILE = 'metric-fcd.jsonl';
export const SNAPSHOT_FCD_PLOT = 'fcd.png';
/** The snapshot bundle with the lowest FCD so far (what to ship; NVIDIA keeps every pkl, we keep the best). */
export const BEST_BUNDLE_DIR = 'bundle-best';

/** The lowest FCD recorded in a metric-fcd.jsonl (Infinity when there is none). */
async function bestRecordedFcd(jsonl: string): Promise<number> {
  const text = await readFile(jsonl, 'utf8').catch(() => '');
  let best = Number.POSITIVE_INFINITY;
  for (const line of text.split('\n')) if (line.trim()) best = Math.min(best, (JSON.parse(line) as { fcd: number }).fcd);
  return best;
}

/** Plots FCD and classifier confidence by kimg from a metric-fcd.jsonl (a later line for the same kimg wins). */
export async function writeFcdPlot(jsonl: string, png: string): Promise<void> {
  const byKimg = new Map<number, LogRecord>();
  for (const text of (await readFile(jsonl, 'utf8')).split('\n')) {
    if (!text.trim()) continue;
    const l = JSON.parse(text) as { kimg: number; step: number; fcd: number; seconds: number };
    byKimg.set(l.kimg, { kimg: l.kimg, step: l.step, seconds: l.seconds, imgPerSec: 0, values: { FCD: l.fcd } });
  }
  const records = [...byKimg.values()].sort((a, b) => a.kimg - b.kimg);
  await writeLossPlot(png, records, { title: 'FCD (classifier features) at each snapshot', quantiles: [0, 1], markers: true });
}

/**
 * Measures each snapshot bundle: one JSON line in the run's metric-fcd.jsonl, and the FCD and
 * classifier-confidence records on the bundle's card. The reference statistics are computed once.
 * Nothing here draws from the training's random streams, so `--resume` stays exact.
 */
export class SnapshotFcd {
  private reference: Promise<ReferenceStats> | null = null;

  constructor(
    private readonly o: SnapshotFcdOptions,
    private readonly outdir: string,
    private readonly command = 'latentlab train',
  ) {}

  /** Measures `model` (just written to `bundleDir`); returns the progress line to show. */
  async measure(model: GanModel, bundleDir: string, p: Readonly<TrainingProgress>): Promise<string> {
    const { classifier } = this.o;
    this.reference ??= referenceStats(classifier, this.o.reference, this.o.referenceName);
    const r = await generatorFcd(model, classifier, await this.reference, {
      num: this.o.num ?? 10_000,
      noiseMode: 'const',
    });
    const kimg = p.imagesSeen / 1000;
    const line = {
      kimg,
      step: p.step,
      fcd: r.value,
      meanTerm: r.meanTerm,
      covTerm: r.covTerm,
      confidence: r.confidence.meanTopProbability,
      confidentShare: r.confidence.confidentShare,
      num: r.num,
      reference: r.reference.name,
      referenceConfidence: r.reference.confidence.meanTopProbability,
      classifier: classifier.name,
      modelHash: model.manifest.contentHash,
      seconds: Math.round(r.seconds * 10) / 10,
    };
    const file = join(this.outdir, SNAPSHOT_FCD_FILE);
    const bestBefore = await bestRecordedFcd(file);
    await appendFile(file, `${JSON.stringify(line)}\n`);
    await writeFcdPlot(file, join(this.outdir, SNAPSHOT_FCD_PLOT));
    await recordEvaluation(
      bundleDir,
      fcdRecords(r, model, classifier, `snapshot at ${kimg} kimg of: ${this.command}`),
    );
    const best = r.value < bestBefore;
    if (best) await copyBundle(bundleDir, join(this.outdir, BEST_BUNDLE_DIR));
    return `kimg ${Number(kimg.toFixed(3))}: FCD ${r.value.toFixed(2)}${best ? ' (best so far: bundle-best)' : ''}, classifier confidence ${line.confidence.toFixed(3)} (${r.num} images vs ${r.reference.name}; ${line.seconds} s)`;
  }
}

/** Replaces `to` with a copy of the bundle folder `from` (copied beside it, then renamed: never half a bundle). */
async function copyBundle(from: string, to: string): Promise<void> {
  const staging = `${to}.partial`;
  await rm(staging, { recursive: true, force: true });
  await cp(from, staging, { recursive: true });
  await rm(to, { recursive: true, force: true });
  await rename(staging, to);
}

/** A trainer's snapshot: the bundle, then (with `fcd`) its measurement, reported through `say`. */
export async function writeSnapshotBundle(
  dir: string,
  model: GanModel,
  p: Readonly<TrainingProgress>,
  fcd: SnapshotFcd | null,
  say?: (line: string) => void,
): Promise<void> {
  await writeBundle(dir, model);
  if (!fcd) return;
  try {
    say?.(await fcd.measure(model, dir, p));
  } finally {
    await model.release();
  }
}
