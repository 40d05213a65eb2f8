/**
 * Session switching: what one program costs when other sessions ran just before it (a training step
 * alternating G and D, a projector running mapping then synthesis), against running it back to back.
 *
 * Each ORT session owns an intra-op thread pool; with `allow_spinning` its workers spin for tens of ms
 * after every run, so on 2 cores the next session's run shares the CPUs with them. src/runtime turned
 * spinning off by default (bc2ec61; `spinning: true` or LATENTLAB_SPIN=1 turns it back on): this
 * measures both settings through our runtime, on the same three programs.
 */
import { Tensor } from '../src/core/tensor.js';
import { compile } from '../src/runtime/compile.js';
import { ceilingCase, MOD, modCase, type ProgramCase, STACK_A, stackCase } from './engine.js';
import { f1, median, min, now, sleep, table } from './harness.js';

type Run = () => Promise<unknown>;

interface Mode {
  name: string;
  a: Run; // the program timed
  others: Run[]; // programs run just before it in the interleaved measurement
}

export interface SwitchRow {
  mode: string;
  aloneBest: number;
  aloneMedian: number;
  switchedBest: number;
  switchedMedian: number;
}

async function runtimeRun(c: ProgramCase, threads: number, spinning: boolean): Promise<Run> {
  const exe = await compile(c.build(), { threads, spinning });
  const feeds = c.feeds();
  const into: Record<string, Tensor> = {};
  for (const o of exe.outputs) into[o.name] = Tensor.zeros(o.dtype, o.shape);
  return () => exe.runNamed(feeds, into);
}

/** Times the ceiling conv alone and right after two other programs, for each mode, interleaved. */
export async function measureSwitching(threads: number, rounds = 12): Promise<SwitchRow[]> {
  const cases = [ceilingCase(), stackCase(STACK_A, 'fwd'), modCase('modconv', 'fwd', MOD)];
  const modes: Mode[] = [];
  for (const spinning of [false, true]) {
    const rs: Run[] = [];
    for (const c of cases) rs.push(await runtimeRun(c, threads, spinning));
    modes.push({ name: `spinning ${spinning ? 'on' : 'off'}`, a: rs[0], others: rs.slice(1) });
  }
  for (const m of modes) for (const r of [m.a, ...m.others]) await r();

  const alone = new Map<string, number[]>(modes.map((m) => [m.name, []]));
  const switched = new Map<string, number[]>(modes.map((m) => [m.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      await sleep(150);
      await m.a(); // back to back: the program's own workers are the only ones awake
      const t0 = now();
      await m.a();
      alone.get(m.name)!.push(now() - t0);
      for (const o of m.others) await o();
      const t1 = now();
      await m.a();
      switched.get(m.name)!.push(now() - t1);
    }
  }
  return modes.map((m) => {
    const a = alone.get(m.name)!;
    const s = switched.get(m.name)!;
    return {
      mode: m.name,
      aloneBest: min(a),
      aloneMedian: median(a),
      switchedBest: min(s),
      switchedMedian: median(s),
    };
  });
}

export function formatSwitching(rows: readonly SwitchRow[]): string {
  return (
    'session switching, our runtime: ceiling conv (ms) run back to back, and right after stackA.fwd and\n' +
    'modconv.fwd ran in their own sessions\n' +
    table(
      ['mode', 'alone best', 'alone med', 'switched best', 'switched med', 'med ratio'],
      rows.map((r) => [
        r.mode,
        f1(r.aloneBest),
        f1(r.aloneMedian),
        f1(r.switchedBest),
        f1(r.switchedMedian),
        `${(r.switchedMedian / r.aloneMedian).toFixed(2)}x`,
      ]),
    )
  );
}
