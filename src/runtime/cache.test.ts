import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { mul } from '../graph/ops/elementwise.js';
import { trace } from '../graph/program.js';
import { compile } from './compile.js';

describe('session cache', () => {
  it('shares one session between identical programs and closes it with the last release', async () => {
    const make = () => trace({ x: { shape: [3] } }, ({ x }) => mul(x, 2));
    const a = await compile(make());
    const b = await compile(make());
    expect(b).toBe(a);
    await a.release();
    // b still holds a reference: the shared session keeps working.
    expect(Array.from((await b.run(Tensor.float32([3], [1, 2, 3])))[0].f32)).toEqual([2, 4, 6]);
    await b.release();
    // After the last release a new compile makes a fresh session.
    const c = await compile(make());
    expect(c).not.toBe(a);
    expect(Array.from((await c.run(Tensor.float32([3], [1, 1, 1])))[0].f32)).toEqual([2, 2, 2]);
    await c.release();
  });

  it('keeps sessions with and without the memory arena apart, and both compute the same', async () => {
    const make = () => trace({ x: { shape: [3] } }, ({ x }) => mul(x, 2));
    const withArena = await compile(make());
    const without = await compile(make(), { memoryArena: false });
    expect(without).not.toBe(withArena);
    for (const exe of [withArena, without]) expect(Array.from((await exe.run(Tensor.float32([3], [1, 2, 3])))[0].f32)).toEqual([2, 4, 6]);
    await withArena.release();
    await without.release();
  });
});
