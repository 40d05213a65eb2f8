import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadNpy, loadTorchFile } from '../../src/formats/files.js';
import { stateDictFrom } from '../../src/formats/stateDict.js';
import { grad } from '../../src/graph/autodiff.js';
import { mul } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { trace } from '../../src/graph/program.js';
import { constant, type Value } from '../../src/graph/value.js';
import {
  inferDcganConfig,
  inferDcganDiscriminator,
  inferDcganGenerator,
} from '../../src/models/dcgan/config.js';
import { DCGAN_PRESETS, dcganInitialStateDicts } from '../../src/models/dcgan/init.js';
import { dcganDiscriminate, dcganGenerate } from '../../src/models/dcgan/networks.js';
import { applyRunningStats, type BatchStatsSink } from '../../src/nn/batchnorm.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache, compile } from '../../src/runtime/compile.js';
import { FIXTURES, haveFixtures, maxAbsDiff } from '../fixtures.js';

const CASE = `${FIXTURES}/D_dcgan_64`;

afterAll(clearSessionCache);

describe.skipIf(!haveFixtures('D_dcgan_64'))('DCGAN vs pytorch/examples (fixture D)', () => {
  const manifest = existsSync(CASE)
    ? JSON.parse(readFileSync(`${CASE}/manifest.json`, 'utf8'))
    : { files: {} };
  const atol = (file: string): number => manifest.files[file].suggested_atol;
  const ref: Record<string, Tensor> = {};
  let netG: Weights;
  let netD: Weights;
  const errors: Record<string, [number, number]> = {};

  beforeAll(async () => {
    const load = async (f: string) => stateDictFrom(await loadTorchFile(`${CASE}/${f}`), f);
    netG = new Weights(await load('netG_epoch_0.pth'), 'constant', 'netG_epoch_0.pth');
    netD = new Weights(await load('netD_epoch_0.pth'), 'constant', 'netD_epoch_0.pth');
    for (const name of Object.keys(manifest.files)) {
      if (name.endsWith('.npy')) ref[name.slice(0, -4)] = await loadNpy(`${CASE}/${name}`);
    }
  });

  afterAll(() => {
    // One line per output: max |ours − reference| against the manifest's suggested_atol.
    for (const [k, [err, tol]] of Object.entries(errors))
      console.log(`D ${k}: max abs err ${err.toExponential(2)} (atol ${tol})`);
  });

  function check(name: string, got: Tensor): void {
    const err = maxAbsDiff(got, ref[name]);
    errors[name] = [err, atol(`${name}.npy`)];
    expect(err, name).toBeLessThanOrEqual(atol(`${name}.npy`));
  }

  it('reads the configuration from the state dicts', () => {
    const g = inferDcganGenerator(netG);
    const d = inferDcganDiscriminator(netD);
    const cfg = manifest.config;
    expect([g.nz, g.ngf, g.nc, g.imageSize, g.depth]).toEqual([cfg.nz, cfg.ngf, cfg.nc, cfg.imageSize, 5]);
    expect([d.ndf, d.nc, d.imageSize, d.depth]).toEqual([cfg.ndf, cfg.nc, cfg.imageSize, 5]);
    expect(g.layers.map((l) => [l.index, l.stride, l.padding, l.batchNorm])).toEqual([
      [0, 1, 0, 1],
      [3, 2, 1, 4],
      [6, 2, 1, 7],
      [9, 2, 1, 10],
      [12, 2, 1, null],
    ]);
    expect(d.layers.map((l) => [l.index, l.stride, l.batchNorm])).toEqual([
      [0, 2, null],
      [2, 2, 3],
      [5, 2, 6],
      [8, 2, 9],
      [11, 1, null],
    ]);
  });

  for (const train of [false, true]) {
    const mode = train ? 'train' : 'eval';
    it(`netG ${mode}: image, netD on it, and d Σ(G(z)·R)/dz`, async () => {
      const g = inferDcganGenerator(netG);
      const d = inferDcganDiscriminator(netD);
      const noise = ref.noise;
      const prog = trace({ z: { shape: noise.shape } }, ({ z }) => {
        const img = dcganGenerate(netG.at(''), g, z, { train });
        const [gz] = grad(reduceSum(mul(img, constant(ref.R))), [z]);
        return { img, gz, d: dcganDiscriminate(netD.at(''), d, img, { train }) };
      });
      const [img, gz, dOut] = await (await compile(prog)).run(noise);
      check(`netG_${mode}_out`, img);
      check(`grad_noise_${mode}`, gz);
      check(train ? 'netD_train_on_netG_train_out' : 'netD_eval_on_netG_eval_out', dOut);
    });
  }

  it('netD eval on x_rand, z given as [N, nz]', async () => {
    const d = inferDcganDiscriminator(netD);
    const g = inferDcganGenerator(netG);
    const [n, nz] = ref.noise.shape;
    const prog = trace({ x: { shape: ref.x_rand.shape }, z: { shape: [n, nz] } }, ({ x, z }) => ({
      d: dcganDiscriminate(netD.at(''), d, x),
      img: dcganGenerate(netG.at(''), g, z),
    }));
    const [dOut, img] = await (await compile(prog)).run(ref.x_rand, ref.noise.reshape([n, nz]));
    check('netD_eval_on_x_rand', dOut);
    expect(maxAbsDiff(img, ref.netG_eval_out)).toBeLessThanOrEqual(atol('netG_eval_out.npy'));
  });
});

