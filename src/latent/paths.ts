// Latent paths as pure math on code vectors (no model, no runtime): the keyframe schedule, lerp/slerp/
// Catmull-Rom, and the path codes. The studio page imports this file directly, so a path played in the
// browser is the path `interpolate` renders.
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * lerp: straight lines. slerp: great circles (White 2016), the right walk for Gaussian z whose mass sits
 * on a shell. spline: a Catmull-Rom curve through every keyframe, so a path of 3+ keyframes turns
 * smoothly instead of kinking at each one.
 */
export type InterpolationMethod = 'lerp' | 'slerp' | 'spline';

export const INTERPOLATION_METHODS: readonly InterpolationMethod[] = ['lerp', 'slerp', 'spline'];

/** One frame of a keyframe path: the segment from keyframe `from` to `to`, at fraction t in [0, 1]. */
export interface FrameStep {
  from: number;
  to: number;
  t: number;
}

/** Below this angle (radians) between two vectors slerp is numerically lerp, and lerp is used. */
const PARALLEL_ANGLE = 1e-4;

/**
 * Frames of a path through `numKeys` keyframes: `framesPerSegment` per segment; an open path ends on the
 * last keyframe, a loop returns to the first (whose frame is not repeated, so the GIF/video loops
 * seamlessly).
 */
export function keyframeSchedule(numKeys: number, framesPerSegment: number, loop = false): FrameStep[] {
  if (!Number.isInteger(numKeys) || numKeys < 2) throw new ArgumentError(`interpolation needs at least 2 keyframes, got ${numKeys}`);
  if (!Number.isInteger(framesPerSegment) || framesPerSegment < 1) {
    throw new ArgumentError(`frames per segment must be a positive integer, got ${framesPerSegment}`);
  }
  const segments = loop ? numKeys : numKeys - 1;
  const steps: FrameStep[] = [];
  for (let s = 0; s < segments; s++) {
    for (let f = 0; f < framesPerSegment; f++) steps.push({ from: s, to: (s + 1) % numKeys, t: f / framesPerSegment });
  }
  if (!loop) steps.push({ from: numKeys - 2, to: numKeys - 1, t: 1 });
  return steps;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** (1 - t) a + t b, in float64, rounded once to float32. */
export function lerpVectors(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

/**
 * Spherical interpolation: the direction moves along the great circle from â to b̂ at constant angular
 * speed, and the length moves linearly from |a| to |b|, so |slerp(a, b, t)| = (1 - t)|a| + t|b| exactly
 * (for |a| = |b| this is White's formula). Near-parallel or opposite vectors (sin Ω ≈ 0) fall back to lerp.
 */
export function slerpVectors(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) return lerpVectors(a, b, t);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] / na) * (b[i] / nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  const sinOmega = Math.sin(omega);
  if (omega < PARALLEL_ANGLE || sinOmega < PARALLEL_ANGLE) return lerpVectors(a, b, t);
  const ka = Math.sin((1 - t) * omega) / sinOmega / na;
  const kb = Math.sin(t * omega) / sinOmega / nb;
  const length = na + (nb - na) * t;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (ka * a[i] + kb * b[i]) * length;
  return out;
}

/** Uniform Catmull-Rom between p1 and p2 with neighbours p0 and p3; passes through p1 (t=0) and p2 (t=1). */
export function catmullRom(p0: Float32Array, p1: Float32Array, p2: Float32Array, p3: Float32Array, t: number): Float32Array {
  const t2 = t * t;
  const t3 = t2 * t;
  const out = new Float32Array(p1.length);
  for (let i = 0; i < p1.length; i++) {
    out[i] =
      0.5 *
      (2 * p1[i] +
        (p2[i] - p0[i]) * t +
        (2 * p0[i] - 5 * p1[i] + 4 * p2[i] - p3[i]) * t2 +
        (3 * p1[i] - p0[i] - 3 * p2[i] + p3[i]) * t3);
  }
  return out;
}

/** Catmull-Rom on unit directions, rescaled to the linearly interpolated length (keeps z on its shell). */
function sphericalSpline(p: Float32Array[], t: number): Float32Array {
  const dirs = p.map((v) => {
    const n = norm(v) || 1;
    return Float32Array.from(v, (x) => x / n);
  });
  const d = catmullRom(dirs[0], dirs[1], dirs[2], dirs[3], t);
  const length = norm(p[1]) + (norm(p[2]) - norm(p[1])) * t;
  const nd = norm(d) || 1;
  return Float32Array.from(d, (x) => (x / nd) * length);
}

export interface PathCodesOptions {
  method: InterpolationMethod;
  loop: boolean;
  /** slerp/spline treat each vector as a point on a sphere (z) rather than in flat space (w). */
  spherical: boolean;
  /** Length of one interpolated vector: the code size for z/w, wDim for w+ (each ws row moves separately). */
  vectorSize: number;
  /** Only these vector indices within a code move (w+ ws rows); the others stay at keyframe 0. */
  moving?: readonly number[];
}

/** Codes [K, ...] -> path codes [F, ...] along `schedule`. Keyframe frames are exact copies. */
export function interpolateCodes(codes: Tensor<'float32'>, schedule: readonly FrameStep[], opts: PathCodesOptions): Tensor<'float32'> {
  const k = codes.shape[0];
  const codeSize = codes.size / k;
  const vs = opts.vectorSize;
  const vectors = codeSize / vs;
  if (!Number.isInteger(vectors)) throw new ArgumentError(`code size ${codeSize} is not a multiple of vector size ${vs}`);
  const vec = (key: number, j: number) => codes.data.subarray(key * codeSize + j * vs, key * codeSize + (j + 1) * vs);
  const moving = new Set(opts.moving ?? Array.from({ length: vectors }, (_, j) => j));
  const neighbour = (i: number) => (opts.loop ? (i + k) % k : Math.min(Math.max(i, 0), k - 1));
  const out = Tensor.float32([schedule.length, ...codes.shape.slice(1)]);
  schedule.forEach(({ from, to, t }, f) => {
    for (let j = 0; j < vectors; j++) {
      const at = f * codeSize + j * vs;
      if (!moving.has(j)) {
        out.data.set(vec(0, j), at);
        continue;
      }
      let v: Float32Array;
      if (t === 0) v = vec(from, j);
      else if (t === 1) v = vec(to, j);
      else if (opts.method === 'lerp') v = lerpVectors(vec(from, j), vec(to, j), t);
      else if (opts.method === 'slerp') v = opts.spherical ? slerpVectors(vec(from, j), vec(to, j), t) : lerpVectors(vec(from, j), vec(to, j), t);
      else {
        const p = [vec(neighbour(from - 1), j), vec(from, j), vec(to, j), vec(neighbour(from + 2), j)];
        v = opts.spherical ? sphericalSpline(p, t) : catmullRom(p[0], p[1], p[2], p[3], t);
      }
      out.data.set(v, at);
    }
  });
  return out;
}
