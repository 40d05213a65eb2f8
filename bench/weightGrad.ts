/**
 * Weight-gradient recipes, measured where the trainers use them:
 *
 *   npx tsx bench/weightGrad.ts [--shapes] [--programs] [--convt] [--only dcgan.d,...] [--rounds 5]
 *                               [--variants stackdw,convdw] [--methods batched,convtrick] [--threads 2]
 *
 *   --shapes    every distinct conv weight gradient of the DCGAN and StyleGAN2 training programs as a
 *               program of its own (inputs x and g), once per method of src/graph/ops/convWeightGrad.ts,
 *               interleaved in rounds; prints best ms, CPU ms per call and the ratio to im2col, and the
 *               method the current rule picks.
 *   --programs  the training programs themselves (bench/trainingProfile.ts: dcgan.d, dcgan.g, sg2.*)
 *               as built now ("rule") against variants with one method forced everywhere (default
 *               im2coldw, stackdw), after checking each computes the same outputs.
 *   --convt     every ConvTranspose of the programs, ONNX ConvTranspose against the polyphase lowering
 *               of bench/polyphase.ts (measured and rejected).
 * Default: all three. Best-of rounds (the machine is shared) and process CPU seconds per call (all threads:
 * the figure least moved by other processes).
 */
import { loadavg } from 'node:os';
import {
  type WeightGradMethod,
  convWeightGrad,
  chooseWeightGradMethod,
  weightGradMethods,
} from '../src/graph/ops/convWeightGrad.js';
import { maxRelDiff, type Timing, timeCall } from './callTiming.js';
import { benchConvT } from './polyphase.js';
import { opDef } from '../src/graph/registry.js';
import type { ConvAttrs, OpAttrMap, OpDef } from '../src/graph/types.js';
import type { Program } from '../src/graph/program.js';
import { apply, input } from '../src/graph/value.js';
import { compile, type Executable } from '../src/runtime/compile.js';
import { uniform } from './data.js';
import { median, table } from './harness.js';
import { dcganPrograms, sg2Programs, type TrainProgram } from './trainingProfile.js';
import { type VariantTag, withVariant } from './variants.js';

interface DwShape {
  x: readonly number[];
  g: readonly number[];
  kh: number;
  kw: number;
  a: ConvAttrs;
  /** Programs it occurs in. */
  where: Set<string>;
}

const key = (s: Omit<DwShape, 'where'>) => JSON.stringify([s.x, s.g, s.kh, s.kw, s.a]);

/** The distinct weight gradients the training programs ask for (recorded while they are traced). */
function collectShapes(build: () => TrainProgram[]): DwShape[] {
  const conv = opDef('Conv') as OpDef<OpAttrMap['Conv']>;
  const convT = opDef('ConvTranspose') as OpDef<OpAttrMap['ConvTranspose']>;
  const [origConv, origConvT] = [conv.vjp, convT.vjp];
  const seen = new Map<string, DwShape>();
  let current = '';
  const note = (x: readonly number[], g: readonly number[], kh: number, kw: number, a: ConvAttrs) => {
    const s = { x, g, kh, kw, a };
    const k = key(s);
    const e = seen.get(k) ?? { ...s, where: new Set<string>() };
    e.where.add(current);
    seen.set(k, e);
  };
  conv.vjp = (args) => {
    const [x, w] = args.inputs;
    note(x.shape, args.g.shape, w.shape[2], w.shape[3], args.attrs);
    return origConv(args);
  };
  convT.vjp = (args) => {
    const [x, w] = args.inputs;
    const { outputPadding: _, ...a } = args.attrs;
    note(args.g.shape, x.shape, w.shape[2], w.shape[3], a);
    return origConvT(args);
  };
  try {
    // Trace one family at a time to know where each shape comes from.
    const done = new Set<string>();
    for (const p of build()) {
      if (done.has(p.family)) continue;
      done.add(p.family);
      current = p.family;
      p.build();
    }
  } finally {
    conv.vjp = origConv;
    convT.vjp = origConvT;
  }
  return [...seen.values()];
}

const fmtShape = (s: DwShape) =>
  `x[${s.x}] g[${s.g}] k${s.kh} s${s.a.strides[0]} p${s.a.pads[0]}${s.a.group > 1 ? ` g${s.a.group}` : ''}`;