describe('DCGAN tiny (random 32×32 RGB)', () => {
  const sizes = DCGAN_PRESETS.tiny;
  const { netG: sdG, netD: sdD } = dcganInitialStateDicts(sizes, 1);
  const gW = new Weights(sdG);
  const dW = new Weights(sdD);
  const batch = 3;
  const z = Tensor.float32([batch, sizes.nz], new RandomState(2).randn(batch * sizes.nz));

  it('infers the configuration of any resolution', () => {
    const g = inferDcganConfig(gW);
    const d = inferDcganConfig(dW);
    expect(g).toMatchObject({ net: 'generator', nz: 8, ngf: 4, nc: 3, imageSize: 32, depth: 4 });
    expect(d).toMatchObject({ net: 'discriminator', ndf: 4, nc: 3, imageSize: 32, depth: 4 });
    expect(g.layers.map((l) => l.outChannels)).toEqual([16, 8, 4, 3]);
    expect(d.layers.map((l) => l.outChannels)).toEqual([4, 8, 16, 1]);
    expect(() => inferDcganGenerator(dW)).toThrow(/generator/);
    const big = dcganInitialStateDicts({ ...sizes, imageSize: 128 }, 1);
    expect(inferDcganGenerator(new Weights(big.netG)).imageSize).toBe(128);
    expect(inferDcganDiscriminator(new Weights(big.netD)).depth).toBe(6);
  });

  it('generates finite images in (−1, 1) and probabilities in (0, 1), eval and train', async () => {
    const g = inferDcganGenerator(gW);
    const d = inferDcganDiscriminator(dW);
    const stats: BatchStatsSink = new Map();
    const prog = trace({ z: { shape: z.shape } }, ({ z }) => {
      const out: Record<string, Value> = {};
      for (const train of [false, true]) {
        const img = dcganGenerate(gW.at(''), g, z, { train, stats: train ? stats : undefined });
        out[`img_${train}`] = img;
        out[`d_${train}`] = dcganDiscriminate(dW.at(''), d, img, { train });
      }
      for (const [k, s] of stats) {
        out[`${k}.mean`] = s.mean;
        out[`${k}.var`] = s.variance;
      }
      return out;
    });
    const exe = await compile(prog);
    const outs = await exe.runNamed({ z });
    for (const train of [false, true]) {
      const img = outs[`img_${train}`];
      expect(img.shape).toEqual([batch, 3, 32, 32]);
      expect([...(img.data as Float32Array)].every((v) => Number.isFinite(v) && Math.abs(v) < 1)).toBe(true);
      const dOut = outs[`d_${train}`];
      expect(dOut.shape).toEqual([batch]);
      expect([...(dOut.data as Float32Array)].every((v) => v > 0 && v < 1)).toBe(true);
    }
    expect([...stats.keys()]).toEqual(['main.1', 'main.4', 'main.7']);
    const updated = applyRunningStats(
      sdG,
      new Map(
        [...stats].map(([k, s]) => [
          k,
          { mean: outs[`${k}.mean`], variance: outs[`${k}.var`], count: s.count },
        ]),
      ),
    );
    expect(updated.get('main.7.num_batches_tracked')!.data[0]).toBe(1n);
    expect(updated.get('main.1.running_var')!.data.every((v) => Number(v) > 0.9)).toBe(true);
  });

  it('golden numbers (train mode; ours, recorded when fixture D first passed)', async () => {
    const g = inferDcganGenerator(gW);
    const d = inferDcganDiscriminator(dW);
    const prog = trace({ z: { shape: z.shape } }, ({ z }) => {
      const img = dcganGenerate(gW.at(''), g, z, { train: true });
      return { img, d: dcganDiscriminate(dW.at(''), d, img, { train: true }) };
    });
    const [img, dOut] = await (await compile(prog)).run(z);
    const v = Array.from(img.data as Float32Array);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(mean).toBeCloseTo(0.0139761, 6);
    expect(std).toBeCloseTo(0.0562967, 6);
    for (const [i, p] of [0.5465101, 0.4713578, 0.5447383].entries()) expect(dOut.data[i]).toBeCloseTo(p, 5);
  });

  it('rejects wrong shapes with the expected shape in the message', () => {
    const g = inferDcganGenerator(gW);
    expect(() => trace({ z: { shape: [2, 7] } }, ({ z }) => dcganGenerate(gW.at(''), g, z))).toThrow(
      /\[N, 8\]/,
    );
    const d = inferDcganDiscriminator(dW);
    expect(() =>
      trace({ x: { shape: [2, 3, 64, 64] } }, ({ x }) => dcganDiscriminate(dW.at(''), d, x)),
    ).toThrow(/\[N, 3, 32, 32\]/);
  });
});
