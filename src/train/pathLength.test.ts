import { afterAll, describe, expect, it } from 'vitest';
import { RandomState } from '../core/rng.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { grad } from '../graph/autodiff.js';
import { gradcheck } from '../graph/gradcheck.js';
import { add, clip, greater, mul, sub } from '../graph/ops/elementwise.js';
import { program } from '../graph/program.js';
import { topoSort } from '../graph/topo.js';
import { apply, constant, input, type Value } from '../graph/value.js';
import { type GeneratorConfig, resolveGenerator } from '../models/stylegan2/config.js';
import { channelTable, initGenerator } from '../models/stylegan2/init.js';
import { broadcastWs, mapToW } from '../models/stylegan2/mapping.js';
import { synthesisGraph } from '../models/stylegan2/synthesis.js';
import { Weights } from '../nn/weights.js';
import { clearSessionCache, compile } from '../runtime/compile.js';
import { pathLengthBatch, pathLengthTerms } from './pathLength.js';
import { isStyleGAN2Buffer } from './stylegan2Graphs.js';

afterAll(clearSessionCache);

/**
 * Weights whose named entries are given graph values (the checker's inputs), the rest constants. Mapping
 * parameters are fed as their effective values (stored · lr multiplier, what the layer computes with), so
 * a step ε moves them as much as the synthesis weights: stored, ε would be 1/100 of their scale and the
 * central difference would drown in float32 rounding.
 */
class FedWeights extends Weights {
  constructor(
    tensors: ReadonlyMap<string, Tensor>,
    private readonly fed: Readonly<Record<string, Value>>,
  ) {
    super(tensors);
  }

  override get(key: string, shape?: Shape): Value {
    const v = this.fed[key];
    if (!v) return super.get(key, shape);
    return key.startsWith('mapping.fc') ? mul(v, 1 / cfg.mappingLrMultiplier) : v;
  }
}

// The smallest generator with every op the shipped one trains: 'skip' synthesis 4 -> 8 (modulated 3x3
// convs, the up-sampling conv with its FIR filter, noise, bias + lrelu + clamp, ToRGB and the up-sampled
// image skip), a 2-layer mapping network with its lr multiplier, style mixing between two latents.
const cfg: GeneratorConfig = {
  zDim: 6,
  cDim: 0,
  wDim: 6,
  imgResolution: 8,
  imgChannels: 2,
  mappingLayers: 2,
  mappingLrMultiplier: 0.01,
  architecture: 'skip',
  channels: channelTable(8, 24, 3),
  convClamp: 256,
};
const r = resolveGenerator(cfg);
const N = 2;

/** NVIDIA's init, then every tensor but the FIR filters moved by 0.3·N(0, 1) (scaled by 1/lr_mult where it applies), so zero-initialised biases and noise strengths count. */
function perturbedGenerator(): Map<string, Tensor> {
  const g = initGenerator(cfg, 3);
  const rng = new RandomState(11);
  for (const [k, t] of g) {
    if (k.endsWith('resample_filter')) continue;
    const scale = k.startsWith('mapping.fc') ? 0.3 / cfg.mappingLrMultiplier : 0.3;
    const noise = rng.randn(t.size);
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] += scale * noise[i];
  }
  return g;
}

function normal(shape: number[], seed: number): Tensor {
  return Tensor.float32(shape, new RandomState(seed).standardNormalFloat32(shape));
}

