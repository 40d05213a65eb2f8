import { ArgumentError } from '../core/errors.js';

/** A learning-rate (or other scalar) schedule: the value to use at a 0-based step. */
export type Schedule = (step: number) => number;

function checkSteps(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0)
    throw new ArgumentError(`${name}: numSteps must be a positive integer, got ${n}`);
}

export function constantSchedule(value: number): Schedule {
  return () => value;
}

export interface CosineScheduleOptions {
  /** Peak value, reached at the end of warmup. */
  base: number;
  /** Steps over which the value decays from `base` to `min`; later steps stay at `min`. */
  numSteps: number;
  /** Floor of the decay. Default 0. */
  min?: number;
  /** Linear warmup from 0 over this many steps (part of `numSteps`). Default 0. */
  warmupSteps?: number;
}

/** Linear warmup, then half a cosine from `base` down to `min` (SGDR without restarts). */
export function cosineSchedule(o: CosineScheduleOptions): Schedule {
  checkSteps('cosineSchedule', o.numSteps);
  const min = o.min ?? 0;
  const warm = o.warmupSteps ?? 0;
  if (warm < 0 || warm >= o.numSteps)
    throw new ArgumentError(`cosineSchedule: warmupSteps must lie in [0, numSteps), got ${warm}`);
  return (step) => {
    if (step < warm) return (o.base * (step + 1)) / warm;
    const t = Math.min(1, (step - warm) / (o.numSteps - warm));
    return min + (o.base - min) * (0.5 + 0.5 * Math.cos(Math.PI * t));
  };
}

export interface StepScheduleOptions {
  base: number;
  /** Multiply by `gamma` every `stepSize` steps (torch StepLR). */
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
}

export function stepSchedule(o: StepScheduleOptions): Schedule {
  if (!Number.isInteger(o.stepSize) || o.stepSize <= 0)
    throw new ArgumentError(`stepSchedule: stepSize must be a positive integer, got ${o.stepSize}`);
  const gamma = o.gamma ?? 0.1;
  return (step) => o.base * gamma ** Math.floor(step / o.stepSize);
}

/** Defaults of stylegan2-ada-pytorch `projector.py project()` (also rosinality's projector.py). */
export const NVIDIA_PROJECTOR_DEFAULTS = Object.freeze({
  numSteps: 1000,
  initialLearningRate: 0.1,
  lrRampdownLength: 0.25,
  lrRampupLength: 0.05,
  initialNoiseFactor: 0.05,
  noiseRampLength: 0.75,
});

export interface ProjectorLrOptions {
  numSteps?: number;
  initialLearningRate?: number;
  /** Fraction of the run over which the lr falls along half a cosine to 0. */
  lrRampdownLength?: number;
  /** Fraction of the run over which the lr rises linearly from 0. */
  lrRampupLength?: number;
}

/**
 * NVIDIA's projector learning rate, with t = step/numSteps:
 * lr0 · min(1, t/rampup) · (0.5 − 0.5·cos(π·min(1, (1−t)/rampdown))).
 * Step 0 gives lr 0: the first Adam step then only primes the moments, as it does in projector.py.
 */
export function nvidiaProjectorLr(o: ProjectorLrOptions = {}): Schedule {
  const d = NVIDIA_PROJECTOR_DEFAULTS;
  const numSteps = o.numSteps ?? d.numSteps;
  const lr0 = o.initialLearningRate ?? d.initialLearningRate;
  const down = o.lrRampdownLength ?? d.lrRampdownLength;
  const up = o.lrRampupLength ?? d.lrRampupLength;
  checkSteps('nvidiaProjectorLr', numSteps);
  // Python raises on a zero ramp; we read a zero ramp as "no ramp" instead of producing NaN.
  if (!(down >= 0 && up >= 0))
    throw new ArgumentError(`nvidiaProjectorLr: ramp lengths must be >= 0, got ${down}, ${up}`);
  return (step) => {
    const t = step / numSteps;
    let ramp = down > 0 ? Math.min(1, (1 - t) / down) : 1;
    ramp = 0.5 - 0.5 * Math.cos(ramp * Math.PI);
    ramp *= up > 0 ? Math.min(1, t / up) : 1;
    return lr0 * ramp;
  };
}

export interface ProjectorNoiseOptions {
  /** Scalar RMS distance of sampled w from w_avg (projector.py's `w_std`). */
  wStd: number;
  numSteps?: number;
  initialNoiseFactor?: number;
  /** Fraction of the run after which no noise is added. */
  noiseRampLength?: number;
}

/** Std of the Gaussian noise added to w: w_std · factor · max(0, 1 − t/noiseRamp)², t = step/numSteps. */
export function nvidiaProjectorNoise(o: ProjectorNoiseOptions): Schedule {
  const d = NVIDIA_PROJECTOR_DEFAULTS;
  const numSteps = o.numSteps ?? d.numSteps;
  const factor = o.initialNoiseFactor ?? d.initialNoiseFactor;
  const ramp = o.noiseRampLength ?? d.noiseRampLength;
  checkSteps('nvidiaProjectorNoise', numSteps);
  if (!(ramp > 0)) throw new ArgumentError(`nvidiaProjectorNoise: noiseRampLength must be > 0, got ${ramp}`);
  return (step) => o.wStd * factor * Math.max(0, 1 - step / numSteps / ramp) ** 2;
}
