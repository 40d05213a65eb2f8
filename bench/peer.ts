/**
 * npm run bench:peer -- [--nvidia DIR] [--python /usr/bin/python3] [--threads N] [--rounds N] [--seconds S]
 *                       [--gen1024 ROUNDS] [--sg2-rounds N]
 *
 * latentlab against PyTorch on this machine, interleaved in one sitting (the VM's speed swings):
 *   - DCGAN training step at the shipped fmnist-dcgan config vs bench/peer/dcgan_torch.py (pytorch/examples
 *     main.py's iteration on the same layer table);
 *   - with --nvidia <checkout of NVlabs/stylegan2-ada-pytorch>: ../shared/tools/peer_bench.py on fixture-A
 *     shapes (generation batch 1/8, projector step, G+D training step) vs our same-shape programs;
 *   - with --nvidia: StyleGAN2 training at the shipped fmnist-stylegan2 config (batch 32, R1 every 16th
 *     step, style mixing) vs NVIDIA's StyleGAN2Loss and networks (bench/peer/sg2_train_torch.py), per
 *     16-step R1 period, --sg2-rounds interleaved periods each side (default 3; 0 skips it).
 *   - with --nvidia and --gen1024 ROUNDS (opt-in; each call takes seconds): generation at 1024x1024, batch 1,
 *     NVIDIA's FFHQ config with random weights (our STYLEGAN2_PRESETS.ffhq1024, const noise, fp32) against
 *     bench/peer/sg2_gen1024.py --serve, one call each per round (bench/servedPeer.ts); `--rounds 0` skips
 *     the cases above.
 * Each round runs every latentlab case, then every peer once; per case the best round counts on both sides
 * (what peer_bench.py reports), and ratios = latentlab / peer. Needs Debian's python3-torch; use
 * libopenblas0-pthread for torch's BLAS (Debian's default reference BLAS makes torch several times slower).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Tensor } from '../src/core/tensor.js';
import { input } from '../src/graph/value.js';
import { loadModel } from '../src/models/io/loadModel.js';
import { mapToW, broadcastWs } from '../src/models/stylegan2/mapping.js';
import { synthesisGraph } from '../src/models/stylegan2/synthesis.js';
import { compile, type Executable } from '../src/runtime/compile.js';
import { square, sub } from '../src/graph/ops/elementwise.js';
import { reduceMean } from '../src/graph/ops/reduce.js';
import { grad } from '../src/graph/autodiff.js';
import { Weights } from '../src/nn/weights.js';
import { initGenerator, STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { table } from './harness.js';
import { generatorProgram, zFeeds } from './models.js';
import { formatRace, raceRounds, startServedPeer } from './servedPeer.js';
import { formatSg2Race, raceSg2Shipped } from './sg2TrainRace.js';
import { measureTraining, trainingCases } from './training.js';

const run = promisify(execFile);
const FIXTURE_A = '../shared/fixtures/A_nvidia_sg2ada_uncond32/network-snapshot-000000.pkl';
const PEER_BENCH = '../shared/tools/peer_bench.py';

interface Args {
  nvidia?: string;
  python: string;
  threads: number;
  rounds: number;
  seconds: number;
  gen1024: number;
  sg2Rounds: number;
}

function parse(argv: string[]): Args {
  const a: Args = { python: '/usr/bin/python3', threads: 2, rounds: 3, seconds: 3, gen1024: 0, sg2Rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (k === '--nvidia') a.nvidia = v;
    else if (k === '--python') a.python = v;
    else if (k === '--threads') a.threads = Number(v);
    else if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--seconds') a.seconds = Number(v);
    else if (k === '--gen1024') a.gen1024 = Number(v);
    else if (k === '--sg2-rounds') a.sg2Rounds = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** Best-of rate of `fn` over `seconds` (after two warm-up calls), items per second. */
async function bestRate(fn: () => Promise<unknown>, items: number, seconds: number): Promise<number> {
  await fn();
  await fn();
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < end || n < 3; n++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return (items * 1000) / best;
}

