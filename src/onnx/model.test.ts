import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { add, leakyRelu, mul } from '../graph/ops/elementwise.js';
import { gemm } from '../graph/ops/matmul.js';
import { reduceSum } from '../graph/ops/reduce.js';
import { printGraph } from '../graph/printer.js';
import { program, trace } from '../graph/program.js';
import { topoSort } from '../graph/topo.js';
import { constant, input } from '../graph/value.js';
import { compile, toOnnx } from '../runtime/compile.js';

/** A linear layer with LeakyReLU and its gradient w.r.t. the input: small enough to read whole. */
function tinyProgram() {
  const weight = constant(Tensor.float32([2, 3], [1, 2, 3, 4, 5, 6]), 'fc.weight');
  return trace({ x: { shape: [1, 3] } }, ({ x }) => {
    const y = leakyRelu(gemm(x, weight, { transB: true }), 0.2);
    const loss = reduceSum(mul(y, y));
    const [gx] = grad(loss, [x]);
    return { loss, gx };
  });
}

describe('stable text forms', () => {
  it('printGraph', () => {
    const p = tinyProgram();
    expect(printGraph(p.outputs)).toMatchInlineSnapshot(`
      "%0:f32[1,3] = input 'x'
      %1:f32[2,3] = const 'fc.weight'
      %2:f32[1,2] = Gemm %0 %1 {transA=false, transB=true, alpha=1, beta=1}
      %3:f32[1,2] = LeakyRelu %2 {alpha=0.2}
      %4:f32[1,2] = Mul %3 %3
      %5:f32[] = ReduceSum %4 {axes=[0,1], keepdims=false}
      %6:f32[] = const (1)
      %7:f32[1,1] = Reshape %6 {shape=[1,1]}
      %8:f32[1,2] = Expand %7 {shape=[1,2]}
      %9:f32[1,2] = Mul %8 %3
      %10:f32[1,2] = Mul %8 %3
      %11:f32[1,2] = Add %9 %10
      %12:f32[1,2] = LeakyReluSlope %3 {alpha=0.2, scale=1}
      %13:f32[1,2] = Mul %11 %12
      %14:f32[1,3] = Gemm %13 %1 {transA=false, transB=false, alpha=1, beta=1}
      return %5, %14"
    `);
  });

  it('toOnnx text dump', () => {
    expect(toOnnx(tinyProgram()).text).toMatchInlineSnapshot(`
      "opset 18
      input x: float32[1,3]
      init fc.weight: float32[2,3] = 1,2,3,4,5,6
      init k0: int64[2] = 0,1
      init k1: float32[1,1] = 1
      init k2: int64[2] = 1,2
      init k3: float32[] = 1.2676506e+30
      init k4: float32[] = 0.2
      init k5: float32[] = 1
      v0 = Gemm(x, fc.weight) {transA=0, transB=1, alpha=1, beta=1}
      v1 = LeakyRelu(v0) {alpha=0.2}
      v2 = Mul(v1, v1)
      v3 = ReduceSum(v2, k0) {keepdims=0}
      v4 = Expand(k1, k2)
      v5 = Mul(v4, v1)
      v6 = Add(v5, v5)
      t0 = Mul(v1, k3)
      v7 = Clip(t0, k4, k5)
      v8 = Mul(v6, v7)
      v9 = Gemm(v8, fc.weight) {transA=0, transB=0, alpha=1, beta=1}
      loss = Identity(v3)
      gx = Identity(v9)
      output loss: float32[]
      output gx: float32[1,3]"
    `);
  });

  it('the text dump is the same for every trace of the same function', () => {
    expect(toOnnx(tinyProgram()).text).toBe(toOnnx(tinyProgram()).text);
    expect(printGraph(tinyProgram().outputs)).toBe(printGraph(tinyProgram().outputs));
  });
});

describe('names', () => {
  it('user names never collide with generated ones', async () => {
    // Inputs and outputs named like generated names (v0 for node outputs, k0 for initializers, t0).
    const v0 = input('v0', [2]);
    const k0 = input('k0', [2]);
    const a = constant(Tensor.float32([20], new Array(20).fill(1)), 'v1');
    const b = constant(Tensor.float32([20], new Array(20).fill(2)), 'v1');
    const p = program([v0, k0], { k1: add(mul(v0, 3), k0), v2: reduceSum(add(a, b)), t0: mul(v0, v0) });
    const [y, s, sq] = await (await compile(p)).run(
      Tensor.float32([2], [1, 2]),
      Tensor.float32([2], [10, 20]),
    );
    expect(Array.from(y.data as Float32Array)).toEqual([13, 26]);
    expect(s.data[0]).toBe(60);
    expect(Array.from(sq.data as Float32Array)).toEqual([1, 4]);
  });
});

describe('deep graphs', () => {
  it('a 5000-deep chain of adds sorts, differentiates, lowers and runs without recursion', async () => {
    const depth = 5000;
    const x = input('x', [2]);
    let y = x;
    for (let i = 0; i < depth; i++) y = add(y, 1);
    const loss = reduceSum(mul(y, y));
    expect(topoSort([loss]).length).toBeGreaterThan(depth);
    const [gx] = grad(loss, [x]);
    expect(topoSort([gx]).length).toBeGreaterThan(depth);
    const exe = await compile(program([x], { y, gx }));
    const [yv, gv] = await exe.run(Tensor.float32([2], [0, 1]));
    expect(Array.from(yv.data as Float32Array)).toEqual([depth, depth + 1]);
    expect(Array.from(gv.data as Float32Array)).toEqual([2 * depth, 2 * (depth + 1)]);
  });
});
