import { add, clip, leakyRelu, mul, reciprocal, sqrt, sub } from '../graph/ops/elementwise.js';
import { gemm } from '../graph/ops/matmul.js';
import { reshape } from '../graph/ops/movement.js';
import { reduceMean } from '../graph/ops/reduce.js';
import type { Value } from '../graph/value.js';
import type { Scope } from './weights.js';

export type Activation = 'linear' | 'lrelu' | 'relu';

/** Default gain that keeps activations' second moment: sqrt(2) for lrelu/relu, 1 for linear. */
export function activationGain(act: Activation): number {
  return act === 'linear' ? 1 : Math.SQRT2;
}

/**
 * NVIDIA's bias_act: x + b (broadcast along axis 1), activation, times the activation's default
 * gain times `gain`, clamped to ±clamp.
 */
export function biasAct(x: Value, b: Value | null, act: Activation, gain = 1, clamp: number | null = null): Value {
  if (b) x = add(x, reshape(b, [1, b.shape[0], ...x.shape.slice(2).map(() => 1)]));
  const g = activationGain(act) * gain;
  if (act === 'lrelu' && g > 0 && clamp !== null && clamp > 0) {
    // One op (LeakyRelu, Mul, Clip in ONNX) whose backward pass keeps only its output: at 1024x1024
    // that is one [1, 32, 1024, 1024] activation less per synthesis layer kept for the backward pass.
    return leakyRelu(x, 0.2, { ...(g !== 1 ? { scale: g } : {}), bound: clamp * gain });
  }
  if (act === 'lrelu') x = leakyRelu(x, 0.2);
  else if (act === 'relu') x = leakyRelu(x, 0);
  if (g !== 1) x = mul(x, g);
  if (clamp !== null && clamp >= 0) x = clip(x, -clamp * gain, clamp * gain);
  return x;
}

export interface FullyConnectedOptions {
  activation?: Activation;
  /** Learning-rate multiplier of equalised LR: weight_gain = lr / sqrt(in), bias_gain = lr. */
  lrMultiplier?: number;
  bias?: boolean;
}

/** Equalised-LR fully connected layer (`weight` [out, in], `bias` [out]) of stylegan2-ada-pytorch. */
export function fullyConnected(p: Scope, x: Value, opts: FullyConnectedOptions = {}): Value {
  const { activation = 'linear', lrMultiplier = 1, bias = true } = opts;
  const inFeatures = x.shape[1];
  const w = p.get('weight', [-1, inFeatures]);
  const weightGain = lrMultiplier / Math.sqrt(inFeatures);
  const wScaled = weightGain === 1 ? w : mul(w, weightGain);
  let b: Value | null = bias && p.has('bias') ? p.get('bias', [w.shape[0]]) : null;
  if (b && lrMultiplier !== 1) b = mul(b, lrMultiplier);
  if (activation === 'linear' && b) return gemm(x, wScaled, { transB: true }, b);
  return biasAct(gemm(x, wScaled, { transB: true }), b, activation);
}

/** x / sqrt(mean(x², axis) + eps): the mapping network's 2nd-moment normalisation. */
export function normalize2ndMoment(x: Value, axis = 1, eps = 1e-8): Value {
  return mul(x, reciprocal(sqrt(add(reduceMean(mul(x, x), [axis], true), eps))));
}

/** a + t·(b − a), with t a number or a broadcastable value. */
export function lerp(a: Value, b: Value, t: number | Value): Value {
  return add(a, mul(sub(b, a), t));
}
