import type { OnnxAttr, OnnxEmitter } from '../src/graph/emitter.js';
import type { ConvTransposeAttrs } from '../src/graph/types.js';
import type { Value } from '../src/graph/value.js';

/**
 * Measured and rejected (bench/weightGrad.ts --convt; README "Training steps and the PyTorch peer"):
 * ConvTranspose lowered as stride-1 Convs, one per output phase (sub-pixel / polyphase form). ONNX
 * Runtime's CPU ConvTranspose is a Gemm into a column buffer followed by a col2im scatter, and the
 * DCGAN training steps spend 42-46 % of their kernel time in it, but the phase Convs (small outputs,
 * one ORT Conv each) were slower at every training shape. Output rows Y with Y ≡ e (mod s) only see the
 * kernel taps i ≡ (e + pad) (mod s), so each phase is a plain correlation of the input with a
 * strided, flipped slice of the weight; the phases are then interleaved (Concat, Reshape, Transpose)
 * and cropped. Same arithmetic as ConvTranspose (each output is the same sum of products), different
 * summation order only.
 */

interface AxisPlan {
  /** Output rows per phase (the output is cropped from M·s). */
  m: number;
  phases: { first: number; taps: number; padBegin: number; padEnd: number }[];
}

function axisPlan(inSize: number, outSize: number, k: number, s: number, padBegin: number): AxisPlan | null {
  const m = Math.ceil(outSize / s);
  const phases: AxisPlan['phases'] = [];
  for (let e = 0; e < s; e++) {
    const phi = (e + padBegin) % s;
    const delta = Math.floor((e + padBegin) / s);
    if (phi >= k) return null; // a phase with no taps: its rows are bias only
    const taps = Math.ceil((k - phi) / s);
    const top = taps - 1 - delta;
    const bottom = m - 1 + taps - inSize - top;
    if (top < 0 || bottom < 0) return null; // would need cropping the input: keep ConvTranspose
    phases.push({ first: phi + s * (taps - 1), taps, padBegin: top, padEnd: bottom });
  }
  return { m, phases };
}

export interface PolyphasePlan {
  h: AxisPlan;
  w: AxisPlan;
}

/** The phase plan of a ConvTranspose, or null where the polyphase form does not apply (groups, dilation). */
export function polyphasePlan(x: Value, w: Value, a: ConvTransposeAttrs, out: Value): PolyphasePlan | null {
  if (a.group !== 1 || a.dilations.some((d) => d !== 1)) return null;
  const h = axisPlan(x.shape[2], out.shape[2], w.shape[2], a.strides[0], a.pads[0]);
  const wp = axisPlan(x.shape[3], out.shape[3], w.shape[3], a.strides[1], a.pads[1]);
  return h && wp ? { h, w: wp } : null;
}

const FAR = -(2 ** 62); // a Slice end before index 0 when stepping backwards

/** Emits the polyphase form of `out = ConvTranspose(ins...)` following `plan`. */
export function emitPolyphase(e: OnnxEmitter, ins: readonly string[], out: string, node: Value, plan: PolyphasePlan): void {
  const [x, w, b] = ins;
  const [n, cout, hOut, wOut] = node.shape;
  const [sh, sw] = [plan.h.phases.length, plan.w.phases.length];
  const wt = e.temp();
  e.node('Transpose', [w], [wt], { perm: { ints: [1, 0, 2, 3] } }); // [Cout, Cin, k, k]
  const phaseOuts: string[] = [];
  for (const ph of plan.h.phases) {
    for (const pw of plan.w.phases) {
      const kernel = e.temp();
      const ends = [ph.first - sh * ph.taps, pw.first - sw * pw.taps].map((v) => (v < 0 ? FAR : v));
      e.node('Slice', [wt, e.int64s([ph.first, pw.first]), e.int64s(ends), e.int64s([2, 3]), e.int64s([-sh, -sw])], [kernel]);
      const y = e.temp();
      const attrs: Record<string, OnnxAttr> = {
        kernel_shape: { ints: [ph.taps, pw.taps] },
        pads: { ints: [ph.padBegin, pw.padBegin, ph.padEnd, pw.padEnd] },
        strides: { ints: [1, 1] },
        dilations: { ints: [1, 1] },
        group: { i: 1 },
      };
      e.node('Conv', b ? [x, kernel, b] : [x, kernel], [y], attrs);
      phaseOuts.push(y);
    }
  }
  const [mh, mw] = [plan.h.m, plan.w.m];
  const cropped = mh * sh !== hOut || mw * sw !== wOut;
  const full = cropped ? e.temp() : out;
  if (phaseOuts.length === 1) {
    if (cropped) e.node('Identity', [phaseOuts[0]], [full]);
    else e.node('Identity', [phaseOuts[0]], [out]);
  } else {
    const [cat, r6, t6] = [e.temp(), e.temp(), e.temp()];
    e.node('Concat', phaseOuts, [cat], { axis: { i: 1 } }); // channel = (eh, ew, o)
    e.node('Reshape', [cat, e.int64s([n, sh, sw, cout, mh, mw])], [r6]);
    e.node('Transpose', [r6], [t6], { perm: { ints: [0, 3, 4, 1, 5, 2] } }); // [N, Cout, Mh, sh, Mw, sw]
    e.node('Reshape', [t6, e.int64s([n, cout, mh * sh, mw * sw])], [full]);
  }
  if (cropped) e.node('Slice', [full, e.int64s([0, 0]), e.int64s([hOut, wOut]), e.int64s([2, 3])], [out]);
}
