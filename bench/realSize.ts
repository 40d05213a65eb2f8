/**
 * npm run bench:real -- [--only project,export] [--steps N] [--preset ffhq1024|paper256] [--model PATH]
 *                       [--threads N] [--json out.json]
 *
 * Memory and time at real sizes (issue 21): NVIDIA's FFHQ config at 1024x1024 (`--cfg stylegan2`,
 * random weights from initGenerator/initDiscriminator, or any model with --model).
 *   project  `project()` as the CLI runs it (W space, noise maps optimised, MSE + noise regulariser,
 *            w_avg from 10000 samples), --steps Adam steps (default 3) on a random target image.
 *            Reports the peak resident set (VmHWM of the process, which is load-independent), the
 *            resident set after each phase, the time, CPU seconds and minor page faults of each phase
 *            and step. Like the CLI, the child starts with malloc settings that keep freed pages mapped
 *            (src/runtime/mallocEnv.ts), so the projection runs without ORT's arena;
 *            LATENTLAB_KEEP_PAGES=0 measures it with the arena and glibc's defaults.
 *   export   `exportOnnx()` (mapping, synthesis, discriminator graphs to a temporary folder), timed.
 * Every case runs in a fresh child process so that each peak is its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomState } from '../src/core/rng.js';
import { Tensor } from '../src/core/tensor.js';
import { writeBundle } from '../src/models/io/bundle.js';
import { exportOnnx } from '../src/models/io/onnxExport.js';
import { loadModel } from '../src/models/io/loadModel.js';
import { latentStats, projectionDropsArena } from '../src/inversion/program.js';
import { project } from '../src/inversion/projector.js';
import { STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { presetModel } from './models.js';
import { keepsPages, shouldReexecForPages, withKeptPages } from '../src/runtime/mallocEnv.js';
import { sessionDefaults } from '../src/runtime/sessionDefaults.js';

type Preset = keyof typeof STYLEGAN2_PRESETS;
const CASES = ['project', 'export'] as const;
type CaseName = (typeof CASES)[number];

interface Args {
  only: CaseName[];
  steps: number;
  preset: Preset;
  model?: string;
  threads: number;
  json?: string;
  child?: CaseName;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: [...CASES], steps: 3, preset: 'ffhq1024', threads: 2 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const caseName = (x: string): CaseName => {
      if (!(CASES as readonly string[]).includes(x)) throw new Error(`${k}: unknown case '${x}' (cases: ${CASES.join(', ')})`);
      return x as CaseName;
    };
    if (k === '--only') a.only = v().split(',').map((s) => caseName(s.trim()));
    else if (k === '--steps') a.steps = Math.max(1, Number.parseInt(v(), 10));
    else if (k === '--preset') {
      const p = v();
      if (!(p in STYLEGAN2_PRESETS)) throw new Error(`--preset: one of ${Object.keys(STYLEGAN2_PRESETS).join(', ')}`);
      a.preset = p as Preset;
    } else if (k === '--model') a.model = v();
    else if (k === '--threads') a.threads = Math.max(1, Number.parseInt(v(), 10));
    else if (k === '--json') a.json = v();
    else if (k === '--child') a.child = caseName(v());
    else if (k === '--help' || k === '-h') {
      const doc = readFileSync(new URL(import.meta.url), 'utf8');
      console.log(doc.slice(doc.indexOf('npm run bench:real'), doc.indexOf('*/')).replace(/^ \* ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown argument '${k}' (try --help)`);
  }
  return a;
}

/** CPU seconds (user + system) of this process so far and its minor page faults (Linux, /proc/self/stat). */
function procCounters(): { cpu: number; faults: number } {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpu: (u.user + u.system) / 1e6, faults: Number(fields[7]) };
}

