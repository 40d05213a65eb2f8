import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../src/data/dataset.js';
import { FASHION_MNIST_ROOT, loadFashionMnist } from '../../src/data/fashionMnist.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { readEncoderBundle } from '../../src/models/io/encoderBundle.js';
import type { Classifier } from '../../src/models/classifier/classifier.js';
import { readClassifierBundle } from '../../src/models/io/classifierBundle.js';
import { GanModel } from '../../src/models/ganModel.js';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { type EncoderRunOptions, trainEncoder } from '../../src/train/encoderRun.js';
import type { EncoderCheckpointState } from '../../src/train/encoderTrainer.js';
import type { LogRecord } from '../../src/train/types.js';

afterAll(clearSessionCache);

const haveData = existsSync(join(FASHION_MNIST_ROOT, 'train-images-idx3-ubyte.gz'));

let model: GanModel;
let classifier: Classifier;
let train: ImageDataset;
let test: ImageDataset;
let dir: string;
beforeAll(async () => {
  if (!haveData) return;
  [model, classifier, train, test] = await Promise.all([
    loadModel('models/fmnist-stylegan2'),
    readClassifierBundle('models/fmnist-classifier'),
    loadFashionMnist('train', { limit: 64 }),
    loadFashionMnist('test', { limit: 16 }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'latentlab-enc-train-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A narrow encoder, 4 generated + 4 real images per step, 30 steps (0.24 kimg). */
function run(outdir: string, extra: Partial<EncoderRunOptions> = {}): EncoderRunOptions {
  return {
    model,
    classifier,
    dataset: train,
    testset: test,
    outdir: join(dir, outdir),
    kimg: 0.24,
    snapKimg: 0.12,
    logKimg: 0.008,
    network: { channelMax: 16, hidden: 32 },
    generated: 4,
    real: 4,
    lr: 2e-3,
    evalImages: 8,
    subset: 32,
    display: null,
    ...extra,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(!haveData)('encoder training (shipped generator, small subset)', () => {
  it('lowers the loss, keeps the weights finite, and writes log, plot, grids and a readable bundle', async () => {
    const records: LogRecord[] = [];
    const losses: number[] = [];
    const r = await trainEncoder(run('a', { onStep: (_, s) => losses.push(s.values.loss) }));
    expect(r.status).toBe('completed');
    expect(losses).toHaveLength(30);
    // 30 Adam steps from w_avg: the loss falls fast at first (pixel MSE ~0.35 -> ~0.1 in the first
    // tens of steps of the full run) while single batches scatter it by ±0.15. 10-step means: last /
    // first = 0.836 (140 kimg generator) and 0.84 (320 kimg); a step that does not learn stays near 1.
    expect(mean(losses.slice(-10))).toBeLessThan(0.9 * mean(losses.slice(0, 10)));
    const e = await readEncoderBundle(r.files.bundle);
    for (const [k, t] of e.tensors) expect(t.f32.every(Number.isFinite), k).toBe(true);
    expect(e.manifest.generator.contentHash).toBe(model.manifest.contentHash);
    expect(r.history).toHaveLength(2);
    expect(r.history[1].psnr).toBeGreaterThan(r.history[0].psnr - 0.5);
    records.push(...(await readFile(r.files.log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l)));
    expect(Object.keys(records[0].values).sort()).toEqual(['feat', 'lat', 'loss', 'pix']);
    expect((await readdir(r.files.samples)).filter((f) => f.startsWith('recon-'))).toHaveLength(2);
    expect(existsSync(r.files.plot)).toBe(true);
  });

  it('resumes an interrupted run to bit-identical weights and optimiser state', async () => {
    const straight = await trainEncoder(run('b'));
    const controller = new AbortController();
    const first = await trainEncoder(run('c', { signal: controller.signal, onStep: (p) => p.step === 13 && controller.abort() }));
    expect(first.status).toBe('interrupted');
    expect(first.progress.step).toBe(13);
    const resumed = await trainEncoder(run('c', { resume: true }));
    expect(resumed.status).toBe('completed');
    const a = await loadCheckpoint<EncoderCheckpointState>(straight.files.checkpoint);
    const b = await loadCheckpoint<EncoderCheckpointState>(resumed.files.checkpoint);
    for (const group of ['E', 'opt.m', 'opt.v']) {
      for (const [k, t] of a.groups[group]) expect(b.groups[group].get(k)!.data, `${group}/${k}`).toEqual(t.data);
    }
    expect(b.state.rng).toEqual(a.state.rng);
    expect(b.state.sampler).toEqual(a.state.sampler);
    expect(b.state.progress.step).toBe(a.state.progress.step);
  });

  it('fine-tunes for a newer generator snapshot on --resume with a message; refuses changed settings', async () => {
    const messages: string[] = [];
    const newer = new GanModel({ ...model.manifest, contentHash: 'e'.repeat(64) }, model.g, model.d);
    const r = await trainEncoder(run('a', { model: newer, kimg: 0.28, resume: true, onMessage: (m) => messages.push(m) }));
    expect(r.status).toBe('completed');
    expect(messages.some((m) => /generator changed: .* fine-tuning for the new weights/.test(m))).toBe(true);
    expect((await readEncoderBundle(r.files.bundle)).manifest.generator.contentHash).toBe('e'.repeat(64));
    await expect(trainEncoder(run('a', { kimg: 0.32, resume: true, lr: 1e-3 }))).rejects.toThrow(/other options \(--lr: checkpoint 0\.002, now 0\.001\)/);
    await expect(trainEncoder(run('a'))).rejects.toThrow(/already holds a training run/);
  });
});
