import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DTypeError,
  GraphError,
  LatentlabError,
  RuntimeFailure,
  ShapeError,
  UnsupportedOpError,
} from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { compile } from '../runtime/compile.js';
import { grad, vjp } from './autodiff.js';
import { conv2d, convTranspose2d } from './ops/conv.js';
import { add, cast, tanh, where } from './ops/elementwise.js';
import { gemm, matmul } from './ops/matmul.js';
import { gather, pad, reshape, slice } from './ops/movement.js';
import { reduceSum } from './ops/reduce.js';
import { program, trace } from './program.js';
import { opDef } from './registry.js';
import { constant, input } from './value.js';

/** Asserts `f` throws exactly `type` with a message containing every fragment. */
function expectError(f: () => unknown, type: new (...a: never[]) => Error, ...fragments: string[]): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  expect(caught).toBeInstanceOf(LatentlabError);
  for (const s of fragments) expect((caught as Error).message).toContain(s);
}

async function expectRejection(
  p: Promise<unknown>,
  type: new (...a: never[]) => Error,
  ...fragments: string[]
) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  for (const s of fragments) expect((err as Error).message).toContain(s);
}

const f32 = (...shape: number[]) => input('x', shape);

describe('shape errors name the op and the shapes', () => {
  it.each([
    ['MatMul', () => matmul(input('a', [2, 3]), input('b', [4, 5])), ['MatMul', '[2,3]', '[4,5]']],
    ['Add broadcast', () => add(input('a', [2, 3]), input('b', [4])), ['Add', '[2,3]', '[4]']],
    [
      'Conv channels',
      () => conv2d(f32(1, 3, 8, 8), input('w', [4, 2, 3, 3])),
      ['Conv', '[1,3,8,8]', '[4,2,3,3]'],
    ],
    ['Conv kernel too big', () => conv2d(f32(1, 1, 2, 2), input('w', [1, 1, 3, 3])), ['Conv', '[1,1,2,2]']],
    ['Gemm inner dims', () => gemm(input('a', [2, 3]), input('b', [2, 3])), ['Gemm', '[2,3]']],
    [
      'Gemm bias grows the result',
      () => gemm(input('a', [2, 3]), input('b', [3, 4]), {}, input('c', [5, 2, 4])),
      ['Gemm', '[5,2,4]'],
    ],
    ['Reshape', () => reshape(f32(2, 3), [4, 2]), ['Reshape', '[2,3]', '[4,2]']],
    ['Slice axes', () => slice(f32(2, 3), [0, 0], [1, 1], [1, 1]), ['Slice', '[2,3]']],
    [
      'Pad reflect wider than the input',
      () => pad(f32(2, 3), [0, 3, 0, 0], 'reflect'),
      ['Pad', 'reflect', '[2,3]'],
    ],
    [
      'Gather constant index',
      () => gather(f32(3, 4), constant(Tensor.int64([2], [0, 3])), 0),
      ['Gather', '[3,4]'],
    ],
    [
      'ConvTranspose output_padding',
      () =>
        convTranspose2d(f32(1, 2, 4, 4), input('w', [2, 2, 3, 3]), undefined, {
          stride: 2,
          outputPadding: 2,
        }),
      ['ConvTranspose', 'output_padding'],
    ],
  ] as const)('%s', (_, f, fragments) => {
    expectError(f, ShapeError, ...fragments);
  });
});

describe('dtype errors', () => {
  it('mixed float32 and float64 operands', () => {
    expectError(
      () => add(input('a', [2]), input('b', [2], 'float64')),
      DTypeError,
      'Add',
      'float32[2]',
      'float64[2]',
    );
  });
  it('MatMul of float32 by float64', () => {
    expectError(
      () => matmul(input('a', [2, 2]), input('b', [2, 2], 'float64')),
      DTypeError,
      'MatMul',
      'float32',
      'float64',
    );
  });
  it('Gather with float indices', () => {
    expectError(() => gather(f32(3, 4), input('i', [2])), DTypeError, 'Gather', 'int64', 'float32');
  });
  it('Where with a float condition', () => {
    expectError(() => where(input('c', [2]), f32(2), 0), DTypeError, 'Where', 'bool');
  });
  it('differentiating w.r.t. an integer value', () => {
    const i = input('i', [2], 'int64');
    expectError(() => grad(reduceSum(cast(i, 'float32')), [i]), GraphError, 'int64');
  });
});

