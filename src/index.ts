// latentlab public API, grouped by layer (STYLE.md: studio/ and cli/ only use what is exported here).

// core
export * from './core/errors.js';
export type { DType, FloatDType } from './core/dtype.js';
export { type Shape, sizeOf, formatShape, broadcastShapes } from './core/shape.js';
export { Tensor, halfToFloat32, float32ToHalf } from './core/tensor.js';

// graph
export * from './graph/index.js';

// onnx
export { dumpText, lower, serialize, OPSET } from './onnx/model.js';

// runtime
export type { Backend, BackendSession, OptimizationLevel, SessionOptions } from './runtime/backend.js';
export { clearSessionCache, type CompileOptions, compile, compileFunction, Executable, toOnnx } from './runtime/compile.js';
