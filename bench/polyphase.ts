import { loadavg } from 'node:os';
import type { OnnxAttr, OnnxEmitter } from '../src/graph/emitter.js';
import type { Program } from '../src/graph/program.js';
import { opDef } from '../src/graph/registry.js';
import { topoSort } from '../src/graph/topo.js';
import type { ConvTransposeAttrs, OpAttrMap, OpDef } from '../src/graph/types.js';
import { apply, input, type Value } from '../src/graph/value.js';
import { compile, type Executable } from '../src/runtime/compile.js';
import { maxRelDiff, type Timing, timeCall } from './callTiming.js';
import { uniform } from './data.js';
import { median, table } from './harness.js';
import type { TrainProgram } from './trainingProfile.js';

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
export function emitPolyphase(
  e: OnnxEmitter,
  ins: readonly string[],
  out: string,
  node: Value,
  plan: PolyphasePlan,
): void {
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
      e.node(
        'Slice',
        [wt, e.int64s([ph.first, pw.first]), e.int64s(ends), e.int64s([2, 3]), e.int64s([-sh, -sw])],
        [kernel],
      );
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

/** Compiles with ConvTranspose lowered natively or as polyphase Convs everywhere it applies. */
export async function compileWithConvT(
  p: Program,
  mode: 'native' | 'polyphase' | 'rule',
  threads: number,
): Promise<Executable> {
  const def = opDef('ConvTranspose') as OpDef<OpAttrMap['ConvTranspose']>;
  const orig = def.toOnnx;
  if (mode !== 'rule') {
    def.toOnnx = (e, ins, out, a, node) => {
      const plan = mode === 'polyphase' ? polyphasePlan(node.inputs[0], node.inputs[1], a, node) : null;
      if (plan) return emitPolyphase(e, ins, out, node, plan);
      e.node('ConvTranspose', ins, [out], {
        strides: { ints: a.strides },
        pads: { ints: a.pads },
        dilations: { ints: a.dilations },
        group: { i: a.group },
        kernel_shape: { ints: node.inputs[1].shape.slice(2) },
        output_padding: { ints: a.outputPadding },
      });
    };
  }
  try {
    return compile(p, { threads, noCache: true }); // lowers synchronously, before its first await
  } finally {
    def.toOnnx = orig;
  }
}

/** Every distinct ConvTranspose of the training programs, native against polyphase. */
export async function benchConvT(
  progs: () => TrainProgram[],
  threads: number,
  rounds: number,
): Promise<void> {
  const seen = new Map<
    string,
    { x: readonly number[]; w: readonly number[]; a: OpAttrMap['ConvTranspose']; where: Set<string> }
  >();
  for (const p of progs()) {
    const built = p.build();
    for (const v of topoSort([...built.outputs])) {
      if (v.source.kind !== 'op' || v.source.op !== 'ConvTranspose') continue;
      const [x, w] = v.source.inputs;
      const a = v.source.attrs as OpAttrMap['ConvTranspose'];
      const k = JSON.stringify([x.shape, w.shape, a]);
      const e = seen.get(k) ?? { x: x.shape, w: w.shape, a, where: new Set<string>() };
      e.where.add(p.name);
      seen.set(k, e);
    }
  }
  console.log(
    `ConvTranspose of the training programs (${seen.size} shapes): native vs polyphase, best of ${rounds} rounds x 3 calls`,
  );
  const rows: string[][] = [];
  for (const s of seen.values()) {
    const xv = input('x', s.x);
    const wv = input('w', s.w);
    const y = apply('ConvTranspose', [xv, wv], s.a);
    const plan = polyphasePlan(xv, wv, s.a, y);
    const prog = { inputs: [xv, wv], outputs: [y], outputNames: ['y'] };
    const modes = plan ? (['native', 'polyphase'] as const) : (['native'] as const);
    const exes: Executable[] = [];
    for (const m of modes) exes.push(await compileWithConvT(prog, m, threads));
    const feeds = { x: uniform(s.x, -1, 1, 1), w: uniform(s.w, -0.1, 0.1, 2) };
    const ref = await exes[0].runNamed(feeds);
    const diff = exes.length > 1 ? maxRelDiff(ref, await exes[1].runNamed(feeds)) : 0;
    const t = exes.map((): Timing => ({ wall: [], cpu: [] }));
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < exes.length; i++) await timeCall(() => exes[i].runNamed(feeds), t[i], 3);
    const label = `x[${s.x}] w[${s.w}] s${s.a.strides[0]} p${s.a.pads[0]} op${s.a.outputPadding[0]}${s.a.group > 1 ? ` g${s.a.group}` : ''}`;
    const bw = Math.min(...t[0].wall);
    const bc = median(t[0].cpu);
    modes.forEach((m, i) => {
      const w = Math.min(...t[i].wall);
      const c = median(t[i].cpu);
      rows.push([
        i === 0 ? label : '',
        i === 0 ? [...s.where].join(' ') : '',
        m,
        w.toFixed(2),
        c.toFixed(2),
        `${(bw / w).toFixed(2)}x`,
        `${(bc / c).toFixed(2)}x`,
        diff.toExponential(1),
      ]);
    });
    console.log(
      rows
        .slice(-modes.length)
        .map((r) => r.join(' | '))
        .join('\n'),
    );
    for (const e of exes) await e.release();
  }
  console.log(`load ${loadavg()[0].toFixed(1)}`);
  console.log(
    table(
      [
        'ConvTranspose',
        'in',
        'lowering',
        'best ms',
        'CPU ms (median)',
        'speed vs native',
        'CPU vs native',
        'max rel diff',
      ],
      rows,
    ),
  );
}