describe('path-length penalty', () => {
  it('pathLengthBatch is NVIDIA batch // shrink and refuses an empty one', () => {
    expect(pathLengthBatch(32, { batchShrink: 2 })).toBe(16);
    expect(pathLengthBatch(5, { batchShrink: 2 })).toBe(2);
    expect(() => pathLengthBatch(1, { batchShrink: 2 })).toThrow(/leaves no rows of a batch of 1/);
    expect(() => pathLengthBatch(4, { batchShrink: 0 })).toThrow(/positive integer/);
  });

  it('its gradient w.r.t. every G parameter (mapping included) matches finite differences: second order through the generator', async () => {
    const g = perturbedGenerator();
    const params = [...g.keys()].filter((k) => !isStyleGAN2Buffer(k));
    const effective = (k: string) => {
      const t = g.get(k)!;
      return k.startsWith('mapping.fc') ? Tensor.float32(t.shape, Array.from(t.f32, (x) => x * cfg.mappingLrMultiplier)) : t;
    };
    const feeds: Record<string, Tensor> = Object.fromEntries(params.map((k) => [k, effective(k)]));
    feeds.z = normal([N, cfg.zDim], 21);
    feeds.z2 = normal([N, cfg.zDim], 22);
    const noiseLayers = r.layers.filter((l) => l.kind === 'conv');
    noiseLayers.forEach((l, i) => {
      feeds[`noise:${l.name}`] = normal([N, 1, l.resolution, l.resolution], 30 + i);
    });
    feeds.plNoise = normal([N, cfg.imgChannels, 8, 8], 40);
    feeds.plMeanBefore = Tensor.float32([], [0.7]);
    // rows 0..1 of ws from z, the rest from z2 (a crossover as the trainer draws it)
    const mix = constant(Tensor.float32([1, r.numWs, 1], Array.from({ length: r.numWs }, (_, i) => (i < 2 ? 1 : 0))));
    const generator = (v: Record<string, Value>) => {
      const w = new FedWeights(g, v);
      const m = w.at('mapping');
      const ws1 = broadcastWs(m, r, mapToW(m, r, v.z));
      const ws2 = broadcastWs(m, r, mapToW(m, r, v.z2));
      const ws = add(ws2, mul(sub(ws1, ws2), mix));
      const noise = Object.fromEntries(noiseLayers.map((l) => [l.name, v[`noise:${l.name}`]]));
      return { ws, img: synthesisGraph(w.at('synthesis'), r, ws, { noise }) };
    };
    const penalty = (ws: Value, img: Value, v: Record<string, Value>) =>
      pathLengthTerms(ws, img, v.plNoise, v.plMeanBefore, { weight: 2, decay: 0.01, interval: 4 }).loss;

    // The finite differences run the generator with its leaky-ReLU slopes frozen at x: the same value and
    // gradient there, but smooth, so a central difference at ε = 3e-2 never straddles a kink (where the
    // penalty, a function of the slopes, jumps).
    const inputs = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, input(k, t.shape)]));
    const probe = generator(inputs);
    const kinks = leakyReluInputs(probe.img);
    const exe = await compile(program(Object.values(inputs), kinks.map((z) => greater(z, 0))));
    const masks = await exe.run(...Object.keys(inputs).map((k) => feeds[k]));
    await exe.release();
    expect(masks.length).toBe(2 * 2 + 3); // the mapping's 2 layers for z and for z2, the 3 modulated convs

    const report = await gradcheck(
      (v) => {
        const { ws, img } = generator(v);
        return penalty(ws, img, v);
      },
      feeds,
      {
        compile,
        name: 'path-length penalty',
        dtype: 'float32',
        reference: (v) => {
          const { ws, img } = generator(v);
          const [wsF, imgF] = freezeSlopes([ws, img], leakyReluInputs(img), masks);
          return penalty(wsF, imgF, v);
        },
      },
    );
    expect(report.kinkCrossed).toBe(false);
    expect(report.entries.map((e) => e.input)).toEqual(expect.arrayContaining(['mapping.fc0.weight', 'synthesis.b8.conv0.weight', 'synthesis.b8.torgb.affine.weight', 'synthesis.b4.const', 'plMeanBefore']));
    for (const e of report.entries) expect(e.relError, `${e.input}: fd ${e.fd}, vjp ${e.vjp}`).toBeLessThan(report.tolerance);
  }, 120_000);
});

