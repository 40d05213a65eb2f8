export { grad, valueAndGrad, vjp } from './autodiff.js';
export type { OnnxAttr, OnnxEmitter } from './emitter.js';
export { convAttrs, conv2d, convTranspose2d, convWeightGrad, type ConvOptions } from './ops/conv.js';
export {
  abs,
  add,
  cast,
  clip,
  div,
  equal,
  exp,
  greater,
  leakyRelu,
  less,
  log,
  mul,
  neg,
  type Operand,
  pow,
  reciprocal,
  relu,
  rsqrt,
  scalarLike,
  sigmoid,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from './ops/elementwise.js';
export { gemm, matmul } from './ops/matmul.js';
export { concat, expand, gather, pad, reshape, slice, squeeze, transpose, unsqueeze } from './ops/movement.js';
export { unbroadcast } from './ops/broadcast.js';
export { reduceMax, reduceMean, reduceSum } from './ops/reduce.js';
export { printGraph } from './printer.js';
export { type InputSpec, type Program, program, type TraceResult, trace } from './program.js';
export { opNames } from './registry.js';
export { topoSort } from './topo.js';
export type { OpAttrMap, OpDef, OpName } from './types.js';
export { apply, constant, input, Value } from './value.js';
