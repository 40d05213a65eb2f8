import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { loadModel } from '../models/io/loadModel.js';
import type { GanModel } from '../models/ganModel.js';
import { crossfadeImages, interpolate, interpolateCodes, keyframeSchedule, lerpVectors, slerpVectors } from './interpolate.js';
import { latentFromSeeds, renderLatent, selectRows, toWs } from './latent.js';

const SG2 = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));
const randn = (seed: number, n: number) => new RandomState(seed).standardNormalFloat32([n]);

describe('vector interpolation', () => {
  const a = randn(1, 128);
  const b = Float32Array.from(randn(2, 128), (x) => x * 1.7);

  it('lerp and slerp return the keyframes exactly at t = 0 and 1 (to float32 rounding of a formula that is exact there)', () => {
    expect(lerpVectors(a, b, 0)).toEqual(a);
    expect(lerpVectors(a, b, 1)).toEqual(b);
    // sin(Ω)/sin(Ω) and sin(0) are exact, so only one float32 rounding of a*|a|/|a| separates them: 1 ulp.
    const s0 = slerpVectors(a, b, 0);
    const s1 = slerpVectors(a, b, 1);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(s0[i] - a[i])).toBeLessThanOrEqual(Math.abs(a[i]) * 2 ** -22);
      expect(Math.abs(s1[i] - b[i])).toBeLessThanOrEqual(Math.abs(b[i]) * 2 ** -22);
    }
  });

  it('slerp keeps the norm on (1-t)|a| + t|b| and sweeps the angle at constant speed', () => {
    const omega = Math.acos(cosine(a, b));
    for (const t of [0.1, 0.25, 0.5, 0.9]) {
      const v = slerpVectors(a, b, t);
      // float32 storage of 128 values: relative norm error ~1e-7; 1e-5 leaves room.
      expect(norm(v) / ((1 - t) * norm(a) + t * norm(b))).toBeCloseTo(1, 5);
      expect(Math.acos(cosine(a, v))).toBeCloseTo(t * omega, 4);
    }
    // lerp, by contrast, cuts through the inside of the shell.
    expect(norm(lerpVectors(a, b, 0.5))).toBeLessThan(0.8 * (0.5 * norm(a) + 0.5 * norm(b)));
  });

  it('slerp falls back to lerp for parallel and opposite vectors', () => {
    const c = Float32Array.from(a, (x) => 2 * x);
    expect(slerpVectors(a, c, 0.3)).toEqual(lerpVectors(a, c, 0.3));
    const d = Float32Array.from(a, (x) => -x);
    expect(slerpVectors(a, d, 0.3)).toEqual(lerpVectors(a, d, 0.3));
  });

  it('schedules open and looping paths', () => {
    expect(keyframeSchedule(3, 2)).toEqual([
      { from: 0, to: 1, t: 0 },
      { from: 0, to: 1, t: 0.5 },
      { from: 1, to: 2, t: 0 },
      { from: 1, to: 2, t: 0.5 },
      { from: 1, to: 2, t: 1 },
    ]);
    const loop = keyframeSchedule(3, 2, true);
    expect(loop).toHaveLength(6);
    expect(loop.at(-1)).toEqual({ from: 2, to: 0, t: 0.5 });
    expect(() => keyframeSchedule(1, 4)).toThrow(/at least 2 keyframes/);
  });

  it('Catmull-Rom paths pass through every keyframe and bend between them', () => {
    const keys = Tensor.float32([3, 4], [0, 0, 0, 0, 1, 1, 0, 0, 2, 0, 0, 0]);
    const schedule = keyframeSchedule(3, 4);
    const spline = interpolateCodes(keys, schedule, { method: 'spline', loop: false, spherical: false, vectorSize: 4 });
    const linear = interpolateCodes(keys, schedule, { method: 'lerp', loop: false, spherical: false, vectorSize: 4 });
    for (const [f, k] of [[0, 0], [4, 1], [8, 2]]) expect([...spline.data.subarray(f * 4, f * 4 + 4)]).toEqual([...keys.data.subarray(k * 4, k * 4 + 4)]);
    // Frame 2 (t = 0.5 of the first segment): lerp is at (0.5, 0.5); the curve overshoots upward to 0.5625 in y.
    expect(linear.data[2 * 4 + 1]).toBeCloseTo(0.5, 6);
    expect(spline.data[2 * 4 + 1]).toBeCloseTo(0.5625, 6);
  });

  it('cross-fades pixels along the same schedule', () => {
    const imgs = Tensor.float32([2, 1, 1, 2], [-1, 1, 1, -1]);
    const frames = crossfadeImages(imgs, keyframeSchedule(2, 4));
    expect([...frames.data]).toEqual([-1, 1, -0.5, 0.5, 0, 0, 0.5, -0.5, 1, -1]);
  });
});

describe('latent paths on the shipped StyleGAN2', () => {
  let sg2: GanModel;
  beforeAll(async () => {
    sg2 = await loadModel(SG2);
  });
  afterAll(async () => sg2.release());

  it('z slerp through 3 seeds: keyframe frames are the keyframes and render bit-identically', async () => {
    const keys = await latentFromSeeds(sg2, [1, 2, 3], { psi: 0.7 });
    const { latent, schedule } = await interpolate(sg2, keys, { framesPerSegment: 3 });
    expect(latent.space).toBe('z');
    expect(latent.codes.shape).toEqual([7, 128]);
    const at = [0, 3, 6];
    expect(selectRows(latent, at).codes.data).toEqual(keys.codes.data);
    expect(schedule[6]).toEqual({ from: 1, to: 2, t: 1 });
    const [frames, keyImages] = [await renderLatent(sg2, selectRows(latent, at)), await renderLatent(sg2, keys)];
    expect(frames.data).toEqual(keyImages.data);
    // the mid-frame norm is the mean of the keyframe norms (slerp), 1e-5 relative for float32 storage
    const z = (i: number, l = latent) => l.codes.data.subarray(i * 128, (i + 1) * 128);
    expect(norm(z(1)) / ((2 / 3) * norm(z(0, keys)) + (1 / 3) * norm(z(1, keys)))).toBeCloseTo(1, 5);
  });

  it('per-layer-range paths move only the chosen ws rows; random noise is materialised per keyframe', async () => {
    const keys = { ...(await latentFromSeeds(sg2, [4, 5], { space: 'w' })), noiseMode: 'random' as const, noiseSeed: 9 };
    const { latent } = await interpolate(sg2, keys, { framesPerSegment: 4, layers: [5, 6, 7] });
    expect(latent.space).toBe('w+');
    expect(latent.codes.shape).toEqual([5, 8, 128]);
    const ws = await toWs(sg2, keys);
    const row = (t: Tensor<'float32'>, i: number, r: number) => t.data.subarray((i * 8 + r) * 128, (i * 8 + r + 1) * 128);
    for (let f = 0; f < 5; f++) for (let r = 0; r < 5; r++) expect(row(latent.codes, f, r)).toEqual(row(ws, 0, r));
    for (const r of [5, 6, 7]) expect(row(latent.codes, 4, r)).toEqual(row(ws, 1, r));
    expect(row(latent.codes, 2, 6)).not.toEqual(row(ws, 0, 6));
    expect(Object.keys(latent.noise!)).toHaveLength(sg2.stylegan2().layers.filter((l) => l.kind === 'conv').length);
    // frame 0 renders like keyframe 0 did in the keyframe batch (same materialised maps)
    const [a, b] = [await renderLatent(sg2, selectRows(latent, [0])), await renderLatent(sg2, keys)];
    expect(a.data).toEqual(b.data.subarray(0, a.size));
  });
});
