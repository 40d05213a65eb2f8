import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../core/errors.js';
import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { momentsOf, StreamingCovariance } from '../../directions/ganspace.js';
import type { BundleRef } from './bundles.js';
import { ganspaceShards, interfaceganShards } from './directionShards.js';
import { fcdShards } from './fcdShards.js';
import { float32From, float64From, seedRanges, toBase64 } from './seedShards.js';

const ref = (h: string): BundleRef => ({ contentHash: h.repeat(64), name: h, path: `/models/${h}` });

describe('seed ranges', () => {
  it('start on whole chunks and cover every sample once', () => {
    expect(seedRanges(4000, 1000, 500)).toEqual(
      [0, 1000, 2000, 3000].map((offset) => ({ offset, num: 1000 })),
    );
    // 700 rounds up to 1000 (two chunks of 500); the last range takes the rest
    expect(seedRanges(2300, 700, 500)).toEqual([
      { offset: 0, num: 1000 },
      { offset: 1000, num: 1000 },
      { offset: 2000, num: 300 },
    ]);
    expect(seedRanges(5, 1, 100)).toEqual([{ offset: 0, num: 5 }]);
    expect(() => seedRanges(0, 10, 10)).toThrow(ArgumentError);
    expect(() => seedRanges(10, 0, 10)).toThrow(/--shard-size/);
  });

  it('give ids that name the computation, not the submission', () => {
    const opts = {
      num: 2000,
      firstSeed: 7,
      space: 'w' as const,
      psi: 1,
      model: { name: 'm', contentHash: 'a' },
      classifier: 'c',
    };
    const a = interfaceganShards({ model: ref('a'), classifier: ref('b'), options: opts, shardSize: 1000 });
    const again = interfaceganShards({
      model: { ...ref('a'), path: '/elsewhere' },
      classifier: ref('b'),
      options: opts,
      shardSize: 1000,
    });
    expect(a.map((s) => s.id)).toEqual(again.map((s) => s.id));
    expect(new Set(a.map((s) => s.id)).size).toBe(2);
    expect(a.map((s) => s.label)).toEqual(['seeds 7..1006', 'seeds 1007..2006']);
    const otherPsi = interfaceganShards({
      model: ref('a'),
      classifier: ref('b'),
      options: { ...opts, psi: 0.7 },
      shardSize: 1000,
    });
    expect(otherPsi[0].id).not.toBe(a[0].id);
    expect(
      ganspaceShards({ model: ref('a'), num: 25_000, firstSeed: 0, space: 'w', shardSize: 1 }).map(
        (s) => s.label,
      ),
    ).toEqual(['seeds 0..9999', 'seeds 10000..19999', 'seeds 20000..24999']);
    const fcd = fcdShards({
      model: ref('a'),
      classifier: ref('b'),
      num: 250,
      firstSeed: 0,
      options: { psi: 1, noiseMode: 'const', batchSize: 100 },
      shardSize: 150,
    });
    expect(fcd.map((s) => (s.data as { offset: number }).offset)).toEqual([0, 200]);
  });
});

describe('arrays through Redis', () => {
  it('keep every bit and check their length', () => {
    const f32 = Float32Array.from([1 / 3, -0, Number.MIN_VALUE, 3.4e38, Number.NaN]);
    expect(Array.from(float32From(toBase64(f32), 5, 'x'))).toEqual(Array.from(f32));
    const f64 = new Float64Array([Math.PI, 1e-300, -2.5]);
    expect(float64From(toBase64(f64.subarray(1)), 2, 'x')).toEqual(f64.subarray(1));
    expect(() => float64From(toBase64(f64), 4, 'scatter')).toThrow(/scatter holds 24 bytes, 32 expected/);
  });

  it('GANSpace moments computed apart (and sent as base64) merge to the same bits as one accumulator', () => {
    const rng = new RandomState(3);
    const d = 6;
    const blocks = [40, 40, 13].map((n) =>
      Tensor.float32(
        [n, d],
        rng.standardNormalFloat32([n * d]).map((v, i) => v * (1 + (i % d)) + 5),
      ),
    );
    const one = new StreamingCovariance(d);
    for (const b of blocks) one.add(b);
    const joined = new StreamingCovariance(d);
    for (const b of blocks) {
      const m = momentsOf(b, d);
      joined.merge({
        count: m.count,
        mean: float64From(toBase64(m.mean), d, 'mean'),
        scatter: float64From(toBase64(m.scatter), d * d, 'scatter'),
      });
    }
    expect(joined.count).toBe(93);
    expect(Array.from(joined.covariance())).toEqual(Array.from(one.covariance()));
    expect(Array.from(joined.mean)).toEqual(Array.from(one.mean));
    expect(() => joined.merge(momentsOf(blocks[0].reshape([40 * 3, 2]), 2))).toThrow(
      /moments of dimension 2/,
    );
  });
});
