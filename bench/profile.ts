/**
 * Per-op time with ORT's profiler. Our runtime does not expose profiling, so this opens a bench-local
 * onnxruntime-node session on the Executable's model bytes with the same options the runtime uses
 * (cpu, sequential, level 'all', intra-op threads) plus enableProfiling, runs it, and sums the
 * `*_kernel_time` events per node and per op type.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../src/core/tensor.js';
import { toOnnx } from '../src/runtime/compile.js';
import type { ProgramCase } from './engine.js';
import { table } from './harness.js';

export interface OpTime {
  /** op type (as ORT ran it: fused and NCHWc kernels show under their own names) */
  op: string;
  nodes: number;
  /** µs per run */
  us: number;
  share: number;
}

export interface Profile {
  runs: number;
  /** µs per run, sum of kernel times */
  kernelUs: number;
  byOp: OpTime[];
  /** the slowest nodes: name, op, µs per run */
  topNodes: { node: string; op: string; us: number }[];
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

function toOrt(feeds: Record<string, Tensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds))
    out[k] = new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape as number[]);
  return out;
}

/** Profiles the model bytes: `warmup` unprofiled-equivalent runs are dropped, then `runs` are summed. */
export async function profileModel(
  model: Uint8Array,
  feeds: Record<string, Tensor>,
  threads: number,
  runs = 5,
  warmup = 2,
): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'latentlab-ortprof-'));
  try {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ortprofile'),
    });
    const f = toOrt(feeds);
    for (let i = 0; i < warmup + runs; i++) await session.run(f);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((n) => n.endsWith('.json'));
    if (!file) throw new Error('ORT wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TraceEvent[];
    // Each run's kernel events come in node order; keep only the last `runs` runs.
    const kernels = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'));
    const perRun = kernels.length / (warmup + runs);
    const kept = kernels.slice(Math.round(perRun * warmup));
    const byOp = new Map<string, { us: number; nodes: Set<string> }>();
    const byNode = new Map<string, { op: string; us: number }>();
    for (const e of kept) {
      const op = e.args?.op_name ?? '?';
      const node = e.name!.replace(/_kernel_time$/, '');
      const o = byOp.get(op) ?? { us: 0, nodes: new Set<string>() };
      o.us += e.dur ?? 0;
      o.nodes.add(node);
      byOp.set(op, o);
      const n = byNode.get(node) ?? { op, us: 0 };
      n.us += e.dur ?? 0;
      byNode.set(node, n);
    }
    const total = [...byOp.values()].reduce((a, o) => a + o.us, 0) / runs;
    return {
      runs,
      kernelUs: total,
      byOp: [...byOp.entries()]
        .map(([op, o]) => ({ op, nodes: o.nodes.size, us: o.us / runs, share: o.us / runs / total }))
        .sort((a, b) => b.us - a.us),
      topNodes: [...byNode.entries()]
        .map(([node, n]) => ({ node, op: n.op, us: n.us / runs }))
        .sort((a, b) => b.us - a.us)
        .slice(0, 12),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function profileProgram(c: ProgramCase, threads: number, runs = 5): Promise<Profile> {
  return profileModel(toOnnx(c.build()).bytes, c.feeds(), threads, runs);
}

export function formatProfile(name: string, p: Profile): string {
  const rows = p.byOp.map((o) => [
    o.op,
    String(o.nodes),
    (o.us / 1000).toFixed(2),
    `${(o.share * 100).toFixed(1)}%`,
  ]);
  const nodes = p.topNodes.map((n) => [n.node, n.op, (n.us / 1000).toFixed(2)]);
  return (
    `profile ${name}: kernels ${(p.kernelUs / 1000).toFixed(2)} ms/run (${p.runs} runs)\n` +
    `${table(['op', 'nodes', 'ms/run', 'share'], rows)}\n` +
    `${table(['slowest nodes', 'op', 'ms/run'], nodes)}`
  );
}
