import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { loadNpy, loadTorchFile } from '../../src/formats/files.js';
import { grad } from '../../src/graph/autodiff.js';
import { add, mul } from '../../src/graph/ops/elementwise.js';
import { concat, expand, reshape } from '../../src/graph/ops/movement.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { trace } from '../../src/graph/program.js';
import { constant, type Value } from '../../src/graph/value.js';
import {
  inferGeneratorConfig,
  type ResolvedGenerator,
  resolveGenerator,
} from '../../src/models/stylegan2/config.js';
import { fromRosinality, type RosinalityGenerator } from '../../src/models/stylegan2/fromRosinality.js';
import { broadcastWs, mapToW, truncateWs } from '../../src/models/stylegan2/mapping.js';
import { synthesisGraph } from '../../src/models/stylegan2/synthesis.js';
import { lerp } from '../../src/nn/functional.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';

const FIXTURES =
  process.env.LATENTLAB_FIXTURES ?? fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const CASE = `${FIXTURES}/C_rosinality_sg2_32`;
const MODEL = 'stylegan2_rosinality_32.pt';
/** `img_mix.npy` was made with g([z, z2], inject_index=3) (manifest description). */
const INJECT_INDEX = 3;
const PSI = 0.7;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.size).toBe(b.size);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
}

afterAll(clearSessionCache);