describe('path-length penalty, descended', () => {
  it('evens out the path lengths: with decay 1 the penalty is their variance, and gradient steps shrink it', async () => {
    const g = perturbedGenerator();
    const w = new Weights(g, 'input', 'G', isStyleGAN2Buffer);
    const n = 4;
    const z = input('z', [n, cfg.zDim]);
    const m = w.at('mapping');
    const ws = broadcastWs(m, r, mapToW(m, r, z));
    const img = synthesisGraph(w.at('synthesis'), r, ws, { noiseMode: 'const' });
    const plNoise = input('plNoise', img.shape);
    const before = input('plMeanBefore', []);
    const t = pathLengthTerms(ws, img, plNoise, before, { weight: 1, decay: 1, interval: 1 });
    const params = w.inputs();
    const exe = await compile(program([z, plNoise, before, ...params], [t.penalty, t.lengths, ...grad(t.loss, params)]));
    const feeds = [normal([n, cfg.zDim], 51), normal([n, cfg.imgChannels, 8, 8], 52), Tensor.float32([], [0])];
    const values = params.map((p) => (g.get(p.source.kind === 'input' ? p.source.name : '')!.clone()));
    const variance = (l: Float32Array) => {
      const mean = l.reduce((a, b) => a + b, 0) / l.length;
      return l.reduce((a, b) => a + (b - mean) ** 2, 0) / l.length;
    };
    const penalties: number[] = [];
    for (let step = 0; step < 12; step++) {
      const [penalty, lengths, ...grads] = await exe.run(...feeds, ...values);
      expect(penalty.item()).toBeCloseTo(variance(lengths.f32), 5);
      penalties.push(penalty.item());
      // normalised gradient steps (one step size for every tensor, as Adam's early steps are)
      grads.forEach((gr, i) => {
        const v = values[i].f32;
        const norm = Math.sqrt(gr.f32.reduce((a, b) => a + b * b, 0)) || 1;
        gr.f32.forEach((d, j) => {
          v[j] -= (0.02 * Math.sqrt(v.length) * d) / norm;
        });
      });
    }
    await exe.release();
    // (seeded: 0.106 -> 0.005 in 12 steps)
    expect(penalties[penalties.length - 1]).toBeLessThan(0.2 * penalties[0]);
  }, 60_000);
});

function leakyReluInputs(root: Value): Value[] {
  return topoSort([root])
    .filter((x) => x.source.kind === 'op' && x.source.op === 'LeakyRelu')
    .map((x) => x.inputs[0]);
}

/**
 * `roots` rebuilt with every LeakyRelu whose input is kinks[i] replaced by its linear piece at x
 * (slope 1 where masks[i], else alpha; times its scale, then its clip), other ops reapplied as they were.
 */
function freezeSlopes(roots: Value[], kinks: Value[], masks: Tensor[]): Value[] {
  const at = new Map(kinks.map((z, i) => [z.id, i]));
  const done = new Map<number, Value>();
  for (const v of topoSort(roots)) {
    const src = v.source;
    if (src.kind !== 'op') {
      done.set(v.id, v);
      continue;
    }
    const ins = src.inputs.map((x) => done.get(x.id)!);
    if (src.op === 'LeakyRelu' && at.has(src.inputs[0].id)) {
      const { alpha, scale = 1, bound } = src.attrs as { alpha: number; scale?: number; bound?: number };
      const mask = masks[at.get(src.inputs[0].id)!].data as Uint8Array;
      const slope = Tensor.float32(v.shape, Array.from(mask, (m) => (m ? 1 : Math.fround(alpha)) * scale));
      const y = mul(ins[0], constant(slope));
      done.set(v.id, bound === undefined ? y : clip(y, -bound, bound));
    } else done.set(v.id, ins.every((x, i) => x === src.inputs[i]) ? v : apply(src.op, ins, src.attrs as never));
  }
  return roots.map((x) => done.get(x.id)!);
}