/** VmRSS and VmHWM of this process in bytes (Linux), from /proc/self/status. */
function procMemory(): { rss: number; hwm: number } {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const gb = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;


interface Phase {
  phase: string;
  seconds: number;
  /** CPU seconds of the process in this phase (all threads; less moved by other processes than wall time). */
  cpuSeconds: number;
  /** Minor page faults in this phase (pages the kernel had to map afresh). */
  minorFaults: number;
  rss: number;
  hwm: number;
}

interface ChildReport {
  case: CaseName;
  model: string;
  /** Whether malloc kept freed pages mapped in the child (runtime/mallocEnv.ts). */
  keepsPages: boolean;
  /** Whether the projection program ran with ORT's arena (off from 512 px when pages are kept, or with LATENTLAB_MEM_ARENA=0). */
  projectionArena: boolean;
  phases: Phase[];
  stepSeconds?: number[];
  files?: { file: string; bytes: number }[];
  peak: number;
}

async function runChild(args: Args, which: CaseName): Promise<ChildReport> {
  const phases: Phase[] = [];
  let t = performance.now();
  let counters = procCounters();
  const mark = (phase: string) => {
    const now = performance.now();
    const c = procCounters();
    phases.push({ phase, seconds: (now - t) / 1000, cpuSeconds: c.cpu - counters.cpu, minorFaults: c.faults - counters.faults, ...procMemory() });
    t = now;
    counters = c;
  };
  const model = await loadModel(args.model!);
  mark('load model');
  const report: ChildReport = {
    case: which,
    model: model.name,
    keepsPages: keepsPages(),
    projectionArena: sessionDefaults().memoryArena && !projectionDropsArena(model.resolution),
    phases,
    peak: 0,
  };
  if (which === 'project') {
    const r = model.resolution;
    const c = model.imgChannels;
    const rng = new RandomState(7);
    const target = Tensor.float32([1, c, r, r], rng.standardNormalFloat32([c * r * r]).map((x) => Math.tanh(x)));
    await latentStats(model, 10_000);
    mark('w_avg (10000 mapped samples)');
    const stepSeconds: number[] = [];
    let last = performance.now();
    await project(model, target, {
      numSteps: args.steps,
      onStep: () => {
        const now = performance.now();
        stepSeconds.push((now - last) / 1000);
        mark(stepSeconds.length === 1 ? 'compile + first step' : `step ${stepSeconds.length}`);
        last = now;
      },
    });
    mark('final pass');
    report.stepSeconds = stepSeconds;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'latentlab-export-'));
    try {
      await exportOnnx(model, dir);
      mark('export --onnx');
      report.files = readdirSync(dir).map((f) => ({ file: f, bytes: statSync(join(dir, f)).size }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  report.peak = procMemory().hwm;
  return report;
}

function spawnCase(args: Args, which: CaseName): ChildReport {
  const self = fileURLToPath(import.meta.url);
  const pass = ['--steps', String(args.steps), '--preset', args.preset, '--threads', String(args.threads)];
  if (args.model) pass.push('--model', args.model);
  const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', which, ...pass], {
    encoding: 'utf8',
    // as the CLI runs it: `project` re-executes itself with malloc settings that keep freed pages
    // (runtime/mallocEnv.ts; the projection then runs without ORT's arena); LATENTLAB_KEEP_PAGES=0 turns that off
    env: { ...(which === 'project' && shouldReexecForPages(process.env) ? withKeptPages(process.env) : process.env), LATENTLAB_THREADS: String(args.threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"case"'));
  if (r.status !== 0 || !line) throw new Error(`case ${which} failed (exit ${r.status}, signal ${r.signal}):\n${r.stdout}`);
  return JSON.parse(line) as ChildReport;
}

function format(rep: ChildReport): string {
  const malloc = `${rep.keepsPages ? 'malloc keeps freed pages' : "glibc's default malloc"}${rep.case === 'project' ? `, ORT arena ${rep.projectionArena ? 'on' : 'off'}` : ''}`;
  const lines = [`${rep.case}: ${rep.model} (${malloc}) -> peak RSS (VmHWM) ${gb(rep.peak)} (${(rep.peak / 1e9).toFixed(2)} GB)`];
  for (const p of rep.phases) lines.push(`  ${p.phase.padEnd(34)} ${p.seconds.toFixed(1).padStart(7)} s ${p.cpuSeconds.toFixed(1).padStart(7)} CPU-s ${(p.minorFaults / 1e6).toFixed(2).padStart(6)}M faults   RSS ${gb(p.rss)}   peak so far ${gb(p.hwm)}`);
  if (rep.stepSeconds?.length) lines.push(`  step times (s): ${rep.stepSeconds.map((s) => s.toFixed(2)).join(', ')}`);
  if (rep.files) lines.push(`  files: ${rep.files.map((f) => `${f.file} ${(f.bytes / 2 ** 20).toFixed(1)} MiB`).join(', ')}`);
  return lines.join('\n');
}

/** The preset with random weights as a bundle under .bench/ (made once: drawing 60M normals takes a while). */
async function presetBundle(preset: Preset): Promise<string> {
  const dir = join('.bench', `${preset}-random`);
  if (!existsSync(join(dir, 'model.json'))) {
    console.error(`writing ${dir} (G and D of ${preset}, NVIDIA's initialisation, seeds 0 and 1)...`);
    await writeBundle(dir, presetModel(preset, true));
  }
  return dir;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.env.LATENTLAB_THREADS = String(args.threads);
  if (!args.child && !args.model) args.model = await presetBundle(args.preset);
  if (args.child) {
    console.log(JSON.stringify(await runChild(args, args.child)));
    return;
  }
  const reports: ChildReport[] = [];
  for (const c of args.only) {
    const rep = spawnCase(args, c);
    reports.push(rep);
    console.log(format(rep));
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), args, reports }, null, 1)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
