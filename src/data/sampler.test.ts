import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import type { ImageDataset } from './dataset.js';
import { InMemoryImageDataset, takeFirst } from './memory.js';
import { BatchSampler } from './sampler.js';

/** n 1×2×2 images whose pixels all equal their index; label = index mod 3. */
function toy(n: number): ImageDataset {
  const pixels = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) pixels.fill(i, i * 4, i * 4 + 4);
  return new InMemoryImageDataset({
    name: 'toy',
    channels: 1,
    resolution: 2,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    labelNames: ['a', 'b', 'c'],
  });
}

describe('BatchSampler', () => {
  it('shuffles each epoch with numpy permutation and wraps batches across epochs', () => {
    const s = new BatchSampler(toy(10), 4, 7);
    const rng = new RandomState(7);
    const expected = [...rng.permutation(10), ...rng.permutation(10), ...rng.permutation(10)];
    const got: number[] = [];
    for (let b = 0; b < 7; b++) got.push(...s.nextIndices()); // 28 items: 2.8 epochs
    expect(got).toEqual(expected.slice(0, 28));
    expect(new Set(got.slice(0, 10)).size).toBe(10); // each image once per epoch
    expect(s.currentEpoch).toBe(3);
  });

  it('builds batches from the dataset rows', () => {
    const s = new BatchSampler(toy(10), 3, 1);
    const b = s.next();
    expect(b.images.shape).toEqual([3, 1, 2, 2]);
    b.indices.forEach((idx, i) => {
      expect(Array.from(b.images.data.subarray(i * 4, i * 4 + 4))).toEqual([idx, idx, idx, idx]);
      expect(b.labels[i]).toBe(idx % 3);
    });
  });

  it('restores its exact position from getState, across epoch boundaries and through JSON', () => {
    for (const cut of [0, 1, 2, 3, 5, 9]) {
      const a = new BatchSampler(toy(10), 4, [3, 1]);
      for (let i = 0; i < cut; i++) a.nextIndices();
      const state = JSON.parse(JSON.stringify(a.getState()));
      const b = new BatchSampler(toy(10), 4, [3, 1]);
      b.setState(state);
      for (let i = 0; i < 8; i++) expect(Array.from(b.nextIndices())).toEqual(Array.from(a.nextIndices()));
    }
  });

  it('samples only a subset when asked, and refuses a state for another layout', () => {
    const s = new BatchSampler(toy(100), 5, 0, { subset: 8 });
    expect(s.size).toBe(8);
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) for (const idx of s.nextIndices()) seen.add(idx);
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => new BatchSampler(toy(100), 5, 0).setState(s.getState())).toThrow(/state is for 8 items/);
  });

  it('takeFirst views the first n items', () => {
    const d = takeFirst(toy(10), 4);
    expect(d.size).toBe(4);
    expect(d.image(3)[0]).toBe(3);
    expect(() => d.image(4)).toThrow(/out of range/);
  });
});