/** Our fixture-A programs with peer_bench's shapes: G(z) const noise at batch 1 and 8; one projector step. */
async function fixtureAPrograms(
  threads: number,
): Promise<{ name: string; items: number; run: () => Promise<unknown> }[]> {
  const m = await loadModel(FIXTURE_A);
  const cfg = m.stylegan2();
  const w = new Weights(m.g, 'constant', 'A');
  const out: { name: string; items: number; run: () => Promise<unknown> }[] = [];
  for (const b of [1, 8]) {
    const z = input('z', [b, cfg.zDim]);
    const img = synthesisGraph(
      w.at('synthesis'),
      cfg,
      broadcastWs(w.at('mapping'), cfg, mapToW(w.at('mapping'), cfg, z)),
      { noiseMode: 'const' },
    );
    const exe: Executable = await compile({ inputs: [z], outputs: [img], outputNames: ['img'] }, { threads });
    const feeds = {
      z: Tensor.float32(
        [b, cfg.zDim],
        Array.from({ length: b * cfg.zDim }, (_, i) => Math.sin(i)),
      ),
    };
    out.push({ name: `gen b${b}`, items: b, run: () => exe.runNamed(feeds) });
  }
  const ws = input('ws', [1, cfg.numWs, cfg.wDim]);
  const target = input('target', [1, cfg.imgChannels, cfg.imgResolution, cfg.imgResolution]);
  const img = synthesisGraph(w.at('synthesis'), cfg, ws, { noiseMode: 'const' });
  const loss = reduceMean(square(sub(img, target)));
  const [g] = grad(loss, [ws]);
  const proj = await compile({ inputs: [ws, target], outputs: [g], outputNames: ['g'] }, { threads });
  const pFeeds = {
    ws: Tensor.float32(
      [1, cfg.numWs, cfg.wDim],
      Array.from({ length: cfg.numWs * cfg.wDim }, (_, i) => Math.cos(i)),
    ),
    target: Tensor.float32([1, cfg.imgChannels, cfg.imgResolution, cfg.imgResolution]),
  };
  out.push({ name: 'proj b1', items: 1, run: () => proj.runNamed(pFeeds) });
  return out;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  process.env.LATENTLAB_THREADS = String(a.threads);
  const ours = new Map<string, number>();
  const theirs = new Map<string, number>();
  const keep = (m: Map<string, number>, k: string, v: number) => m.set(k, Math.max(m.get(k) ?? 0, v));
  // Process CPU seconds per DCGAN step (median within a round, least over rounds): little moved by load.
  const cpuOurs = new Map<string, number>();
  let cpuTorchDcgan = Infinity;
  const load0 = loadavg()[0];
  const tc = a.rounds > 0 ? await trainingCases(a.threads) : [];
  const withNvidia = !!a.nvidia && existsSync(FIXTURE_A) && existsSync(PEER_BENCH);
  const programs = withNvidia && a.rounds > 0 ? await fixtureAPrograms(a.threads) : [];
  const tmp = await mkdtemp(join(tmpdir(), 'peer-'));
  for (let r = 0; r < a.rounds; r++) {
    process.stderr.write(`round ${r + 1}/${a.rounds}\n`);
    for (const row of await measureTraining(tc, 1, 3)) {
      keep(ours, `train ${row.name}`, row.bestImgPerSec);
      cpuOurs.set(row.name, Math.min(cpuOurs.get(row.name) ?? Infinity, row.cpuSecondsPerStep));
    }
    for (const p of programs) keep(ours, `A ${p.name}`, await bestRate(p.run, p.items, a.seconds));
    const dj = join(tmp, 'dcgan.json');
    await run(a.python, [
      'bench/peer/dcgan_torch.py',
      '--threads',
      String(a.threads),
      '--seconds',
      String(a.seconds),
      '--json',
      dj,
    ]);
    const dcgan = JSON.parse(readFileSync(dj, 'utf8')) as { best: number; cpu_per_step: number };
    keep(theirs, 'train dcgan.fmnist', dcgan.best);
    cpuTorchDcgan = Math.min(cpuTorchDcgan, dcgan.cpu_per_step);
    if (withNvidia) {
      const pj = join(tmp, 'peer.json');
      await run(
        a.python,
        [
          PEER_BENCH,
          '--nvidia',
          a.nvidia!,
          '--threads',
          String(a.threads),
          '--configs',
          'A',
          '--seconds',
          String(a.seconds),
          '--json',
          pj,
        ],
        {
          maxBuffer: 1 << 24,
        },
      );
      for (const row of JSON.parse(readFileSync(pj, 'utf8')).rows as {
        what: string;
        batch: number;
        per_s: number;
      }[]) {
        const key = row.what === 'train' ? 'train sg2.A' : `A ${row.what} b${row.batch}`;
        keep(theirs, key, row.per_s);
      }
    }
  }
  for (const c of tc) await c.close();
  await rm(tmp, { recursive: true, force: true });
  const sg2Race =
    a.nvidia && a.sg2Rounds > 0 ? await raceSg2Shipped(a.nvidia, a.python, a.threads, a.sg2Rounds) : null;
  const rows = [...ours.keys()]
    .filter((k) => theirs.has(k))
    .map((k) => [
      k,
      ours.get(k)!.toFixed(1),
      theirs.get(k)!.toFixed(1),
      `${(ours.get(k)! / theirs.get(k)!).toFixed(2)}x`,
    ]);
  if (a.rounds > 0) {
    console.log(
      `latentlab vs PyTorch, threads ${a.threads}, best of ${a.rounds} interleaved rounds (items/s: images, or steps for proj)`,
    );
    console.log(table(['case', 'latentlab', 'pytorch', 'ratio'], rows));
  }
  const extra = [...ours.keys()].filter((k) => !theirs.has(k));
  if (extra.length)
    console.log(`latentlab only: ${extra.map((k) => `${k} ${ours.get(k)!.toFixed(1)}/s`).join(', ')}`);
  const co = cpuOurs.get('dcgan.fmnist');
  if (co !== undefined && Number.isFinite(cpuTorchDcgan))
    console.log(
      `DCGAN CPU seconds per step: latentlab ${co.toFixed(3)}, PyTorch ${cpuTorchDcgan.toFixed(3)} ` +
        `(ratio ${(cpuTorchDcgan / co).toFixed(2)}x); load ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
    );
  if (sg2Race) console.log(formatSg2Race(sg2Race));
  if (a.gen1024 > 0) {
    if (!a.nvidia) throw new Error('--gen1024 needs --nvidia <checkout of NVlabs/stylegan2-ada-pytorch>');
    await raceGen1024(a);
  }
}

/** 1024x1024 generation, batch 1: ours and NVIDIA's (sg2_gen1024.py --serve) alternating, one call each per round. */
async function raceGen1024(a: Args): Promise<void> {
  const cfg = STYLEGAN2_PRESETS.ffhq1024.generator;
  const exe = await compile(generatorProgram(initGenerator(cfg, 0), cfg, 1), { threads: a.threads });
  const feeds = zFeeds(1, cfg.zDim)();
  const into = Object.fromEntries(exe.outputs.map((o) => [o.name, Tensor.zeros(o.dtype, o.shape)]));
  const peer = await startServedPeer(a.python, ['bench/peer/sg2_gen1024.py', '--nvidia', a.nvidia!, '--threads', String(a.threads)]);
  console.log(`\ngeneration at 1024x1024 (ffhq1024 config, random weights, const noise, fp32), batch 1: torch ${peer.hello.torch} (${peer.hello.threads} threads) vs latentlab (${a.threads} threads), ${a.gen1024} interleaved rounds`);
  const result = await raceRounds(() => exe.runNamed(feeds, into), peer, 'gen.b1', {
    rounds: a.gen1024,
    reps: 1,
    onRound: (line) => process.stderr.write(`  gen1024.b1 ${line}\n`),
  });
  peer.close();
  await exe.release();
  console.log(formatRace('gen1024.b1', 1, result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
