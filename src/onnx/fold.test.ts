import { describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { div, mul, sub, add } from '../graph/ops/elementwise.js';
import { expand, reshape, slice, transpose } from '../graph/ops/movement.js';
import { reduceSum } from '../graph/ops/reduce.js';
import type { Program } from '../graph/program.js';
import { constant, input, type Value } from '../graph/value.js';
import { ortNodeBackend } from '../runtime/ortNode.js';
import { lower, serialize, serializeParts } from './model.js';

const OPTS = { threads: 1, optimization: 'disabled', spinning: false, memoryPattern: false, memoryArena: true } as const;

function weights(shape: number[], seed: number): Tensor<'float32'> {
  return Tensor.float32(shape, new RandomState(seed).randn(...shape));
}

/**
 * A modulated-conv-like weight-only subgraph (Σ W² over the kernel, transposed and flipped weights,
 * gains, same-shape arithmetic) next to a path from a graph input, so both kinds of op are present.
 */
function weightProgram(): Program {
  const w = constant(weights([4, 3, 3, 3], 1), 'w');
  const gain = constant(Tensor.float32([], [0.3]));
  const b = constant(weights([4, 3, 3, 3], 2));
  const x = input('x', [4, 3, 3, 3]);
  const wsq = reduceSum(mul(w, w), [2, 3]); // [4, 3], fused Σ a·b, trailing axes
  const lead = reduceSum(mul(w, b), [0, 2]); // [3, 3], general axes
  const plain = reduceSum(w, [1]); // [4, 3, 3], no product
  const wt = transpose(w, [1, 0, 2, 3]);
  const flipped = slice(wt, [-1, -1], [-100, -100], [2, 3], [-1, -1]); // [3, 4, 3, 3] kernel flip
  const arith = div(sub(add(mul(w, gain), b), gain), add(mul(b, b), 1)); // same shape and scalars
  const scaled = reshape(mul(gain, transpose(wsq, [1, 0])), [1, 12]);
  const grown = expand(reshape(gain, [1, 1]), [4, 4]); // output larger than its input: not folded
  const live = mul(x, w); // depends on the input: never folded
  return {
    inputs: [x],
    outputs: [wsq, lead, plain, flipped, arith, scaled, grown, live],
    outputNames: ['wsq', 'lead', 'plain', 'flipped', 'arith', 'scaled', 'grown', 'live'],
  };
}

async function run(p: Program, fold: boolean): Promise<Record<string, Tensor>> {
  const g = lower(p.inputs, p.outputs, p.outputNames, { fold });
  const s = await ortNodeBackend.createSession(serialize(g), OPTS);
  try {
    return await s.run({ x: weights([4, 3, 3, 3], 3) }, p.outputNames);
  } finally {
    await s.release();
  }
}

function maxRelDiff(a: Tensor, b: Tensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / Math.max(Math.abs(y[i]), 1e-30));
  return m;
}

function opTypes(p: Program, fold: boolean): string[] {
  return lower(p.inputs, p.outputs, p.outputNames, { fold }).nodes.map((n) => n.opType);
}

describe('constant folding at lowering', () => {
  it('folds the weight-only subgraph and keeps input-dependent and growing ops', () => {
    const p = weightProgram();
    const folded = opTypes(p, true);
    // what is left: the Expand (its [1,1] input folded), the live Mul and the output Identities
    expect(folded.filter((t) => t !== 'Identity').sort()).toEqual(['Expand', 'Mul']);
    expect(opTypes(p, false).length).toBeGreaterThan(folded.length + 10);
    // 'w' feeds the live Mul, so it is emitted (once); 'b' feeds folds only, so it is not: the
    // [4, 3, 3, 3] initializers are 'w' and the folded 'arith'
    const g = lower(p.inputs, p.outputs, p.outputNames);
    expect(g.initializers.filter((i) => i.name === 'w')).toHaveLength(1);
    expect(g.initializers.filter((i) => i.tensor.shape.join() === '4,3,3,3')).toHaveLength(2);
  });

  it('matches ORT evaluating the same ops: movement and arithmetic bit for bit, sums within float32 rounding', async () => {
    const p = weightProgram();
    const [a, b] = [await run(p, true), await run(p, false)];
    for (const name of ['flipped', 'arith', 'grown', 'live']) expect(maxRelDiff(a[name], b[name]), name).toBe(0);
    // ORT sums float32 in its own order (9 or 12 terms), the fold sums in float64 and rounds once:
    // a few float32 ulps (2^-24 ≈ 6e-8 each) at most, relative to the sum of |terms| (random signs
    // make some sums small, hence the absolute form below for lead/plain).
    expect(maxRelDiff(a.wsq, b.wsq)).toBeLessThan(1e-6); // all terms positive: relative is exact
    expect(maxRelDiff(a.scaled, b.scaled)).toBeLessThan(1e-6);
    for (const name of ['lead', 'plain']) {
      const x = a[name].data as Float32Array;
      const y = b[name].data as Float32Array;
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i]), name).toBeLessThan(12 * 2 ** -24 * 16);
    }
  });

  it('computes sums in float64 and rounds once (the documented rule, independent of ORT)', () => {
    const w = weights([4, 3, 3, 3], 1);
    const p = weightProgram();
    const g = lower(p.inputs, p.outputs, p.outputNames);
    const wsqName = g.nodes.find((n) => n.outputs[0] === 'wsq')!.inputs[0];
    const wsq = g.initializers.find((i) => i.name === wsqName)!.tensor.data as Float32Array;
    for (let o = 0; o < 4; o++) {
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let k = 0; k < 9; k++) s += w.data[(o * 3 + i) * 9 + k] ** 2;
        expect(wsq[o * 3 + i]).toBe(Math.fround(s));
      }
    }
  });

  it('is deterministic: two lowerings serialise to identical bytes and external data', () => {
    const [a, b] = [weightProgram(), weightProgram()];
    const ga = lower(a.inputs, a.outputs, a.outputNames);
    const gb = lower(b.inputs, b.outputs, b.outputNames);
    expect(Buffer.from(serialize(ga)).equals(Buffer.from(serialize(gb)))).toBe(true);
    const [pa, pb] = [serializeParts(ga), serializeParts(gb)];
    expect(Buffer.from(pa.model).equals(Buffer.from(pb.model))).toBe(true);
    expect(pa.external.map((f) => f.path)).toEqual(pb.external.map((f) => f.path));
    pa.external.forEach((f, i) => expect(Buffer.from(f.data).equals(Buffer.from(pb.external[i].data))).toBe(true));
  });

  it('shares one initializer between identical folds', () => {
    const w = constant(weights([2, 3], 4));
    const x = input('x', [3, 2]);
    const outs: Value[] = [mul(x, transpose(w, [1, 0])), add(x, transpose(w, [1, 0]))];
    const g = lower([x], outs, ['a', 'b']);
    expect(g.initializers.filter((i) => i.tensor.shape.join() === '3,2')).toHaveLength(1);
  });
});
