import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainCommand } from '../../src/cli/commands/train.js';
import { ArgumentError } from '../../src/core/errors.js';
import { hashOf, parseOptionArgs } from '../../src/core/options.js';
import { dcganRunConfig, resolveTrainDcganOptions, TRAIN_DCGAN_SPEC } from '../../src/train/dcganOptions.js';
import { trainCommandOf } from '../../src/train/trainVerbs.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { loadFashionMnist } from '../../src/data/fashionMnist.js';
import { readBundle } from '../../src/models/io/bundle.js';
import { sampleZ, synthesize } from '../../src/models/generate.js';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { type DcganCheckpointState, DcganTrainer, type DcganTrainOptions } from '../../src/train/dcgan.js';
import { trainDcgan } from '../../src/train/dcganRun.js';
import { readLog } from '../../src/train/log.js';

// Tiny networks on a small Fashion-MNIST subset: 16 images a step, 20 steps, so the file runs in seconds.
let dataset: ImageDataset;
let dir: string;
const base = (): Omit<DcganTrainOptions, 'outdir'> => ({
  dataset,
  kimg: 0.32,
  batch: 16,
  nz: 8,
  ngf: 8,
  ndf: 8,
  subset: 256,
  snapKimg: 0.08,
  logKimg: 0.016,
  seed: 5,
  gridSize: 16,
});

