import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../src/data/dataset.js';
import { loadFashionMnist } from '../../src/data/fashionMnist.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { mapZ, sampleZ, synthesize } from '../../src/models/generate.js';
import { hashOf, parseOptionArgs, shellSplit } from '../../src/core/options.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { resolveTrainStylegan2Options, stylegan2RunConfig, TRAIN_STYLEGAN2_SPEC } from '../../src/train/stylegan2Options.js';
import { type StyleGAN2RunOptions, trainStyleGAN2 } from '../../src/train/stylegan2Run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-sg2-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A tiny network on 256 Fashion-MNIST images: enough to exercise every phase (Gmain, Dmain, lazy R1
// at steps 0 and 16) in a few seconds.
let dataset: ImageDataset;
beforeAll(async () => {
  dataset = await loadFashionMnist('train', { pad: 32, limit: 256 });
});

function options(outdir: string, extra: Partial<StyleGAN2RunOptions> = {}): StyleGAN2RunOptions {
  return {
    dataset,
    outdir,
    kimg: 0.288, // 18 steps of 16
    batch: 16,
    zDim: 16,
    channelBase: 256,
    channelMax: 16,
    subset: 256,
    snapKimg: 0.144,
    display: null,
    gridSize: 4,
    ...extra,
  };
}

