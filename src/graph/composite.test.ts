import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../runtime/compile.js';
import { grad } from './autodiff.js';
import { formatReports, type GradcheckReport, gradcheck, randomTensor } from './gradcheck.js';
import { conv2d } from './ops/conv.js';
import { add, greater, leakyRelu, mul, rsqrt, softplus, square, tanh, where } from './ops/elementwise.js';
import { gemm } from './ops/matmul.js';
import { reshape, unsqueeze } from './ops/movement.js';
import { reduceMean, reduceSum } from './ops/reduce.js';
import { trace } from './program.js';
import { constant, type Value } from './value.js';

/**
 * Whole-network gradient checks: what the op table cannot catch (accumulation over shared values,
 * broadcasting between ops, second-order gradients). Conv networks run in float32 (no double Conv in
 * ORT); their kinks are passed as guards, so a check retries with a smaller ε rather than straddle one.
 */

const reports: GradcheckReport[] = [];
afterAll(() => {
  if (process.env.LATENTLAB_GRADCHECK_TABLE) console.log(formatReports(reports));
});

async function check(...args: Parameters<typeof gradcheck>): Promise<GradcheckReport> {
  const rep = await gradcheck(...args);
  reports.push(rep);
  expect(rep.kinkCrossed, `${rep.name}: kink crossed at every ε`).toBe(false);
  expect(rep.relError, `${rep.name}: ${JSON.stringify(rep.entries)}`).toBeLessThanOrEqual(rep.tolerance);
  return rep;
}

const f32 = { dtype: 'float32' } as const;

// ---- a 3-layer conv stack: conv+bias+LeakyReLU, stride 1 and 2 ----
const stackInputs = {
  x: randomTensor([2, 2, 6, 6], 1, f32),
  w1: randomTensor([3, 2, 3, 3], 2, { ...f32, min: -0.6, max: 0.6 }),
  b1: randomTensor([3], 3, f32),
  w2: randomTensor([4, 3, 4, 4], 4, { ...f32, min: -0.4, max: 0.4 }),
  b2: randomTensor([4], 5, f32),
  w3: randomTensor([2, 4, 3, 3], 6, { ...f32, min: -0.4, max: 0.4 }),
  b3: randomTensor([2], 7, f32),
};

type Act = (z: Value, layer: number) => Value;
const lrelu: Act = (z) => leakyRelu(z, 0.2);

/** Returns the output and the pre-activations (the LeakyReLU kinks). */
function convStack(v: Record<string, Value>, act = lrelu): { out: Value; guards: Value[] } {
  const z1 = conv2d(v.x, v.w1, v.b1, { padding: 1 });
  const z2 = conv2d(act(z1, 0), v.w2, v.b2, { stride: 2, padding: 1 });
  const z3 = conv2d(act(z2, 1), v.w3, v.b3, { padding: [1, 0, 1, 2] });
  return { out: act(z3, 2), guards: [z1, z2, z3] };
}

/**
 * The stack with its LeakyReLU slopes frozen at the inputs' pre-activations: the same value and
 * derivative there, and linear in each input everywhere, so central differences with ε = 1 are exact.
 */
async function frozenStack(): Promise<Act> {
  const specs = Object.fromEntries(Object.entries(stackInputs).map(([k, t]) => [k, { shape: t.shape }]));
  const exe = await compile(trace(specs, (v) => convStack(v).guards.map((z) => greater(z, 0))));
  const masks = await exe.run(...Object.values(stackInputs));
  return (z, layer) => where(constant(masks[layer]), z, mul(z, Math.fround(0.2)));
}

// ---- a StyleGAN2 modulated conv with demodulation, both ways ----
const N = 2;
const CIN = 3;
const COUT = 4;
const modInputs = {
  x: randomTensor([N, CIN, 5, 5], 11, f32),
  w: randomTensor([N, 6], 12, f32), // latent
  affine: randomTensor([CIN, 6], 13, { ...f32, min: -0.5, max: 0.5 }),
  affineBias: randomTensor([CIN], 14, { ...f32, min: 0.8, max: 1.2 }),
  weight: randomTensor([COUT, CIN, 3, 3], 15, f32),
};

function styles(v: Record<string, Value>): Value {
  return gemm(v.w, v.affine, { transB: true }, v.affineBias); // s: [N, Cin]
}

/** d = rsqrt(Σ_{Cin,k,k} (W·s)² + 1e-8): [N, Cout]; wMod = W·s: [N, Cout, Cin, 3, 3]. */
function demod(v: Record<string, Value>, s: Value): { wMod: Value; d: Value } {
  const wMod = mul(unsqueeze(v.weight, [0]), reshape(s, [N, 1, CIN, 1, 1]));
  return { wMod, d: rsqrt(add(reduceSum(square(wMod), [2, 3, 4]), 1e-8)) };
}