describe.skipIf(!existsSync(CASE))('StyleGAN2 from rosinality/stylegan2-pytorch (fixture C)', () => {
  const manifest = existsSync(CASE)
    ? JSON.parse(readFileSync(`${CASE}/manifest.json`, 'utf8'))
    : { files: {} };
  const atol = (name: string): number => manifest.files[`${name}.npy`].suggested_atol;
  const ref: Record<string, Tensor> = {};
  const errors: Record<string, [number, number]> = {};
  let conv: RosinalityGenerator;
  let wts: Weights;
  let cfg: ResolvedGenerator;

  beforeAll(async () => {
    conv = fromRosinality(await loadTorchFile(`${CASE}/${MODEL}`), MODEL);
    wts = new Weights(conv.stateDict, 'constant', MODEL);
    cfg = resolveGenerator(inferGeneratorConfig(wts, conv.hints));
    for (const name of Object.keys(manifest.files)) {
      if (name.endsWith('.npy')) ref[name.slice(0, -4)] = await loadNpy(`${CASE}/${name}`);
    }
  });

  afterAll(() => {
    // One line per output: max |ours − reference| against the manifest's suggested_atol.
    for (const [k, [err, tol]] of Object.entries(errors)) {
      console.log(`C ${k}: max abs err ${err.toExponential(2)} (atol ${tol})`);
    }
  });

  function check(name: string, got: Tensor, label = name): void {
    const err = maxAbsDiff(got, ref[name]);
    errors[label] = [err, atol(name)];
    expect(err, label).toBeLessThanOrEqual(atol(name));
  }

  it('reads sizes from shapes and orders layers and latent rows as model.py does', () => {
    const c = manifest.config;
    expect(conv.meta).toMatchObject({
      key: 'g_ema',
      size: c.generator_kwargs.size,
      styleDim: c.generator_kwargs.style_dim,
      nMlp: c.generator_kwargs.n_mlp,
      nLatent: c.n_latent,
      hasLatentAvg: true,
      hasNoiseBuffers: true,
      unusedKeys: [],
    });
    expect(cfg.channels).toEqual(
      Object.fromEntries(Object.entries(c.channel_override).map(([r, ch]) => [Number(r), ch])),
    );
    expect([cfg.zDim, cfg.wDim, cfg.mappingLayers, cfg.numWs, cfg.architecture, cfg.convClamp]).toEqual([
      c.generator_kwargs.style_dim,
      c.generator_kwargs.style_dim,
      c.generator_kwargs.n_mlp,
      c.n_latent,
      'skip',
      null,
    ]);
    expect(cfg.mappingLrMultiplier).toBe(c.lr_mlp);
    // model.py: conv1 <- 0, to_rgb1 <- 1, convs[2k] <- 2k+1, convs[2k+1] <- 2k+2, to_rgbs[k] <- 2k+3.
    const expected: [string, number][] = [
      ['synthesis.b4.conv1', 0],
      ['synthesis.b4.torgb', 1],
    ];
    for (let k = 0; 2 ** (k + 3) <= c.generator_kwargs.size; k++) {
      const b = `synthesis.b${2 ** (k + 3)}`;
      expected.push([`${b}.conv0`, 2 * k + 1], [`${b}.conv1`, 2 * k + 2], [`${b}.torgb`, 2 * k + 3]);
    }
    expect(cfg.layers.map((l) => [l.name, l.wsIndex])).toEqual(expected);
  });

  it('latent_avg becomes mapping.w_avg (= mean_latent)', () => {
    check('mean_latent', wts.tensor('mapping.w_avg'));
  });

  for (const path of ['shared', 'grouped'] as const) {
    it(`mapping, images, truncation, W+, mixing, zero noise and gradients (${path} modconv)`, async () => {
      const { z, z2, wplus, R, styles_w, sefa_eigvec } = ref;
      const [n, d] = styles_w.shape;
      // SeFa direction 0 (column 0 of V) as a row, for img_sefa_{plus,minus}.
      const v0 = Tensor.float32(
        [1, d],
        Array.from({ length: d }, (_, i) => Number(sefa_eigvec.data[i * d])),
      );
      const shapes = { z: z.shape, z2: z2.shape, w: styles_w.shape, wplus: wplus.shape, R: R.shape };
      const prog = trace(
        Object.fromEntries(Object.entries(shapes).map(([k, shape]) => [k, { shape }])),
        ({ z, z2, w, wplus, R }) => {
          const m = wts.at('mapping');
          const synth = (ws: Value, noise?: Record<string, Value>) =>
            synthesisGraph(wts.at('synthesis'), cfg, ws, { noiseMode: 'const', noise, path });
          const rows = (x: Value, count: number) => expand(reshape(x, [n, 1, d]), [n, count, d]);
          // model.py truncates each style before broadcasting: t + psi·(s − t), all rows.
          const wAvg = reshape(m.get('w_avg', [d]), [1, d]);
          const truncate = (x: Value) => lerp(wAvg, x, PSI);
          const wz = mapToW(m, cfg, z);
          const imgW = synth(broadcastWs(m, cfg, w));
          const imgWplus = synth(wplus);
          const latentTrunc = rows(truncate(wz), cfg.numWs);
          const latentMix = concat(
            [rows(wz, INJECT_INDEX), rows(mapToW(m, cfg, z2), cfg.numWs - INJECT_INDEX)],
            1,
          );
          const zeros: Record<string, Value> = {};
          for (const l of cfg.layers) {
            if (l.kind === 'conv')
              zeros[l.name] = constant(Tensor.float32([1, 1, l.resolution, l.resolution]));
          }
          const sefa = (sign: number) =>
            synth(rows(truncate(add(w, mul(constant(v0), 5 * sign))), cfg.numWs));
          return {
            styles_w: wz,
            img_w: imgW,
            img_z: synth(broadcastWs(m, cfg, wz)),
            latent_trunc: latentTrunc,
            img_trunc: synth(latentTrunc),
            nvidia_broadcast_trunc: broadcastWs(m, cfg, wz, { psi: PSI }),
            nvidia_truncate_ws: truncateWs(m, cfg, rows(wz, cfg.numWs), { psi: PSI }),
            img_wplus: imgWplus,
            latent_mix: latentMix,
            img_mix: synth(latentMix),
            img_w_zero_noise: synth(broadcastWs(m, cfg, w), zeros),
            grad_w: grad(reduceSum(mul(imgW, R)), [w])[0],
            grad_wplus: grad(reduceSum(mul(imgWplus, R)), [wplus])[0],
            img_sefa_plus: sefa(1),
            img_sefa_minus: sefa(-1),
          };
        },
      );
      const out = await (await compile(prog)).runNamed({ z, z2, w: styles_w, wplus, R });
      const tag = (name: string) => `${name} [${path}]`;
      for (const name of [
        'img_w',
        'img_z',
        'img_wplus',
        'img_mix',
        'img_w_zero_noise',
        'grad_w',
        'grad_wplus',
      ]) {
        check(name, out[name], tag(name));
      }
      check('img_sefa_plus', out.img_sefa_plus, tag('img_sefa_plus'));
      check('img_sefa_minus', out.img_sefa_minus, tag('img_sefa_minus'));
      check('styles_w', out.styles_w, tag('styles_w'));
      check('latent_trunc0.7', out.latent_trunc, tag('latent_trunc0.7'));
      check('img_trunc0.7', out.img_trunc, tag('img_trunc0.7'));
      check('latent_mix', out.latent_mix, tag('latent_mix'));
      // NVIDIA's torch.lerp formula (s − (s − t)·(1 − psi) for psi ≥ 0.5) rounds differently from
      // model.py's t + psi·(s − t); both stay far inside the tolerance.
      check('latent_trunc0.7', out.nvidia_broadcast_trunc, tag('latent_trunc0.7 via broadcastWs'));
      check('latent_trunc0.7', out.nvidia_truncate_ws, tag('latent_trunc0.7 via truncateWs'));
      const formulas = maxAbsDiff(out.nvidia_broadcast_trunc, out.latent_trunc);
      errors[tag('truncation: torch.lerp vs model.py formula, same w')] = [formulas, atol('latent_trunc0.7')];
    });
  }

  it('SeFa: the reference directions are eigenvectors of the converted affine weights', () => {
    // closed_form_factorization.py: W = cat of every `modulation.weight` except to_rgbs.* (to_rgb1
    // is kept), i.e. our affine weights of all conv layers plus b4.torgb. Rows are the conv's
    // input channels, so the concatenation order does not change WᵀW.
    const keys = [...conv.stateDict.keys()].filter(
      (k) => /\.affine\.weight$/.test(k) && (!k.includes('.torgb.') || k.startsWith('synthesis.b4.')),
    );
    const d = ref.sefa_eigvec.shape[0];
    const gram = new Float64Array(d * d);
    for (const k of keys) {
      const t = conv.stateDict.get(k)!;
      for (let r = 0; r < t.shape[0]; r++) {
        for (let i = 0; i < d; i++) {
          const a = Number(t.data[r * d + i]);
          for (let j = 0; j < d; j++) gram[i * d + j] += a * Number(t.data[r * d + j]);
        }
      }
    }
    const V = ref.sefa_eigvec;
    const lambdas = Tensor.float32([d]);
    let residual = 0;
    for (let c = 0; c < d; c++) {
      const v = Array.from({ length: d }, (_, i) => Number(V.data[i * d + c]));
      const gv = v.map((_, i) => v.reduce((s, x, j) => s + gram[i * d + j] * x, 0));
      const lambda = v.reduce((s, x, i) => s + x * gv[i], 0); // Rayleigh quotient (‖v‖ = 1)
      lambdas.data[c] = lambda;
      residual = Math.max(residual, Math.hypot(...gv.map((g, i) => g - lambda * v[i])));
    }
    check('sefa_eigvals', lambdas);
    // ‖WᵀW v − λ v‖ relative to the largest eigenvalue.
    const rel = residual / Number(ref.sefa_eigvals.data[0]);
    errors['sefa_eigvec (max ‖WᵀWv − λv‖ / λ_max)'] = [rel, 1e-5];
    expect(rel).toBeLessThan(1e-5);
  });
});
