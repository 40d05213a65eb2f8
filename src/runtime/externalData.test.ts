import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { conv2d } from '../graph/ops/conv.js';
import { constant, input } from '../graph/value.js';
import { lower, serialize, serializeParts } from '../onnx/model.js';
import { ortNodeBackend } from './ortNode.js';

const OPTS = { threads: 1, optimization: 'all', spinning: false, memoryPattern: false, memoryArena: true } as const;

describe('external initializer data (onnxruntime-node externalData)', () => {
  it('gives the inline model’s outputs, and ORT keeps its own copy (the buffers may change after creation)', async () => {
    const rng = new RandomState(5);
    const w = constant(Tensor.float32([16, 8, 3, 3], rng.randn(16, 8, 3, 3)));
    const x = input('x', [1, 8, 6, 6]);
    const g = lower([x], [conv2d(x, w, undefined, { padding: 1 })], ['y']);
    const parts = serializeParts(g);
    expect(parts.external).toHaveLength(1); // the 4608-byte weight; the model keeps only shapes and names
    expect(parts.model.length).toBeLessThan(1000);
    const feeds = { x: Tensor.float32([1, 8, 6, 6], rng.randn(1, 8, 6, 6)) };
    const inline = await ortNodeBackend.createSession(serialize(g), OPTS);
    const copies = parts.external.map((f) => ({ path: f.path, data: f.data.slice() }));
    const ext = await ortNodeBackend.createSession(parts.model, OPTS, copies);
    for (const f of copies) f.data.fill(0x7f);
    const [a, b] = [await inline.run(feeds, ['y']), await ext.run(feeds, ['y'])];
    await Promise.all([inline.release(), ext.release()]);
    expect(Array.from(b.y.data as Float32Array)).toEqual(Array.from(a.y.data as Float32Array));
  });
});