/** Non-fused: conv(x·s, W)·d, one shared weight (what gradients w.r.t. latents use). */
function modconvNonFused(v: Record<string, Value>): Value {
  const s = styles(v);
  const { d } = demod(v, s);
  const y = conv2d(mul(v.x, reshape(s, [N, CIN, 1, 1])), v.weight, undefined, { padding: 1 });
  return mul(y, reshape(d, [N, COUT, 1, 1]));
}

/** Fused: per-sample weights W·s·d as one grouped conv over [1, N·Cin, H, W] with group = N. */
function modconvFused(v: Record<string, Value>): Value {
  const s = styles(v);
  const { wMod, d } = demod(v, s);
  const wFinal = reshape(mul(wMod, reshape(d, [N, COUT, 1, 1, 1])), [N * COUT, CIN, 3, 3]);
  const y = conv2d(reshape(v.x, [1, N * CIN, 5, 5]), wFinal, undefined, { padding: 1, groups: N });
  return reshape(y, [N, COUT, 5, 5]);
}

// ---- a small MLP (float64) ----
const mlpInputs = {
  x: randomTensor([4, 3], 21),
  w1: randomTensor([5, 3], 22),
  b1: randomTensor([5], 23),
  w2: randomTensor([3, 5], 24),
  b2: randomTensor([3], 25),
  w3: randomTensor([1, 3], 26),
};

function mlp(v: Record<string, Value>): { out: Value; guards: Value[] } {
  const z1 = gemm(v.x, v.w1, { transB: true }, v.b1);
  const h2 = tanh(gemm(leakyRelu(z1, 0.2), v.w2, { transB: true, alpha: 0.5 }, v.b2));
  return { out: softplus(gemm(h2, v.w3, { transB: true })), guards: [z1] };
}

/** R1: ‖∂ΣD(x)/∂x‖², differentiated again by the check (its FD runs the first-order graph). */
function r1(net: (v: Record<string, Value>) => { out: Value; guards: Value[] }) {
  return (v: Record<string, Value>) => {
    const { out, guards } = net(v);
    const [gx] = grad(reduceSum(out), [v.x]);
    return { out: reduceSum(square(gx)), guards };
  };
}

describe('composite gradient checks', () => {
  it('3-layer conv stack with bias and LeakyReLU (float32)', async () => {
    const act = await frozenStack();
    await check(convStack, stackInputs, {
      compile,
      name: 'conv stack',
      linear: true,
      reference: (v) => convStack(v, act).out,
    });
  });

  it('modulated conv: fused (grouped) and non-fused paths agree', async () => {
    const exe = await compile(
      trace(Object.fromEntries(Object.entries(modInputs).map(([k, t]) => [k, { shape: t.shape }])), (v) => [
        modconvNonFused(v),
        modconvFused(v),
      ]),
    );
    const [a, b] = await exe.run(...Object.values(modInputs));
    const scale = Math.max(...Array.from(a.data as Float32Array, Math.abs));
    for (let i = 0; i < a.size; i++)
      expect(Math.abs((a.data[i] as number) - (b.data[i] as number))).toBeLessThan(1e-5 * scale);
  });

  it.each([
    ['non-fused', modconvNonFused],
    ['fused', modconvFused],
  ])('modulated conv with demodulation, %s (float32)', async (label, f) => {
    await check(f, modInputs, { compile, name: `modconv ${label}` });
  });

  it('MLP with LeakyReLU, tanh, softplus, Gemm alpha and bias (float64)', async () => {
    const rep = await check(mlp, mlpInputs, { compile, name: 'mlp' });
    expect(rep.dtype).toBe('float64');
  });

  it('second order: R1 penalty of the MLP w.r.t. every weight (float64)', async () => {
    await check(r1(mlp), mlpInputs, { compile, name: 'R1 mlp' });
  });

  it('second order: R1 penalty of the conv stack w.r.t. its weights (float32)', async () => {
    // With frozen slopes ∂D/∂x is linear in each weight, so ‖∂D/∂x‖² is quadratic in it: ε = 1 is exact.
    const act = await frozenStack();
    const frozen = (v: Record<string, Value>) => convStack(v, act);
    await check(r1(convStack), stackInputs, {
      compile,
      name: 'R1 conv stack',
      linear: true,
      reference: (v) => r1(frozen)(v).out,
    });
  });

  it('second order: gradient of a mean-squared gradient through the modulated conv (float32)', async () => {
    await check(
      (v) => {
        const y = modconvNonFused(v);
        const [gx] = grad(reduceMean(square(y)), [v.x]);
        return reduceSum(square(gx));
      },
      modInputs,
      { compile, name: 'second order modconv' },
    );
  });
});