describe('autodiff errors', () => {
  afterEach(() => vi.restoreAllMocks());

  it('grad of a non-scalar names its shape', () => {
    const x = f32(2, 3);
    expectError(() => grad(tanh(x), [x]), ShapeError, 'grad', '[2,3]');
  });

  it('vjp with a cotangent of the wrong shape or dtype', () => {
    const x = f32(2, 3);
    expectError(() => vjp([tanh(x)], [input('c', [3, 2])], [x]), ShapeError, '[3,2]', '[2,3]');
    expectError(() => vjp([tanh(x)], [input('c', [2, 3], 'float64')], [x]), DTypeError, 'float64', 'float32');
  });

  it('a rule that throws is reported at its node, with the op and shapes', () => {
    vi.spyOn(opDef('Tanh'), 'vjp').mockImplementation(() => {
      throw new ShapeError('no rule today');
    });
    const x = f32(2, 3);
    expectError(
      () => grad(reduceSum(tanh(x)), [x]),
      UnsupportedOpError,
      'VJP of Tanh',
      'float32[2,3]',
      'no rule today',
    );
  });

  it('a rule that crashes (a bug, not a typed error) is wrapped with the node too', () => {
    vi.spyOn(opDef('MatMul'), 'vjp').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'shape')");
    });
    const a = input('a', [2, 3]);
    let err: unknown;
    try {
      grad(reduceSum(matmul(a, input('b', [3, 4]))), [a]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect((err as Error).message).toMatch(
      /VJP of MatMul at %\d+:float32\[2,4\] = MatMul\(%\d+:float32\[2,3\], %\d+:float32\[3,4\]\)/,
    );
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });

  it('a rule returning a cotangent of the wrong shape', () => {
    vi.spyOn(opDef('Tanh'), 'vjp').mockImplementation(({ g }) => [reshape(g, [3, 2])]);
    const x = f32(2, 3);
    expectError(() => grad(reduceSum(tanh(x)), [x]), ShapeError, 'VJP of Tanh', '[3,2]', 'float32[2,3]');
  });
});

describe('runtime feeds are checked before ONNX Runtime sees them', () => {
  const p = trace({ x: { shape: [2, 3] }, y: { shape: [3] } }, ({ x, y }) => add(x, y));

  it('missing input', async () => {
    const exe = await compile(p);
    await expectRejection(
      exe.runNamed({ x: Tensor.float32([2, 3]) }),
      GraphError,
      "missing input 'y'",
      'float32[3]',
    );
  });
  it('unknown input', async () => {
    const exe = await compile(p);
    const feeds = { x: Tensor.float32([2, 3]), y: Tensor.float32([3]), z: Tensor.float32([3]) };
    await expectRejection(exe.runNamed(feeds), GraphError, "unknown input 'z'", "'x', 'y'");
  });
  it('wrong dtype', async () => {
    const exe = await compile(p);
    await expectRejection(
      exe.run(Tensor.float64([2, 3]), Tensor.float32([3])),
      DTypeError,
      "'x'",
      'float32',
      'float64',
    );
  });
  it('wrong shape', async () => {
    const exe = await compile(p);
    await expectRejection(
      exe.run(Tensor.float32([3, 2]), Tensor.float32([3])),
      ShapeError,
      "'x'",
      '[2,3]',
      '[3,2]',
    );
  });
  it('wrong number of inputs', async () => {
    const exe = await compile(p);
    await expectRejection(exe.run(Tensor.float32([2, 3])), GraphError, 'expected 2 inputs', 'x, y');
  });
  it('a runtime failure inside ORT is a typed RuntimeFailure', async () => {
    const q = trace({ x: { shape: [3, 4] }, i: { shape: [2], dtype: 'int64' } }, ({ x, i }) =>
      gather(x, i, 0),
    );
    const exe = await compile(q);
    await expectRejection(
      exe.run(Tensor.float32([3, 4]), Tensor.int64([2], [0, 7])),
      RuntimeFailure,
      'ONNX Runtime',
    );
  });
  it('a graph that uses an undeclared input', () => {
    const x = input('x', [2]);
    expectError(() => compile(program([x], add(x, input('stray', [2])))), GraphError, "'stray'");
  });
  it('duplicate input names', () => {
    expectError(
      () => compile(program([input('x', [2]), input('x', [2])], input('x', [2]))),
      GraphError,
      "'x'",
      'twice',
    );
  });
});
