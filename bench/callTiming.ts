/** Per-call timing for the interleaved A/B benches: wall and process CPU milliseconds of each call. */
import type { Tensor } from '../src/core/tensor.js';

export interface Timing {
  wall: number[];
  cpu: number[];
}

export async function timeCall(fn: () => Promise<unknown>, t: Timing, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const [t0, c0] = [performance.now(), process.cpuUsage()];
    await fn();
    t.wall.push(performance.now() - t0);
    const u = process.cpuUsage(c0);
    t.cpu.push((u.user + u.system) / 1000);
  }
}

/** Worst over a's outputs of max |a − b| / max |a| (the plain max |a − b| where a is all zeros). */
export function maxRelDiff(a: Record<string, Tensor>, b: Record<string, Tensor>): number {
  let worst = 0;
  for (const k of Object.keys(a)) {
    const [x, y] = [a[k].data as Float32Array, b[k].data as Float32Array];
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < x.length; i++) {
      scale = Math.max(scale, Math.abs(x[i]));
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
    }
    worst = Math.max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}
