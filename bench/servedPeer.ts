/**
 * Races one of our programs against a PyTorch peer kept in a long-lived python child that answers timing
 * requests on stdin (bench/peer/sg3_torch.py --serve, bench/peer/sg2_gen1024.py --serve): it prints one
 * JSON line `{ready, torch, threads}`, then for each line `CASE REPS` one JSON line `{seconds: [...],
 * cpu: [...]}` (wall and process-CPU seconds per call); `drop` frees its cached inputs.
 *
 * Each round times `reps` calls of ours and then `reps` calls of theirs, so both see the same load. Reported:
 * best and median wall time per call on each side, their ratio, the ratio of the best CPU seconds per call
 * (process CPU time, all threads: on a loaded machine the figure least moved by other processes) and the
 * 1-minute load average before and after.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';

export interface ServedPeer {
  /** The peer's first line (torch version, threads). */
  hello: Record<string, unknown>;
  ask(line: string): Promise<Record<string, unknown>>;
  close(): void;
}

export async function startServedPeer(python: string, args: readonly string[]): Promise<ServedPeer> {
  const child = spawn(python, [...args, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the torch peer (${args[0]}) exited`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const hello = await next();
  return {
    hello,
    ask: async (line) => {
      child.stdin.write(`${line}\n`);
      const answer = await next();
      if (typeof answer.error === 'string') throw new Error(`torch peer: ${answer.error}`);
      return answer;
    },
    close: () => child.stdin.end(),
  };
}

export interface RaceResult {
  ours: number[];
  theirs: number[];
  oursCpu: number[];
  theirsCpu: number[];
  load: [number, number];
}

const median = (xs: readonly number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** Interleaved rounds of `ours()` and the peer's `peerCase`; one warm-up call each first. */
export async function raceRounds(
  ours: () => Promise<unknown>,
  peer: ServedPeer,
  peerCase: string,
  opts: { rounds: number; reps: number; onRound?: (line: string) => void },
): Promise<RaceResult> {
  await ours();
  await peer.ask(`${peerCase} 1`);
  const r: RaceResult = { ours: [], theirs: [], oursCpu: [], theirsCpu: [], load: [loadavg()[0], 0] };
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < opts.reps; i++) {
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      await ours();
      r.ours.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      r.oursCpu.push((c.user + c.system) / 1e6);
    }
    const answer = await peer.ask(`${peerCase} ${opts.reps}`);
    r.theirs.push(...(answer.seconds as number[]));
    r.theirsCpu.push(...(answer.cpu as number[]));
    opts.onRound?.(
      `round ${round + 1}: ours ${r.ours.at(-1)!.toFixed(2)} s (cpu ${r.oursCpu.at(-1)!.toFixed(2)} s), ` +
        `NVIDIA ${r.theirs.at(-1)!.toFixed(2)} s (cpu ${r.theirsCpu.at(-1)!.toFixed(2)} s), load ${loadavg()[0].toFixed(1)}`,
    );
  }
  r.load[1] = loadavg()[0];
  return r;
}

/** One line: best/median of each side, speed ratio (best and medians), CPU-seconds ratio, load. */
export function formatRace(name: string, itemsPerCall: number, r: RaceResult): string {
  const [bo, bt] = [Math.min(...r.ours), Math.min(...r.theirs)];
  return (
    `${name.padEnd(17)} ours best ${bo.toFixed(2)} s (${(itemsPerCall / bo).toFixed(3)}/s) median ${median(r.ours).toFixed(2)} s | ` +
    `NVIDIA best ${bt.toFixed(2)} s (${(itemsPerCall / bt).toFixed(3)}/s) median ${median(r.theirs).toFixed(2)} s | ` +
    `ours/NVIDIA speed ${(bt / bo).toFixed(2)}x (medians ${(median(r.theirs) / median(r.ours)).toFixed(2)}x, ` +
    `CPU seconds ${(Math.min(...r.theirsCpu) / Math.min(...r.oursCpu)).toFixed(2)}x) | load ${r.load[0].toFixed(1)} -> ${r.load[1].toFixed(1)}`
  );
}
