import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLatent, readImage } from '../../src/index.js';
import { fixtureCase, haveFixtures } from '../fixtures.js';
import { latentlab } from './run.js';

const A = fixtureCase('A_nvidia_sg2ada_uncond32');
const SG2 = 'models/fmnist-stylegan2';
const DCGAN = 'models/fmnist-dcgan';
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-explore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('exploration verbs end to end', () => {
  it('generate --save-latent (random noise) and latent render give the same PNG bytes', () => {
    const gen = join(tmp, 'gen');
    const file = join(tmp, 'seeds.latent.safetensors');
    let r = latentlab('generate', '--model', SG2, '--seeds', '3-4', '--trunc', '0.7', '--noise-mode', 'random', '--noise-seed', '5', '--outdir', gen, '--save-latent', file);
    expect(r.code, r.stderr).toBe(0);
    r = latentlab('latent', 'render', '--model', SG2, file, '--outdir', join(tmp, 'render'));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'render', 'latent0001.png'))).toEqual(readFileSync(join(gen, 'seed0004.png')));
    r = latentlab('latent', 'info', file);
    expect(r.stdout).toMatch(/2 z latents \[2, 128\] for fmnist-stylegan2/);
    expect(r.stdout).toMatch(/truncation psi 0.7; noise random \(seed 5\)/);
  });

  it('interpolate: keyframes from a seed and a latent file, cross-fade strip, GIF and the path latent', async () => {
    const key = join(tmp, 'key.npz');
    let r = latentlab('generate', '--model', DCGAN, '--seeds', '9', '--outdir', join(tmp, 'dc'), '--save-latent', join(tmp, 'k.latent.safetensors'));
    expect(r.code, r.stderr).toBe(0);
    r = latentlab('latent', 'export', '--model', DCGAN, join(tmp, 'k.latent.safetensors'), '--out', key);
    expect(r.code, r.stderr).toBe(0);
    const out = join(tmp, 'interp');
    r = latentlab('interpolate', '--model', DCGAN, '--seeds', '1', '--keys', key, '--steps', '4', '--loop', '--crossfade', '--upscale', '1', '--outdir', out, '--gif', join(out, 'p.gif'), '--save-latent', join(out, 'p.latent.safetensors'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/8 frames through 2 keyframes, z slerp/);
    const strip = await readImage(join(out, 'path.png'));
    expect(strip.height).toBeGreaterThan(2 * 32); // two rows (latent, pixel) plus labels
    expect(existsSync(join(out, 'p.gif'))).toBe(true);
    const path = await loadLatent(join(out, 'p.latent.safetensors'));
    expect(path.codes.shape).toEqual([8, 100]);
    expect(path.provenance).toMatchObject({ kind: 'interpolation', method: 'slerp', loop: true });
  });

  it('interpolate --measure reports both paths with equal endpoints', () => {
    const json = join(tmp, 'measure.json');
    const r = latentlab('interpolate', '--model', DCGAN, '--measure', '3', '--steps', '4', '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/latent path/);
    const m = JSON.parse(readFileSync(json, 'utf8'));
    expect(m).toMatchObject({ pairs: 3, frames: 5, space: 'z', method: 'slerp' });
    expect(m.latent.perFrame[0]).toBeCloseTo(m.pixel.perFrame[0], 6);
    expect(m.latent.perFrame[4]).toBeCloseTo(m.pixel.perFrame[4], 6);
  });

  it.skipIf(!haveFixtures('A_nvidia_sg2ada_uncond32'))('mix draws the NVIDIA grid for an imported pickle and names bad ranges', async () => {
    const out = join(tmp, 'mix');
    let r = latentlab('mix', '--model', A.path('network-snapshot-000000.pkl'), '--rows', '1-2', '--cols', '5-7', '--layers', '0-3', '--upscale', '1', '--outdir', out);
    expect(r.code, r.stderr).toBe(0);
    const grid = await readImage(join(out, 'grid.png'));
    expect(grid.channels).toBe(3);
    expect(grid.height).toBeGreaterThan(3 * 32 + 2 * 2); // 3 rows of 32 px, gaps, label band
    r = latentlab('mix', '--model', A.path('network-snapshot-000000.pkl'), '--layers', '2-9', '--outdir', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ws row 8 is out of range/);
  });
});
