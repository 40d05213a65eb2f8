/**
 * StyleGAN2 training at the shipped fmnist-stylegan2 config, ours against NVIDIA's loss and networks
 * (bench/peer/sg2_train_torch.py --serve, a long-lived python child), for `npm run bench:peer`.
 *
 * The unit is one lazy-R1 period: 16 consecutive training steps, exactly one of them with the R1 step
 * on both sides (both step counters start at 0 and warm up by one whole period), so the figure is what
 * a run of that config costs per image. Each round runs one period of ours, then one of theirs; the
 * report takes the best period of each (the figure least moved by other processes on a shared machine),
 * the median, and the process CPU seconds per step (all threads; also little moved by the others).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { median } from './harness.js';
import { sg2ShippedCase } from './training.js';

export const R1_PERIOD = 16;

export interface PeriodStats {
  /** Wall seconds of each timed period. */
  periods: number[];
  /** Process CPU seconds per step, each period's mean. */
  cpuPerStep: number[];
}

export interface Sg2RaceResult {
  batch: number;
  ours: PeriodStats;
  theirs: PeriodStats;
  torch: string;
  loadBefore: number;
  loadAfter: number;
}

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
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const oursPeriod = async (): Promise<[number, number]> => {
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      for (let i = 0; i < R1_PERIOD; i++) await ours.step();
      const c = process.cpuUsage(c0);
      return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6 / R1_PERIOD];
    };
    const theirsPeriod = async (): Promise<[number, number]> => {
      const a = await ask(`steps ${R1_PERIOD}`);
      return [sum(a.seconds as number[]), sum(a.cpu as number[]) / R1_PERIOD];
    };
    const loadBefore = loadavg()[0];
    await oursPeriod(); // warm-up: compile, first R1, arena growth
    await theirsPeriod();
    const o: PeriodStats = { periods: [], cpuPerStep: [] };
    const t: PeriodStats = { periods: [], cpuPerStep: [] };
    for (let r = 0; r < rounds; r++) {
      const [ow, oc] = await oursPeriod();
      const [tw, tc] = await theirsPeriod();
      o.periods.push(ow);
      o.cpuPerStep.push(oc);
      t.periods.push(tw);
      t.cpuPerStep.push(tc);
      log(
        `  sg2 shipped config round ${r + 1}/${rounds}: ours ${ow.toFixed(2)} s (cpu ${oc.toFixed(2)} s/step), ` +
          `NVIDIA ${tw.toFixed(2)} s (cpu ${tc.toFixed(2)} s/step) per ${R1_PERIOD}-step period, load ${loadavg()[0].toFixed(1)}`,
      );
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

/** One table row's worth of text: img/s best (median), CPU s/step, ratios. */
export function formatSg2Race(r: Sg2RaceResult): string {
  const imgs = r.batch * R1_PERIOD;
  const best = (p: PeriodStats) => imgs / Math.min(...p.periods);
  const med = (p: PeriodStats) => imgs / median(p.periods);
  const cpu = (p: PeriodStats) => Math.min(...p.cpuPerStep);
  return (
    `StyleGAN2 shipped config (batch ${r.batch}, R1/16, mixing 0.9), per ${R1_PERIOD}-step period, ` +
    `best of ${r.ours.periods.length} interleaved rounds, load ${r.loadBefore.toFixed(1)} -> ${r.loadAfter.toFixed(1)}:\n` +
    `  latentlab ${best(r.ours).toFixed(1)} img/s (median ${med(r.ours).toFixed(1)}), ${cpu(r.ours).toFixed(2)} CPU s/step\n` +
    `  NVIDIA (torch ${r.torch}) ${best(r.theirs).toFixed(1)} img/s (median ${med(r.theirs).toFixed(1)}), ${cpu(r.theirs).toFixed(2)} CPU s/step\n` +
    `  ratio ${(best(r.ours) / best(r.theirs)).toFixed(2)}x (medians ${(med(r.ours) / med(r.theirs)).toFixed(2)}x, ` +
    `CPU seconds ${(cpu(r.theirs) / cpu(r.ours)).toFixed(2)}x)`
  );
}
