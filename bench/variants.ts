/**
 * Alternative backward recipes, timed on the engine cases' exact programs. Nothing in src/ is edited:
 * while a variant's program is traced, the VJP rule of a primitive is swapped on its registry record
 * (`opDef(op).vjp`) and restored afterwards, so the graph is what src/graph would build with that rule.
 *
 *   convtdx  Conv dx = ConvTranspose(dy, W) for every conv: the recipe src/graph used before a43ac14
 *            (stride-1 dx as a Conv with the flipped, group-transposed weight). Kept as a guard: it
 *            shows what that change buys, per shape and for grouped convs with runtime weights.
 *   mmdw     Conv dW (group 1) = ReduceSum_N(MatMul(dy[N,Cout,HW], Transpose(cols[N,Cin·k²,HW]))) instead
 *            of Transpose(cols) → Gemm(transB): ORT fuses the Transpose into the MatMul (FusedMatMul), so
 *            neither of the two materialised transposes of the current recipe is needed.
 *   stackdw, convdw, im2coldw, phasedw, phasestackdw  Conv and ConvTranspose dW by convWeightGrad's
 *            'stacked', 'convtrick', 'im2col', 'phase' or 'phasestacked' method for every layer where it
 *            applies (src/graph/ops/convWeightGrad.ts), instead of the per-shape rule.
 *   lreluout LeakyRelu' mask from the output (out > 0 ⇔ a > 0 for alpha ≥ 0) instead of the input, so
 *            the pre-activation has a single consumer and ORT can fuse Conv+LeakyRelu.
 */
import { Tensor } from '../src/core/tensor.js';
import { conv2d, convTranspose2d } from '../src/graph/ops/conv.js';
import { convWeightGrad, type WeightGradMethod } from '../src/graph/ops/convWeightGrad.js';
import { greater, mul, where } from '../src/graph/ops/elementwise.js';
import { matmul } from '../src/graph/ops/matmul.js';
import { reshape, transpose } from '../src/graph/ops/movement.js';
import { reduceSum } from '../src/graph/ops/reduce.js';
import { opDef } from '../src/graph/registry.js';
import type { ConvAttrs, OpAttrMap, OpDef } from '../src/graph/types.js';
import { constant, type Value } from '../src/graph/value.js';
import { compile } from '../src/runtime/compile.js';
import { maxRelDiff } from './callTiming.js';
import { MOD, modCase, type ProgramCase, STACK_A, STACK_B, stackCase } from './engine.js';

export type VariantTag =
  | 'convtdx'
  | 'mmdw'
  | 'lreluout'
  | 'stackdw'
  | 'convdw'
  | 'im2coldw'
  | 'phasedw'
  | 'phasestackdw';

const DW_METHOD: Partial<Record<VariantTag, WeightGradMethod>> = {
  stackdw: 'stacked',
  convdw: 'convtrick',
  im2coldw: 'im2col',
  phasedw: 'phase',
  phasestackdw: 'phasestacked',
};

/** The forced weight-gradient method of a tag set (the last dW tag wins), or null. */
function dwMethod(tags: readonly VariantTag[]): WeightGradMethod | null {
  let m: WeightGradMethod | null = null;
  for (const t of tags) m = DW_METHOD[t] ?? m;
  return m;
}

const oneHot = new Map<string, Value>();
function oneHotKernel(c: number, kh: number, kw: number): Value {
  const key = `${c}:${kh}:${kw}`;
  let v = oneHot.get(key);
  if (!v) {
    const k2 = kh * kw;
    const t = Tensor.float32([c * k2, 1, kh, kw]);
    for (let ch = 0; ch < c; ch++) for (let tap = 0; tap < k2; tap++) t.data[(ch * k2 + tap) * k2 + tap] = 1;
    v = constant(t);
    oneHot.set(key, v);
  }
  return v;
}

/** dx as ConvTranspose(dy, W), output_padding = the rows a strided conv dropped (the pre-a43ac14 recipe). */
export function convTransposeDx(g: Value, x: Value, w: Value, a: ConvAttrs): Value {
  const r = [0, 1].map((i) => {
    const span = x.shape[2 + i] + a.pads[i] + a.pads[i + 2] - a.dilations[i] * (w.shape[2 + i] - 1) - 1;
    return span % a.strides[i];
  }) as [number, number];
  return convTranspose2d(g, w, undefined, { ...a, outputPadding: r });
}

/** dW of a group-1 conv: one-hot im2col, then a batched MatMul with the transpose fused, summed over N. */
export function matmulDw(x: Value, g: Value, kh: number, kw: number, a: ConvAttrs): Value | null {
  if (a.group !== 1 || x.dtype !== 'float32') return null;
  const [n, cin] = x.shape;
  const [, cout, ho, wo] = g.shape;
  const k2 = kh * kw;
  const cols = conv2d(x, oneHotKernel(cin, kh, kw), undefined, { ...a, group: cin });
  const per = matmul(
    reshape(g, [n, cout, ho * wo]),
    transpose(reshape(cols, [n, cin * k2, ho * wo]), [0, 2, 1]),
  );
  return reshape(n === 1 ? per : reduceSum(per, [0]), [cout, cin, kh, kw]);
}

