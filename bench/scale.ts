/**
 * `npm run bench:scale` (issue 15): projection throughput of local worker processes, on the shipped StyleGAN2
 * and NVIDIA's paper256 preset (random weights): 1 and 2 workers with 1 ONNX Runtime thread each against one
 * process with 2 threads; and interactive requests (render, 32-seed grid) in-process against a warm worker.
 * Run it on a quiet machine: other processes on the cores skew every number here.
 *   npx tsx bench/scale.ts [--targets 8] [--targets-256 2] [--steps 20] [--repeats 20] [--skip-256]
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomState } from '../src/core/rng.js';
import { Tensor } from '../src/core/tensor.js';
import { GanModel, LocalWorkerPool, toImages, writeBundle, writePng } from '../src/index.js';
import type { BundleManifest } from '../src/models/manifest.js';
import { stylegan2Dims } from '../src/models/manifest.js';
import { initGenerator, STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { buildStudio } from '../src/studio/server/app.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNNER = fileURLToPath(new URL('./scaleRunner.ts', import.meta.url));
const SHIPPED = join(ROOT, 'models/fmnist-stylegan2');

async function paper256Bundle(dir: string): Promise<string> {
  const cfg = STYLEGAN2_PRESETS.paper256.generator;
  const manifest: BundleManifest = {
    format: 'latentlab-bundle',
    version: 1,
    name: 'paper256-random',
    architecture: 'stylegan2',
    generator: cfg,
    ...stylegan2Dims(cfg),
    provenance: { format: 'init', source: 'STYLEGAN2_PRESETS.paper256', created: 'bench' },
    contentHash: '',
    weightsDtype: 'float32',
  };
  const out = join(dir, 'paper256');
  await writeBundle(out, new GanModel(manifest, initGenerator(cfg, 0)));
  return out;
}

async function targets(dir: string, n: number, resolution: number, channels: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const rng = new RandomState(7);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const size = channels * resolution * resolution;
    const t = Tensor.float32(
      [1, channels, resolution, resolution],
      rng.standardNormalFloat32([size]).map(Math.tanh),
    );
    files.push(join(dir, `t${i}.png`));
    await writePng(files.at(-1)!, toImages(t)[0]);
  }
  return files;
}

/** Targets per second over `files`, after one warm-up projection per worker. */
async function throughput(model: string, files: string[], steps: number, workers: number, threads: number) {
  const pool = new LocalWorkerPool({
    module: RUNNER,
    init: { modelDirs: [] },
    size: workers,
    env: { ...process.env, LATENTLAB_THREADS: String(threads) },
  });
  try {
    await Promise.all(
      Array.from({ length: workers }, () =>
        pool.run({ kind: 'project', params: { model, target: files[0], steps: 2 }, dir: '' }),
      ),
    );
    const t = performance.now();
    await Promise.all(
      files.map((target) => pool.run({ kind: 'project', params: { model, target, steps }, dir: '' })),
    );
    return files.length / ((performance.now() - t) / 1000);
  } finally {
    await pool.close();
  }
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<{ median: number; p90: number }> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[n >> 1], p90: ms[Math.floor(n * 0.9)] };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'latentlab-bench-scale-'));
  const repeats = arg('repeats', 20);
  const render = { method: 'POST', url: '/api/render', payload: { model: 'fmnist-stylegan2', seed: 3 } };
  const grid = {
    method: 'POST',
    url: '/api/grid',
    payload: { model: 'fmnist-stylegan2', seeds: Array.from({ length: 32 }, (_, i) => i) },
  };
  const studio = await buildStudio({
    workspace: join(dir, 'ws'),
    modelDirs: [join(ROOT, 'models')],
    webRoot: null,
    jobsInline: true,
  });
  const pool = new LocalWorkerPool({ module: RUNNER, init: { modelDirs: [join(ROOT, 'models')] }, size: 1 });
  console.log(`interactive requests, ${repeats} each after a warm-up (median / p90 ms)`);
  for (const [name, req] of [
    ['render 1 seed', render],
    ['grid 32 seeds', grid],
  ] as const) {
    const inProcess = await timed(repeats, () => studio.app.inject(req as never));
    const worker = await timed(repeats, () => pool.run({ kind: 'inject', params: req, dir: '' }));
    console.log(
      `  ${name}: in-process ${inProcess.median.toFixed(1)} / ${inProcess.p90.toFixed(1)} | warm worker ${worker.median.toFixed(1)} / ${worker.p90.toFixed(1)}`,
    );
  }
  await pool.close();
  await studio.app.close();
  const steps = arg('steps', 20);
  const n = arg('targets', 8);
  const cases: { name: string; model: string; resolution: number; channels: number; n: number }[] = [
    { name: 'fmnist-stylegan2 (32px)', model: SHIPPED, resolution: 32, channels: 1, n },
  ];
  if (!process.argv.includes('--skip-256'))
    cases.push({
      name: 'paper256 preset (256px)',
      model: await paper256Bundle(dir),
      resolution: 256,
      channels: 3,
      n: arg('targets-256', 2),
    });
  console.log(
    `projection throughput, ${steps} Adam steps per target (targets/s; ratio vs 1 process x 2 threads)`,
  );
  for (const c of cases) {
    const files = await targets(join(dir, c.name.split(' ')[0]), c.n, c.resolution, c.channels);
    const base = await throughput(c.model, files, steps, 1, 2);
    const one = await throughput(c.model, files, steps, 1, 1);
    const two = await throughput(c.model, files, steps, 2, 1);
    console.log(
      `  ${c.name}, ${c.n} targets: 1 process x 2 threads ${base.toFixed(3)}/s | 1 worker x 1 thread ${one.toFixed(3)}/s (${(one / base).toFixed(2)}x) | 2 workers x 1 thread ${two.toFixed(3)}/s (${(two / base).toFixed(2)}x)`,
    );
  }
}

await main();
