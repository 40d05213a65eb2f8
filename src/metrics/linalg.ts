// The dense float64 linear algebra moved to core/ so layers below metrics (directions) can use it.
export * from '../core/linalg.js';
