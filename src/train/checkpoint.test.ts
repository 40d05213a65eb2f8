import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../core/errors.js';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { Adam } from '../optim/adam.js';
import {
  type Checkpoint,
  loadCheckpoint,
  loadLatestCheckpoint,
  packAdam,
  previousPath,
  saveCheckpoint,
  unpackAdam,
} from './checkpoint.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentlab-ckpt-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function sample(
  step: number,
): Checkpoint<{ step: number; rng: ReturnType<RandomState['getState']>; note: string }> {
  const rng = new RandomState(step);
  rng.randn(3); // leaves a cached gauss
  return {
    groups: {
      G: new Map<string, Tensor>([
        ['main.0.weight', Tensor.float32([2, 3], rng.randn(6))],
        ['main.1.num_batches_tracked', Tensor.int64([], [step])],
      ]),
      'optG.m': new Map([['main.0.weight', Tensor.float32([2, 3], [step, -0, 1e-30, -1e30, Number.NaN, 7])]]),
      empty: new Map(),
    },
    state: { step, rng: rng.getState(), note: 'ünïcode ✓' },
  };
}

const bits = (t: Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

describe('checkpoints', () => {
  it('round-trip tensor groups bit for bit and the JSON state exactly', async () => {
    const path = join(dir, 'ckpt.safetensors');
    const c = sample(3);
    await saveCheckpoint(path, c);
    const r = await loadCheckpoint<typeof c.state>(path);
    expect(Object.keys(r.groups).sort()).toEqual(['G', 'empty', 'optG.m']);
    for (const [g, m] of Object.entries(c.groups)) {
      for (const [k, t] of m) {
        const u = r.groups[g].get(k)!;
        expect([u.dtype, u.shape]).toEqual([t.dtype, t.shape]);
        expect(bits(u)).toEqual(bits(t));
      }
    }
    expect(r.state).toEqual(c.state);
    expect(r.state.rng.hasGauss).toBe(true);
    const restored = new RandomState(0);
    restored.setState(r.state.rng);
    const original = new RandomState(0);
    original.setState(c.state.rng);
    expect(restored.randn(5)).toEqual(original.randn(5));
  });

  it('keep the replaced checkpoint as .prev', async () => {
    const path = join(dir, 'ckpt.safetensors');
    await saveCheckpoint(path, sample(1));
    await saveCheckpoint(path, sample(2));
    expect((await loadCheckpoint<{ step: number }>(path)).state.step).toBe(2);
    expect((await loadCheckpoint<{ step: number }>(previousPath(path))).state.step).toBe(1);
  });

  it('leave the old checkpoint intact when a save fails before the rename', async () => {
    const path = join(dir, 'ckpt.safetensors');
    await saveCheckpoint(path, sample(1));
    const before = await readFile(path);
    const crash = saveCheckpoint(path, sample(2), {
      beforeRename: () => {
        throw new Error('simulated crash');
      },
    });
    await expect(crash).rejects.toThrow('simulated crash');
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await loadCheckpoint<{ step: number }>(path)).state.step).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['ckpt.safetensors']); // no temporary left behind
  });

  it('fall back to .prev when the checkpoint is truncated, and name both files in errors', async () => {
    const path = join(dir, 'ckpt.safetensors');
    await saveCheckpoint(path, sample(1));
    await saveCheckpoint(path, sample(2));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 5));
    await expect(loadCheckpoint(path)).rejects.toThrow(CheckpointError);
    const latest = await loadLatestCheckpoint<{ step: number }>(path);
    expect(latest?.path).toBe(previousPath(path));
    expect(latest?.checkpoint.state.step).toBe(1);
    expect(latest?.fallbackReason).toMatch(/corrupt checkpoint/);
    expect(await loadLatestCheckpoint(join(dir, 'none.safetensors'))).toBeNull();
  });

  it('refuse a safetensors file that is not a checkpoint', async () => {
    const path = join(dir, 'weights.safetensors');
    const { writeSafetensors } = await import('../formats/safetensors.js');
    await writeFile(path, writeSafetensors({ x: Tensor.float32([1], [1]) }));
    await expect(loadCheckpoint(path)).rejects.toThrow(/not a latentlab checkpoint/);
  });

  it('store Adam moments by parameter name and restore them exactly', async () => {
    const make = () => {
      const a = Tensor.float32([3], [1, 2, 3]);
      const b = Tensor.float32([2, 2], [0.5, -0.5, 0.25, 4]);
      return { a, b, opt: new Adam({ params: [a, b], lr: 0.01, betas: [0.5, 0.999] }) };
    };
    const grads = (k: number) => [Float32Array.from([k, -k, 0.5]), Float32Array.from([1, k, -2, k * k])];
    const ref = make();
    const x = make();
    for (let k = 1; k <= 3; k++) {
      ref.opt.step(grads(k));
      x.opt.step(grads(k));
    }
    const packed = packAdam('opt', x.opt, ['a', 'b']);
    const path = join(dir, 'opt.safetensors');
    await saveCheckpoint(path, {
      groups: {
        P: new Map([
          ['a', x.a],
          ['b', x.b],
        ]),
        ...packed.groups,
      },
      state: packed.state,
    });
    const r = await loadCheckpoint<typeof packed.state>(path);
    const y = make();
    y.a.data.set(r.groups.P.get('a')!.data as Float32Array);
    y.b.data.set(r.groups.P.get('b')!.data as Float32Array);
    unpackAdam('opt', y.opt, ['a', 'b'], r.groups, r.state);
    for (let k = 4; k <= 6; k++) {
      ref.opt.step(grads(k));
      y.opt.step(grads(k));
    }
    expect(bits(y.a)).toEqual(bits(ref.a));
    expect(bits(y.b)).toEqual(bits(ref.b));
  });

  it('re-save the committed fmnist-stylegan2 run checkpoint byte for byte (the on-disk format is unchanged)', async () => {
    const committed = fileURLToPath(new URL('../../training/fmnist-stylegan2/checkpoint.safetensors', import.meta.url));
    const c = await loadCheckpoint<{ kind: string; progress: { imagesSeen: number } }>(committed);
    expect(c.state.kind).toBe('stylegan2');
    expect(Object.keys(c.groups)).toEqual(['G', 'D', 'G_ema', 'optG.m', 'optG.v', 'optD.m', 'optD.v']);
    const copy = join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(copy, c);
    expect(Buffer.compare(await readFile(copy), await readFile(committed))).toBe(0);
  });
});
