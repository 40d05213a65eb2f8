import { createHash } from 'node:crypto';
import type { DType } from '../core/dtype.js';
import { DTypeError, GraphError, ShapeError } from '../core/errors.js';
import { formatShape, sameShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { type InputSpec, type Program, type TraceResult, trace } from '../graph/program.js';
import type { Value } from '../graph/value.js';
import { dumpText, lower, serialize, serializeParts } from '../onnx/model.js';
import type { Backend, BackendSession, SessionOptions } from './backend.js';
import { ortNodeBackend } from './ortNode.js';
import { sessionDefaults } from './sessionDefaults.js';

interface Port {
  name: string;
  dtype: DType;
  shape: readonly number[];
}

/**
 * A compiled program: one runtime session plus the names and types of its inputs and outputs.
 * Identical programs share one session; each `compile` call takes a reference and each `release`
 * gives one back, the session closing with the last.
 */
export class Executable {
  /** Holders of this executable (compile calls not yet released). */
  refs = 1;
  /** Called when the last reference is released (removes the cache entry). */
  onClose?: () => void;

  constructor(
    private readonly session: BackendSession,
    readonly inputs: readonly Port[],
    readonly outputs: readonly Port[],
    /** Content hash of the serialised model and its external data (the session cache key). */
    readonly hash: string,
    /**
     * Size of the serialised ONNX model, external data included. The bytes themselves are not kept: the runtime holds its own
     * copy of the weights, and a second one here cost ~120 MB per 1024x1024 StyleGAN2 program.
     */
    readonly modelBytes: number,
  ) {}

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  private check(feeds: Readonly<Record<string, Tensor>>): void {
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((p) => p.name === name)) {
        throw new GraphError(`unknown input '${name}'; the graph's inputs are ${this.inputs.map((p) => `'${p.name}'`).join(', ')}`);
      }
    }
    for (const p of this.inputs) {
      const t = feeds[p.name];
      if (!t) throw new GraphError(`missing input '${p.name}' (${p.dtype}${formatShape(p.shape)})`);
      if (t.dtype !== p.dtype) throw new DTypeError(`input '${p.name}': expected ${p.dtype}, got ${t.dtype}`);
      if (!sameShape(t.shape, p.shape)) {
        throw new ShapeError(`input '${p.name}': expected shape ${formatShape(p.shape)}, got ${formatShape(t.shape)}`);
      }
    }
  }

  /** Runs with inputs by name; returns outputs by name. `into` reuses preallocated output buffers. */
  async runNamed(feeds: Readonly<Record<string, Tensor>>, into?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    this.check(feeds);
    const used: Record<string, Tensor> = {};
    for (const p of this.inputs) used[p.name] = feeds[p.name];
    return this.session.run(used, this.outputNames, into);
  }

  /** Runs with inputs in declaration order; returns outputs in order. */
  async run(...inputs: Tensor[]): Promise<Tensor[]> {
    if (inputs.length !== this.inputs.length) {
      throw new GraphError(`expected ${this.inputs.length} inputs (${this.inputs.map((p) => p.name).join(', ')}), got ${inputs.length}`);
    }
    const feeds: Record<string, Tensor> = {};
    this.inputs.forEach((p, i) => {
      feeds[p.name] = inputs[i];
    });
    const out = await this.runNamed(feeds);
    return this.outputNames.map((n) => out[n]);
  }

  async release(): Promise<void> {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    this.onClose?.();
    await this.session.release();
  }
}

export interface CompileOptions extends SessionOptions {
  backend?: Backend;
  /** Skip the session cache (benchmarks measuring session creation). */
  noCache?: boolean;
}

const cache = new Map<string, Promise<Executable>>();

/** Serialises a program to ONNX bytes plus its text dump (made on first read of `text`). */
export function toOnnx(p: Program): { bytes: Uint8Array; readonly text: string } {
  const g = lower(p.inputs, p.outputs, p.outputNames);
  let text: string | undefined;
  return {
    bytes: serialize(g),
    get text() {
      text ??= dumpText(g);
      return text;
    },
  };
}

/** Compiles a program to a runtime session; identical graphs share one cached session. */
export function compile(p: Program, options: CompileOptions = {}): Promise<Executable> {
  const backend = options.backend ?? ortNodeBackend;
  const defaults = sessionDefaults();
  const resolved = {
    threads: options.threads ?? defaults.threads,
    optimization: options.optimization ?? defaults.optimization,
    spinning: options.spinning ?? defaults.spinning,
    memoryPattern: options.memoryPattern ?? defaults.memoryPattern,
    memoryArena: options.memoryArena ?? defaults.memoryArena,
  } as const;
  const g = lower(p.inputs, p.outputs, p.outputNames);
  // Weights go to the runtime as external data where it takes it: no 100 MB protobuf copy to build.
  const { model, external } = backend.externalData ? serializeParts(g) : { model: serialize(g), external: [] };
  const h = createHash('sha256').update(model);
  for (const f of external) h.update(`${f.path}:${f.data.length}:`).update(f.data);
  const hash = h.digest('hex');
  const modelBytes = external.reduce((n, f) => n + f.data.length, model.length);
  const key = `${backend.name}:${resolved.threads}:${resolved.optimization}:${resolved.spinning}:${resolved.memoryPattern}:${resolved.memoryArena}:${hash}`;
  const hit = options.noCache ? undefined : cache.get(key);
  if (hit) {
    return hit.then((exe) => {
      exe.refs++;
      return exe;
    });
  }
  const made = backend.createSession(model, resolved, external).then((s) => new Executable(s, g.inputs, g.outputs, hash, modelBytes));
  if (!options.noCache) {
    cache.set(key, made);
    made.then(
      (exe) => {
        exe.onClose = () => {
          if (cache.get(key) === made) cache.delete(key);
        };
      },
      () => cache.delete(key),
    );
  }
  return made;
}

/** Traces and compiles in one step. */
export function compileFunction<S extends Record<string, InputSpec>>(
  specs: S,
  fn: (inputs: { [K in keyof S]: Value }) => TraceResult,
  options?: CompileOptions,
): Promise<Executable> {
  return compile(trace(specs, fn), options);
}

/** Releases every cached session (tests, long-lived servers switching models). */
export async function clearSessionCache(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(
    all.map(async (p) => {
      const exe = await p;
      exe.refs = 1;
      await exe.release().catch(() => {});
    }),
  );
}
