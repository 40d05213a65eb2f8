import * as ort from 'onnxruntime-node';
import type { DType } from '../core/dtype.js';
import { RuntimeFailure } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { Backend, BackendSession, SessionOptions } from './backend.js';

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};

function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new RuntimeFailure(`cannot feed ${t.dtype} tensors to ONNX Runtime`);
  return new ort.Tensor(type, t.data as never, t.shape as number[]);
}

function fromOrt(t: ort.Tensor): Tensor {
  const dtype = (t.type === 'bool' ? 'bool' : t.type) as DType;
  return new Tensor(dtype, t.dims, t.data as never);
}

class OrtSession implements BackendSession {
  constructor(private readonly session: ort.InferenceSession) {}

  async run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[], into?: Readonly<Record<string, Tensor>>) {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
    let fetches: ort.InferenceSession.FetchesType = outputNames as string[];
    if (into) {
      const f: Record<string, ort.Tensor | null> = {};
      for (const name of outputNames) f[name] = into[name] ? toOrt(into[name]) : null;
      fetches = f as ort.InferenceSession.FetchesType;
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run(ortFeeds, fetches);
    } catch (err) {
      throw new RuntimeFailure(`ONNX Runtime run failed: ${(err as Error).message}`);
    }
    const out: Record<string, Tensor> = {};
    for (const name of outputNames) out[name] = into?.[name] ?? fromOrt(result[name]);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export const ortNodeBackend: Backend = {
  name: 'onnxruntime-node',
  externalData: true,
  async createSession(model, { threads, optimization, spinning, memoryPattern, memoryArena }, external) {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['cpu'],
        enableMemPattern: memoryPattern,
        enableCpuMemArena: memoryArena,
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: optimization,
        executionMode: 'sequential',
        extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' }, inter_op: { allow_spinning: spinning ? '1' : '0' } } },
        // ORT copies these during creation (AddExternalInitializersFromFilesInMemory); not kept after
        ...(external?.length ? { externalData: external.map((f) => ({ path: f.path, data: f.data })) } : {}),
      });
      return new OrtSession(session);
    } catch (err) {
      throw new RuntimeFailure(`ONNX Runtime rejected the model: ${(err as Error).message}`);
    }
  },
};

export type { SessionOptions };
