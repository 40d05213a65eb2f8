// The runtime Backend (src/runtime/backend.ts) on onnxruntime-web, for pages: the studio's browser mode and the
// static explorer. ORT is loaded at run time as an ES module from a local folder (`ort/` beside the page: the
// studio serves it from node_modules/onnxruntime-web/dist, `latentlab export --web` copies it), so nothing is
// fetched from another origin and Vite never bundles ORT's 14-27 MB of wasm.
import type * as Ort from 'onnxruntime-web';
import type { Backend, BackendSession, SessionOptions } from '../../../../runtime/backend.js';
import { Tensor } from '../../../../core/tensor.js';
import type { DType } from '../../../../core/dtype.js';

export type WebDevice = 'webgpu' | 'wasm';

export interface WebRuntimeOptions {
  /** Folder URL holding ort.wasm.min.mjs, ort.webgpu.min.mjs and their wasm files (default `ort/` beside the page). */
  ortBase?: string;
  /** 'auto' (default): WebGPU when the browser has an adapter and the files are there, else wasm. */
  device?: WebDevice | 'auto';
}

export interface WebRuntime {
  backend: Backend;
  device: WebDevice;
  /** wasm threads (more than 1 only when the page is cross-origin isolated: COOP + COEP headers). */
  threads: number;
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

const ORT_TYPES: Partial<Record<DType, Ort.Tensor.Type>> = { float32: 'float32', float16: 'float16', int64: 'int64', int32: 'int32', uint8: 'uint8', bool: 'bool' };

class WebSession implements BackendSession {
  constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
  ) {}

  async run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const type = ORT_TYPES[t.dtype];
      if (!type) throw new Error(`onnxruntime-web: cannot feed ${t.dtype} input '${name}'`);
      ortFeeds[name] = new this.ort.Tensor(type, t.data as never, [...t.shape]);
    }
    const result = await this.session.run(ortFeeds, outputNames as string[]);
    const out: Record<string, Tensor> = {};
    for (const name of outputNames) {
      const r = result[name];
      // WebGPU outputs may live on the GPU: getData() downloads them (wasm outputs are already CPU arrays)
      const data = r.location === 'cpu' ? r.data : await r.getData(true);
      out[name] = new Tensor(r.type as DType, r.dims, data as never);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Loads onnxruntime-web from `ortBase` and picks the device; one runtime per page is enough. */
export async function loadWebRuntime(opts: WebRuntimeOptions = {}): Promise<WebRuntime> {
  const base = new URL(opts.ortBase ?? 'ort/', document.baseURI).href;
  const wanted = opts.device ?? 'auto';
  let device: WebDevice = wanted === 'auto' ? ((await hasWebGpu()) ? 'webgpu' : 'wasm') : wanted;
  let ort: typeof Ort;
  try {
    ort = (await import(/* @vite-ignore */ `${base}${device === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs'}`)) as typeof Ort;
  } catch (err) {
    if (device !== 'webgpu' || wanted === 'webgpu') throw err;
    device = 'wasm'; // an export made with --no-webgpu has only the wasm build
    ort = (await import(/* @vite-ignore */ `${base}ort.wasm.min.mjs`)) as typeof Ort;
  }
  const threads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.wasmPaths = base;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const backend: Backend = {
    name: `onnxruntime-web/${device}`,
    async createSession(model: Uint8Array, options: Required<SessionOptions>) {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [device],
        graphOptimizationLevel: options.optimization,
        enableMemPattern: options.memoryPattern,
      });
      return new WebSession(ort, session);
    },
  };
  return { backend, device, threads };
}