async function benchShapes(
  progs: () => TrainProgram[],
  threads: number,
  rounds: number,
  onlyMethods?: WeightGradMethod[],
): Promise<void> {
  const shapes = collectShapes(progs);
  console.log(
    `weight gradients of the training programs (${shapes.length} shapes), best of ${rounds} rounds x 3 calls, ${threads} threads (* = the rule's pick)`,
  );
  for (const s of shapes) {
    const rows: string[][] = [];
    const methods = weightGradMethods(s.a).filter(
      (m) => m === 'im2col' || !onlyMethods || onlyMethods.includes(m),
    );
    const exes = new Map<WeightGradMethod, Executable>();
    for (const m of methods) {
      const x = input('x', s.x);
      const g = input('g', s.g);
      exes.set(
        m,
        await compile(
          { inputs: [x, g], outputs: [convWeightGrad(x, g, s.kh, s.kw, s.a, m)], outputNames: ['dw'] },
          { threads, noCache: true },
        ),
      );
    }
    const feeds = { x: uniform(s.x, -1, 1, 1), g: uniform(s.g, -1, 1, 2) };
    const ref = await exes.get('im2col')!.runNamed(feeds);
    // The forward conv of the same layer (weight fed as an input, as in training), for scale.
    const wShape = [s.g[1], s.x[1] / s.a.group, s.kh, s.kw];
    const fx = input('x', s.x);
    const fw = input('w', wShape);
    const fwd = await compile(
      { inputs: [fx, fw], outputs: [apply('Conv', [fx, fw], s.a)], outputNames: ['y'] },
      { threads, noCache: true },
    );
    const fwdFeeds = { x: feeds.x, w: uniform(wShape, -0.1, 0.1, 3) };
    const fwdT: Timing = { wall: [], cpu: [] };
    const t = new Map<WeightGradMethod, Timing>(methods.map((m) => [m, { wall: [], cpu: [] }]));
    const diffs = new Map<WeightGradMethod, number>();
    for (const m of methods) diffs.set(m, maxRelDiff(ref, await exes.get(m)!.runNamed(feeds)));
    for (let r = 0; r < rounds; r++) {
      await timeCall(() => fwd.runNamed(fwdFeeds), fwdT, 3);
      for (const m of methods) await timeCall(() => exes.get(m)!.runNamed(feeds), t.get(m)!, 3);
    }
    await fwd.release();
    const base = Math.min(...t.get('im2col')!.wall);
    const baseCpu = median(t.get('im2col')!.cpu);
    const xv = input('x', s.x);
    const gv = input('g', s.g);
    const rule = chooseWeightGradMethod(xv, gv, s.kh, s.kw, s.a);
    const fw0 = Math.min(...fwdT.wall);
    rows.push([
      fmtShape(s),
      [...s.where].join(' '),
      'forward conv (scale)',
      fw0.toFixed(2),
      median(fwdT.cpu).toFixed(2),
      `${(base / fw0).toFixed(2)}x`,
      '',
      '',
    ]);
    for (const m of methods) {
      const w = Math.min(...t.get(m)!.wall);
      const c = median(t.get(m)!.cpu);
      rows.push([
        '',
        '',
        `${m}${m === rule ? ' *' : ''}`,
        w.toFixed(2),
        c.toFixed(2),
        `${(base / w).toFixed(2)}x`,
        `${(baseCpu / c).toFixed(2)}x`,
        diffs.get(m)!.toExponential(1),
      ]);
    }
    for (const e of exes.values()) await e.release();
    console.log(
      table(
        [
          'shape',
          'in',
          'method',
          'best ms',
          'CPU ms (median)',
          'speed vs im2col',
          'CPU vs im2col',
          'max rel diff',
        ],
        rows,
      ),
    );
    console.log(`load ${loadavg()[0].toFixed(1)}`);
  }
}

async function benchPrograms(
  progs: () => TrainProgram[],
  variants: VariantTag[][],
  threads: number,
  rounds: number,
): Promise<void> {
  const rows: string[][] = [];
  for (const base of progs()) {
    const built = base.build();
    const builds: [string, Program][] = [['rule', built]];
    for (const tags of variants) builds.push([tags.join('+'), withVariant(tags, base.build)]);
    const exes: [string, Executable][] = [];
    for (const [name, p] of builds) exes.push([name, await compile(p, { threads, noCache: true })]);
    const feeds = base.feeds(built);
    const ref = await exes[0][1].runNamed(feeds);
    const diffs = [0];
    for (const [, e] of exes.slice(1)) diffs.push(maxRelDiff(ref, await e.runNamed(feeds)));
    const t = exes.map((): Timing => ({ wall: [], cpu: [] }));
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < exes.length; i++) await timeCall(() => exes[i][1].runNamed(feeds), t[i], 2);
    const bw = Math.min(...t[0].wall);
    const bc = median(t[0].cpu);
    exes.forEach(([name], i) => {
      const w = Math.min(...t[i].wall);
      const c = median(t[i].cpu);
      rows.push([
        i === 0 ? base.name : '',
        name,
        w.toFixed(1),
        median(t[i].wall).toFixed(1),
        c.toFixed(1),
        `${(bw / w).toFixed(2)}x`,
        `${(bc / c).toFixed(2)}x`,
        diffs[i].toExponential(1),
      ]);
    });
    for (const [, e] of exes) await e.release();
    console.log(
      rows
        .slice(-exes.length)
        .map((r) => r.join(' | '))
        .join('\n'),
    );
  }
  console.log(
    `training programs, best of ${rounds} rounds x 2 calls, ${threads} threads, load ${loadavg()[0].toFixed(1)}`,
  );
  console.log(
    table(
      [
        'program',
        'dW',
        'best ms',
        'median ms',
        'CPU ms (median)',
        'speed vs rule',
        'CPU vs rule',
        'max rel diff',
      ],
      rows,
    ),
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let only: string[] | undefined;
  let threads = 2;
  let rounds = 5;
  let doShapes = false;
  let doPrograms = false;
  let doConvT = false;
  let methods: WeightGradMethod[] | undefined;
  let variants: VariantTag[][] = [['im2coldw'], ['stackdw']];
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--shapes') doShapes = true;
    else if (k === '--programs') doPrograms = true;
    else if (k === '--convt') doConvT = true;
    else if (k === '--methods') methods = argv[++i].split(',') as WeightGradMethod[];
    else if (k === '--only') only = argv[++i].split(',');
    else if (k === '--threads') threads = Number(argv[++i]);
    else if (k === '--rounds') rounds = Number(argv[++i]);
    else if (k === '--variants') variants = argv[++i].split(',').map((v) => v.split('+') as VariantTag[]);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!doShapes && !doPrograms && !doConvT) doShapes = doPrograms = doConvT = true;
  process.env.LATENTLAB_THREADS = String(threads);
  const progs = () => [...dcganPrograms(), ...sg2Programs()].filter((p) => !only || only.includes(p.name));
  if (doConvT) await benchConvT(progs, threads, rounds);
  if (doShapes) await benchShapes(progs, threads, rounds, methods);
  if (doPrograms) await benchPrograms(progs, variants, threads, rounds);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