beforeAll(async () => {
  dataset = await loadFashionMnist('train', { limit: 256 });
  dir = await mkdtemp(join(tmpdir(), 'latentlab-dcgan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await clearSessionCache();
});

const bits = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every tensor of both checkpoints, compared byte for byte; returns the names that differ. */
async function differences(a: string, b: string): Promise<string[]> {
  const [x, y] = await Promise.all([
    loadCheckpoint<DcganCheckpointState>(a),
    loadCheckpoint<DcganCheckpointState>(b),
  ]);
  expect(Object.keys(y.groups).sort()).toEqual(Object.keys(x.groups).sort());
  const out: string[] = [];
  for (const [g, m] of Object.entries(x.groups)) {
    expect([...y.groups[g].keys()].sort()).toEqual([...m.keys()].sort());
    for (const [k, t] of m)
      if (Buffer.compare(bits(t), bits(y.groups[g].get(k)!)) !== 0) out.push(`${g}/${k}`);
  }
  expect(y.state.noiseRng).toEqual(x.state.noiseRng);
  expect(y.state.sampler).toEqual(x.state.sampler);
  expect(y.state.optimizers).toEqual(x.state.optimizers);
  expect(y.state.progress.step).toBe(x.state.progress.step);
  return out;
}

describe('DCGAN training (pytorch/examples recipe)', () => {
  it('lowers the D loss on a small subset, keeps weights finite and writes a loadable bundle', async () => {
    const outdir = join(dir, 'A');
    const r = await trainDcgan({ ...base(), outdir, command: 'test' });
    expect(r.status).toBe('completed');
    expect(r.progress).toMatchObject({ imagesSeen: 320, step: 20 });
    const d = (await readLog(join(outdir, 'log.jsonl'))).map((x) => x.values.D);
    expect(d.length).toBe(20);
    expect(mean(d.slice(-4))).toBeLessThan(mean(d.slice(0, 4)) - 0.2);
    const ckpt = await loadCheckpoint(join(outdir, 'checkpoint.safetensors'));
    for (const group of ['G', 'D', 'optG.m', 'optD.v']) {
      for (const [k, t] of ckpt.groups[group]) {
        if (t.dtype === 'float32')
          expect((t.data as Float32Array).every(Number.isFinite), `${group}/${k}`).toBe(true);
      }
    }
    // BatchNorm running statistics were updated once per pass: G once, D three times a step.
    expect(ckpt.groups.G.get('main.1.num_batches_tracked')!.data[0]).toBe(20n);
    expect(ckpt.groups.D.get('main.3.num_batches_tracked')!.data[0]).toBe(60n);
    const model = await readBundle(join(outdir, 'bundle'));
    expect(model.architecture).toBe('dcgan');
    expect(model.manifest.provenance).toMatchObject({
      format: 'latentlab-train',
      training: { command: 'test', kimg: 0.32, step: 20 },
    });
    expect(model.manifest.labels?.[0]).toBe('T-shirt/top');
    expect(model.resolution).toBe(32);
    const files = await Promise.all(
      ['losses.png', 'samples/reals.png', 'samples/fakes-000000320.png'].map((f) =>
        readFile(join(outdir, f)),
      ),
    );
    for (const f of files) expect(f.subarray(1, 4).toString()).toBe('PNG');
  });

  it('resumes bit for bit after a Ctrl-C and after a crash past the last checkpoint', async () => {
    const reference = join(dir, 'A', 'checkpoint.safetensors');
    const outdir = join(dir, 'B');
    // 1. Interrupted through the abort signal during step 7: finishes it and checkpoints.
    const controller = new AbortController();
    const first = await trainDcgan({
      ...base(),
      outdir,
      signal: controller.signal,
      onStep: (p) => p.step === 7 && controller.abort(),
    });
    expect([first.status, first.progress.step]).toEqual(['interrupted', 7]);
    // 2. Resumed, then killed without a checkpoint at step 13 (like kill -9): the periodic
    //    checkpoint at 0.16 kimg (step 10) survives, steps 11-13 are lost and redone.
    const crash = trainDcgan({
      ...base(),
      outdir,
      resume: true,
      onStep: (p) => {
        if (p.step === 13) throw new Error('simulated kill');
      },
    });
    await expect(crash).rejects.toThrow('simulated kill');
    expect(
      (await loadCheckpoint<DcganCheckpointState>(join(outdir, 'checkpoint.safetensors'))).state.progress
        .step,
    ).toBe(10);
    // 3. Resumed to the end: the same weights, moments, RNG and sampler states as the straight run.
    const last = await trainDcgan({ ...base(), outdir, resume: true });
    expect(last.status).toBe('completed');
    expect(await differences(reference, join(outdir, 'checkpoint.safetensors'))).toEqual([]);
    const [a, b] = await Promise.all([
      readBundle(join(dir, 'A', 'bundle')),
      readBundle(join(outdir, 'bundle')),
    ]);
    expect(b.manifest.contentHash).toBe(a.manifest.contentHash);
    expect((await readLog(join(outdir, 'log.jsonl'))).map((x) => x.step)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('refuses to overwrite a run, to resume nothing, or to resume with other settings', async () => {
    const outdir = join(dir, 'A');
    await expect(trainDcgan({ ...base(), outdir })).rejects.toThrow(/already holds a training run.*--resume/);
    await expect(trainDcgan({ ...base(), outdir: join(dir, 'none'), resume: true })).rejects.toThrow(
      /no checkpoint in/,
    );
    const err = await trainDcgan({ ...base(), outdir, resume: true, ngf: 16, batch: 8 }).catch((e) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toMatch(
      /ngf: checkpoint 8, now 16.*batch: checkpoint 16, now 8|batch: checkpoint 16, now 8.*ngf: checkpoint 8, now 16/,
    );
  });

  it('samples in eval mode exactly as the bundle generates (seeds 0..n-1)', async () => {
    const opts = { ...base(), outdir: join(dir, 'C') };
    const config = {
      data: dataset.name,
      resolution: 32,
      channels: 1,
      nz: 8,
      ngf: 8,
      ndf: 8,
      batch: 16,
      lr: 2e-4,
      betas: [0.5, 0.999] as [number, number],
      seed: 1,
      subset: 64,
    };
    const trainer = await DcganTrainer.create(config, dataset, opts);
    try {
      for (let i = 0; i < 3; i++) await trainer.step();
      const grid = await trainer.samples();
      const model = trainer.model({ imagesSeen: 48, step: 3, seconds: 0 });
      const viaBundle = await synthesize(
        model,
        sampleZ(
          model,
          Array.from({ length: 16 }, (_, i) => i),
        ),
      );
      expect(grid.shape).toEqual([16, 1, 32, 32]);
      let err = 0;
      for (let i = 0; i < grid.size; i++)
        err = Math.max(err, Math.abs((grid.data[i] as number) - viaBundle.data[i]));
      expect(err).toBeLessThan(1e-5);
      await model.release();
    } finally {
      await trainer.release();
    }
  });
});

describe('latentlab train', () => {
  const run = async (argv: string[]) => {
    const lines: string[] = [];
    await trainCommand.runArgv!(argv, (l) => lines.push(l));
    return lines;
  };
  const flags = (outdir: string, kimg: string, ngf = '4') => [
    'dcgan',
    '--data',
    'fashion-mnist',
    '--outdir',
    outdir,
    '--kimg',
    kimg,
    '--batch',
    '8',
    '--nz',
    '8',
    '--ngf',
    ngf,
    '--ndf',
    '4',
    '--subset',
    '64',
    '--quiet',
  ];

  it('trains a DCGAN from the command line; the checkpoint is keyed on the resolved options; a changed resume is refused by flag', async () => {
    const outdir = join(dir, 'cli');
    const lines = await run(flags(outdir, '0.032'));
    expect(lines[0]).toMatch(/training DCGAN 32×32×1 on fashion-mnist-train \(64 images\)/);
    expect(lines.join('\n')).toMatch(/done: 0\.032 kimg, 4 steps/);
    const model = await readBundle(join(outdir, 'bundle'));
    expect(model.manifest.provenance.training).toMatchObject({
      data: 'fashion-mnist',
      batch: 8,
      ngf: 4,
      lr: 2e-4,
      betas: [0.5, 0.999],
    });
    // the recorded command is the options' own (generated from the table), and parses back to them
    const o = resolveTrainDcganOptions(parseOptionArgs(TRAIN_DCGAN_SPEC, flags(outdir, '0.032').slice(1)));
    expect(model.manifest.provenance.training?.command).toBe(trainCommandOf(TRAIN_DCGAN_SPEC, o));
    // config and options hash: the projection of the resolved options
    const state = (await loadCheckpoint<DcganCheckpointState>(join(outdir, 'checkpoint.safetensors'))).state;
    expect(state.config).toEqual(dcganRunConfig(o));
    expect(state.optionsHash).toBe(hashOf(dcganRunConfig(o)));
    // a resume with another width is refused, naming the flag and both values
    await expect(run([...flags(outdir, '0.064', '8'), '--resume'])).rejects.toThrow(
      /^--resume: .*checkpoint\.safetensors was trained with other options \(--ngf: checkpoint 4, now 8\); use the original flags$/,
    );
    // a longer run with the same options continues
    const more = await run([...flags(outdir, '0.048'), '--resume']);
    expect(more.join('\n')).toMatch(/done: 0\.048 kimg, 6 steps/);
  });

  it('names unknown networks and flags of other trainers', async () => {
    await expect(run(['gpt', '--outdir', 'x'])).rejects.toThrow(/unknown subcommand 'gpt' \(one of: dcgan, stylegan2, classifier, encoder\)/);
    await expect(run([])).rejects.toThrow(/which one\?/);
    await expect(
      run(['dcgan', '--data', 'fashion-mnist', '--outdir', 'x', '--kimg', '1', '--resolution', '64']),
    ).rejects.toThrow(/fashion-mnist trains at --resolution 32/);
    await expect(run(['dcgan', '--bogus', '1'])).rejects.toThrow(/unknown flag --bogus/);
    await expect(run(['classifier', '--outdir', 'x', '--kimg', '1'])).rejects.toThrow(/train classifier: unknown flag --kimg/);
    await expect(run(['dcgan', '--data', 'fashion-mnist', '--outdir', 'x', '--kimg', '1', '--fcd-num', '64'])).rejects.toThrow(
      /--fcd-num needs --fcd-classifier/,
    );
  });
});