type ConvDef = OpDef<OpAttrMap['Conv']>;
type ConvTDef = OpDef<OpAttrMap['ConvTranspose']>;
type LreluDef = OpDef<OpAttrMap['LeakyRelu']>;

/** Runs `fn` with the given VJP rules swapped in on the registry records. */
export function withVariant<T>(tags: readonly VariantTag[], fn: () => T): T {
  const conv = opDef('Conv') as ConvDef;
  const convT = opDef('ConvTranspose') as ConvTDef;
  const lrelu = opDef('LeakyRelu') as LreluDef;
  const origConv = conv.vjp;
  const origConvT = convT.vjp;
  const origLrelu = lrelu.vjp;
  const forced = dwMethod(tags);
  if (tags.includes('convtdx') || tags.includes('mmdw') || forced) {
    conv.vjp = (args) => {
      const base = origConv(args);
      const { g, inputs, attrs } = args;
      const [x, w] = inputs;
      const [kh, kw] = [w.shape[2], w.shape[3]];
      const dx = tags.includes('convtdx') ? convTransposeDx(g, x, w, attrs) : base[0];
      const dw = tags.includes('mmdw')
        ? (matmulDw(x, g, kh, kw, attrs) ?? base[1])
        : forced
          ? convWeightGrad(x, g, kh, kw, attrs, forced)
          : base[1];
      // Unused values of `base` are unreachable from the outputs and never lowered.
      return [dx, dw, ...base.slice(2)];
    };
  }
  if (forced) {
    convT.vjp = (args) => {
      const base = origConvT(args);
      const { g, inputs, attrs } = args;
      const [x, w] = inputs;
      const { outputPadding: _, ...convAttrs } = attrs;
      return [base[0], convWeightGrad(g, x, w.shape[2], w.shape[3], convAttrs, forced), ...base.slice(2)];
    };
  }
  if (tags.includes('lreluout')) {
    lrelu.vjp = (args) =>
      args.attrs.alpha >= 0 && args.attrs.scale === undefined && args.attrs.bound === undefined
        ? [where(greater(args.out, 0), args.g, mul(args.g, Math.fround(args.attrs.alpha)))]
        : origLrelu(args);
  }
  try {
    return fn();
  } finally {
    conv.vjp = origConv;
    convT.vjp = origConvT;
    lrelu.vjp = origLrelu;
  }
}

export function variantOf(base: ProgramCase, tags: readonly VariantTag[]): ProgramCase {
  const tag = tags.join('+');
  return {
    ...base,
    name: `${base.name}.${tag}`,
    label: `${base.label} [${tag}]`,
    build: () => withVariant(tags, base.build),
  };
}

/** Variants that only change backward graphs: the bwd(x) and training cases. */
export function variantCases(): ProgramCase[] {
  const out: ProgramCase[] = [];
  for (const s of [STACK_A, STACK_B]) {
    const bwdx = stackCase(s, 'bwdx');
    out.push(variantOf(bwdx, ['convtdx']), variantOf(bwdx, ['lreluout']));
    const train = stackCase(s, 'train');
    out.push(
      variantOf(train, ['convtdx']),
      variantOf(train, ['mmdw']),
      variantOf(train, ['mmdw', 'lreluout']),
      variantOf(train, ['stackdw']),
      variantOf(train, ['convdw']),
      variantOf(train, ['im2coldw']),
    );
  }
  for (const path of ['modconv', 'fused'] as const)
    out.push(variantOf(modCase(path, 'bwdx', MOD), ['convtdx']));
  out.push(
    variantOf(modCase('modconv', 'train', MOD), ['convtdx']),
    variantOf(modCase('modconv', 'train', MOD), ['mmdw']),
    variantOf(modCase('modconv', 'train', MOD), ['stackdw']),
    variantOf(modCase('modconv', 'train', MOD), ['im2coldw']),
  );
  out.push(variantOf(modCase('fused', 'train', MOD), ['convtdx']));
  return out;
}

/** Max |variant − base| / max |base| over every output of the two programs, run on the same feeds. */
export async function checkVariant(
  base: ProgramCase,
  variant: ProgramCase,
  threads: number,
): Promise<number> {
  const [a, b] = await Promise.all([
    compile(base.build(), { threads }),
    compile(variant.build(), { threads }),
  ]);
  const feeds = base.feeds();
  return maxRelDiff(await a.runNamed(feeds), await b.runNamed(feeds));
}