describe('StyleGAN2 training', () => {
  it('trains: finite weights, logged losses, R1 on its interval, a loadable G_ema bundle', async () => {
    const r = await trainStyleGAN2(options(join(tmp, 'plain')));
    expect(r.status).toBe('completed');
    expect(r.progress.step).toBe(18);
    const ckpt = await loadCheckpoint<{ step: number }>(r.files.checkpoint);
    for (const group of ['G', 'D', 'G_ema']) {
      for (const [k, t] of ckpt.groups[group]) expect(Array.from(t.data as Float32Array).every(Number.isFinite), `${group}/${k}`).toBe(true);
    }
    // G_ema lags G: after 18 steps they differ, and w_avg has moved off zero.
    const g = ckpt.groups.G.get('synthesis.b32.conv1.weight')!.data as Float32Array;
    const e = ckpt.groups.G_ema.get('synthesis.b32.conv1.weight')!.data as Float32Array;
    expect(g.some((v, i) => v !== e[i])).toBe(true);
    expect((ckpt.groups.G.get('mapping.w_avg')!.data as Float32Array).some((v) => v !== 0)).toBe(true);
    // Path-length regularisation is on by default (NVIDIA's): recorded in the config, its tracked mean
    // length in the state, G's Adam rescaled for the lazy interval 4 (lr · 4/5, betas^(4/5)), D's for R1's 16.
    const state = ckpt.state as unknown as {
      config: { plWeight?: number };
      plMean?: number;
      optimizers: { G: { groups: { lr: number; betas: number[] }[] }; D: { groups: { lr: number }[] } };
    };
    expect(state.config).toMatchObject({ plWeight: 2, plBatchShrink: 2, plDecay: 0.01 });
    expect(state.plMean).toBeGreaterThan(0);
    expect(state.optimizers.G.groups[0].lr).toBeCloseTo(0.0025 * 0.8, 12);
    expect(state.optimizers.G.groups[0].betas[1]).toBeCloseTo(0.99 ** 0.8, 12);
    expect(state.optimizers.D.groups[0].lr).toBeCloseTo((0.0025 * 16) / 17, 12);
    const logged = (await readFile(r.files.log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { values: Record<string, number> });
    expect(logged.some((l) => Number.isFinite(l.values.PL) && l.values['PL mean'] > 0)).toBe(true);
    const model = await loadModel(r.files.bundle);
    expect(model.manifest.provenance).toMatchObject({ format: 'latentlab-train', network: 'G_ema' });
    const img = await synthesize(model, await mapZ(model, sampleZ(model, [0, 1])));
    expect(img.shape).toEqual([2, 1, 32, 32]);
    expect(Array.from(img.f32).every(Number.isFinite)).toBe(true);
  });

  it('resume after an interruption reproduces the uninterrupted run bit for bit', async () => {
    const full = await trainStyleGAN2(options(join(tmp, 'full')));
    const dir = join(tmp, 'split');
    const controller = new AbortController();
    const first = await trainStyleGAN2(options(dir, { signal: controller.signal, onStep: (p) => p.step === 6 && controller.abort() }));
    expect(first.status).toBe('interrupted');
    const second = await trainStyleGAN2(options(dir, { resume: true }));
    expect(second.status).toBe('completed');
    const a = await loadCheckpoint(full.files.checkpoint);
    const b = await loadCheckpoint(second.files.checkpoint);
    for (const group of Object.keys(a.groups)) {
      for (const [k, t] of a.groups[group]) {
        const u = b.groups[group].get(k)!;
        expect(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), `${group}/${k}`).toBe(true);
      }
    }
  });

  it('refuses to resume with other settings, naming them', async () => {
    await expect(trainStyleGAN2(options(join(tmp, 'full'), { resume: true, r1Gamma: 1 }))).rejects.toThrow(/other options \(--gamma: checkpoint 0.01, now 1\)/);
    // an unset path-length weight resumes with the checkpoint's (the 'split' resume above); another is refused
    await expect(trainStyleGAN2(options(join(tmp, 'full'), { resume: true, plWeight: 0 }))).rejects.toThrow(
      /other options \(--pl-weight: checkpoint 2, now absent; --pl-batch-shrink: checkpoint 2, now absent; --pl-decay: checkpoint 0.01, now absent\)/,
    );
  });

  it('--pl-weight 0: no Greg phase, nothing of it recorded, G’s Adam unscaled (the runs from before it existed)', async () => {
    const r = await trainStyleGAN2(options(join(tmp, 'nopl'), { plWeight: 0, kimg: 0.08 }));
    expect(r.progress.step).toBe(5);
    const ckpt = await loadCheckpoint<{ config: object; plMean?: number; optimizers: { G: { groups: { lr: number; betas: number[] }[] } } }>(r.files.checkpoint);
    expect(ckpt.state.config).not.toHaveProperty('plWeight');
    expect(ckpt.state.plMean).toBeUndefined();
    expect(ckpt.state.optimizers.G.groups[0]).toMatchObject({ lr: 0.0025, betas: [0, 0.99] });
    expect(await readFile(r.files.log, 'utf8')).not.toMatch(/"PL/);
  });

  it("the checkpoint's config and options hash are the projection of `train stylegan2`'s resolved options", async () => {
    const o = resolveTrainStylegan2Options(
      parseOptionArgs(TRAIN_STYLEGAN2_SPEC, shellSplit('--data fashion-mnist --outdir x --kimg 0.288 --batch 16 --z-dim 16 --cbase 256 --cmax 16 --subset 256')),
    );
    const { state } = await loadCheckpoint<{ config: object; optionsHash: string }>(join(tmp, 'full', 'checkpoint.safetensors'));
    // (a library caller names the data by its dataset; the CLI by --data)
    const config = { ...stylegan2RunConfig(o), data: dataset.name };
    expect(state.config).toEqual(config);
    expect(state.optionsHash).toBe(hashOf(config));
  });

  it('--resume-from starts from a bundle: its weights, its kimg, fresh Adam; misfit sizes are named', async () => {
    const source = await loadModel(join(tmp, 'plain', 'bundle'));
    const r = await trainStyleGAN2(options(join(tmp, 'warm'), { initFrom: source, kimg: 0.288 + 0.032 }));
    expect(r.status).toBe('completed');
    expect(r.progress.step).toBe(18 + 2); // counts on from the bundle's 18 steps
    const ckpt = await loadCheckpoint<{ optimizers: { G: { steps: number[] } } }>(r.files.checkpoint);
    expect(Math.max(...ckpt.state.optimizers.G.steps)).toBe(2); // fresh Adam: only this run's steps
    // Two steps from the bundle's weights: close to them (a random init would be far away).
    const from = source.g.get('synthesis.b32.conv1.weight')!.toFloat32().f32;
    const now = ckpt.groups.G.get('synthesis.b32.conv1.weight')!.data as Float32Array;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < from.length; i++) {
      diff += (now[i] - from[i]) ** 2;
      norm += from[i] ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(0.05);
    await expect(trainStyleGAN2(options(join(tmp, 'misfit'), { initFrom: source, zDim: 32 }))).rejects.toThrow(
      /--resume-from .*: generator zDim is 16, the run's flags give 32/,
    );
  });
});
