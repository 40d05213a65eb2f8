/**
 * StyleGAN2 training at the shipped fmnist-stylegan2 config, ours against NVIDIA's loss and networks
 * (bench/peer/sg2_train_torch.py --serve, a long-lived python child), for `npm run bench:peer`.
 *
 * The unit is one lazy-R1 period of 16 steps, 15 without and one with the R1 phase, estimated from
 * timed single steps of each kind (NVIDIA's CPU step takes tens of seconds on a loaded 2-core machine,
 * so whole periods do not fit a sitting): each round runs one plain step of ours, one of theirs, one
 * R1 step of ours, one of theirs. Per side, period = 15 · best plain step + best R1 step (best-of is the
 * figure least moved by other processes), and CPU seconds per step = (15 · least plain-step CPU + least
 * R1-step CPU) / 16 (process CPU time, all threads; also little moved by the others).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { median } from './harness.js';
import { sg2ShippedCase } from './training.js';

export const R1_PERIOD = 16;

export interface StepTimes {
  /** Wall and CPU seconds of each timed plain step and R1 step. */
  main: { wall: number[]; cpu: number[] };
  r1: { wall: number[]; cpu: number[] };
}

export interface Sg2RaceResult {
  batch: number;
  ours: StepTimes;
  theirs: StepTimes;
  torch: string;
  loadBefore: number;
  loadAfter: number;
}

const emptyTimes = (): StepTimes => ({ main: { wall: [], cpu: [] }, r1: { wall: [], cpu: [] } });

export async function raceSg2Shipped(
  nvidia: string,
  python: string,
  threads: number,
  rounds: number,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Sg2RaceResult> {
  const peer = spawn(
    python,
    ['bench/peer/sg2_train_torch.py', '--nvidia', nvidia, '--threads', String(threads), '--serve'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const ask = async (line: string): Promise<Record<string, unknown>> => {
    if (line) peer.stdin.write(`${line}\n`);
    const r = await lines.next();
    if (r.done) throw new Error('the NVIDIA StyleGAN2 peer exited (see its stderr above)');
    const answer = JSON.parse(r.value) as Record<string, unknown>;
    if (answer.error) throw new Error(`NVIDIA StyleGAN2 peer: ${String(answer.error)}`);
    return answer;
  };
  const ours = sg2ShippedCase();
  try {
    const hello = await ask('');
    const oursStep = async (r1: boolean): Promise<[number, number]> => {
      ours.nextStepR1!(r1);
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      await ours.step();
      const c = process.cpuUsage(c0);
      return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
    };
    const theirsStep = async (r1: boolean): Promise<[number, number]> => {
      const a = await ask(`step ${r1 ? 'r1' : 'main'}`);
      return [(a.seconds as number[])[0], (a.cpu as number[])[0]];
    };
    const loadBefore = loadavg()[0];
    // Warm-up: compile, first R1, arena growth; torch's first-call costs.
    await oursStep(true);
    await oursStep(false);
    await theirsStep(true);
    const o = emptyTimes();
    const t = emptyTimes();
    const keep = (s: StepTimes, kind: 'main' | 'r1', [w, c]: [number, number]) => {
      s[kind].wall.push(w);
      s[kind].cpu.push(c);
    };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['main', 'r1'] as const) {
        const a = await oursStep(kind === 'r1');
        const b = await theirsStep(kind === 'r1');
        keep(o, kind, a);
        keep(t, kind, b);
        log(
          `  sg2 shipped config round ${r + 1}/${rounds}, ${kind} step: ours ${a[0].toFixed(2)} s (cpu ${a[1].toFixed(2)} s), ` +
            `NVIDIA ${b[0].toFixed(2)} s (cpu ${b[1].toFixed(2)} s), load ${loadavg()[0].toFixed(1)}`,
        );
      }
    }
    return {
      batch: ours.batch,
      ours: o,
      theirs: t,
      torch: String(hello.torch),
      loadBefore,
      loadAfter: loadavg()[0],
    };
  } finally {
    peer.stdin.end();
    await ours.close();
  }
}

const least = (xs: number[]) => Math.min(...xs);

/** Seconds per R1 period from the best steps, and CPU seconds per step. */
export function periodOf(s: StepTimes): { best: number; median: number; cpuPerStep: number } {
  const n = R1_PERIOD - 1;
  return {
    best: n * least(s.main.wall) + least(s.r1.wall),
    median: n * median(s.main.wall) + median(s.r1.wall),
    cpuPerStep: (n * least(s.main.cpu) + least(s.r1.cpu)) / R1_PERIOD,
  };
}

/** The race as text: img/s best (median), CPU s/step, ratios. */
export function formatSg2Race(r: Sg2RaceResult): string {
  const imgs = r.batch * R1_PERIOD;
  const [o, t] = [periodOf(r.ours), periodOf(r.theirs)];
  const line = (name: string, p: ReturnType<typeof periodOf>) =>
    `  ${name} ${(imgs / p.best).toFixed(2)} img/s (median ${(imgs / p.median).toFixed(2)}), ${p.cpuPerStep.toFixed(2)} CPU s/step`;
  return (
    `StyleGAN2 shipped config (batch ${r.batch}, R1/16, mixing 0.9), per ${R1_PERIOD}-step period (15 plain + 1 R1 step), ` +
    `best of ${r.ours.main.wall.length} interleaved rounds, load ${r.loadBefore.toFixed(1)} -> ${r.loadAfter.toFixed(1)}:\n` +
    `${line('latentlab', o)}\n${line(`NVIDIA (torch ${r.torch})`, t)}\n` +
    `  ratio ${(t.best / o.best).toFixed(2)}x (medians ${(t.median / o.median).toFixed(2)}x, CPU seconds ${(t.cpuPerStep / o.cpuPerStep).toFixed(2)}x)`
  );
}
