import { BYTES_PER_ELEMENT, type DType, ONNX_DTYPE } from '../core/dtype.js';
import { GraphError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { OnnxAttr, OnnxEmitter } from '../graph/emitter.js';
import { formatNumber } from '../graph/printer.js';
import { opDef } from '../graph/registry.js';
import { topoSort } from '../graph/topo.js';
import type { Value } from '../graph/value.js';
import { canFold, Folder } from './fold.js';
import { ProtoWriter } from './protoWriter.js';

export const OPSET = 18;
export const IR_VERSION = 8;

interface NodeRecord {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: Record<string, OnnxAttr>;
}

interface Initializer {
  name: string;
  tensor: Tensor;
}

/** A lowered graph: nodes, initializers and the typed graph inputs/outputs, ready to serialise. */
export interface OnnxGraph {
  nodes: NodeRecord[];
  initializers: Initializer[];
  inputs: { name: string; dtype: DType; shape: readonly number[] }[];
  outputs: { name: string; dtype: DType; shape: readonly number[] }[];
}

class Lowering implements OnnxEmitter {
  readonly nodes: NodeRecord[] = [];
  readonly initializers: Initializer[] = [];
  private readonly byKey = new Map<string, string>();
  /** Every name in the graph: user names (inputs, outputs, named constants) and generated ones. */
  private readonly taken = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** Claims a user-chosen name; graph inputs and outputs must be unique. */
  reserve(name: string, what: string): void {
    if (this.taken.has(name)) throw new GraphError(`${what} name '${name}' is used twice`);
    this.taken.add(name);
  }

  /** A generated name (`v3`, `k0`, ...) that no user name can collide with. */
  fresh(prefix: string): string {
    let i = this.counters.get(prefix) ?? 0;
    while (this.taken.has(`${prefix}${i}`)) i++;
    this.counters.set(prefix, i + 1);
    const name = `${prefix}${i}`;
    this.taken.add(name);
    return name;
  }

  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, OnnxAttr> = {}): void {
    this.nodes.push({ opType, inputs, outputs, attrs });
  }

  temp(): string {
    return this.fresh('t');
  }

  private init(key: string, make: () => Tensor, name?: string): string {
    let n = this.byKey.get(key);
    if (!n) {
      n = name && !this.taken.has(name) ? name : this.fresh(name ? `${name}_` : 'k');
      this.taken.add(n);
      this.initializers.push({ name: n, tensor: make() });
      this.byKey.set(key, n);
    }
    return n;
  }

  int64s(values: readonly number[]): string {
    return this.init(`i64:${values.join(',')}`, () => Tensor.int64([values.length], values));
  }

  scalar(value: number, dtype: DType): string {
    return this.init(`c:${dtype}:[]:${Object.is(value, -0) ? '-0' : value}`, () => {
      const t = Tensor.zeros(dtype, []);
      (t.data as unknown as (number | bigint)[])[0] = dtype === 'int64' ? BigInt(value) : value;
      return t;
    });
  }

  private tensorIds = new WeakMap<Tensor, number>();
  private nextTensorId = 0;

  /** The key constants are shared by: content for small unnamed ones, identity for the rest. */
  tensorKey(t: Tensor, name?: string): string {
    // Small constants (scalars, shapes) are shared by content; large ones by identity.
    if (t.size <= 16 && !name) {
      const values = Array.from(t.data as ArrayLike<number | bigint>, (x) => (Object.is(x, -0) ? '-0' : String(x)));
      return `c:${t.dtype}:[${t.shape.join(',')}]:${values.join(',')}`;
    }
    let id = this.tensorIds.get(t);
    if (id === undefined) {
      id = this.nextTensorId++;
      this.tensorIds.set(t, id);
    }
    return `t:${id}`;
  }

  tensor(t: Tensor, name?: string): string {
    const key = this.tensorKey(t, name);
    return this.init(key, () => t, key.startsWith('c:') ? undefined : name);
  }
}

/**
 * Lowers the values reachable from `outputs` to ONNX nodes. Identical op applications (same op,
 * inputs and attributes) are emitted once; constants become initializers (so ORT can pre-pack them).
 * Ops that depend on constants only are folded here (see fold.ts): their results become initializers,
 * and a constant consumed only by folded ops is not emitted at all. `fold: false` keeps every op as a
 * node (tests compare the two).
 * Input and output names are the user's; every other name is generated around them.
 */
export function lower(
  inputs: readonly Value[],
  outputs: readonly Value[],
  outputNames: readonly string[],
  { fold = true }: { fold?: boolean } = {},
): OnnxGraph {
  if (outputNames.length !== outputs.length) {
    throw new GraphError(`lower: ${outputs.length} outputs but ${outputNames.length} output names`);
  }
  const e = new Lowering();
  const names = new Map<number, string>();
  const cse = new Map<string, string>();
  const inputIds = new Set(inputs.map((v) => v.id));
  /** Structural keys of constant and folded values (by value id); a value here is not emitted yet. */
  const constKeys = new Map<number, string>();
  const folder = new Folder((v) => constKeys.get(v.id)!);
  /** Initializer names by structural key (one initializer per distinct constant or fold). */
  const emitted = new Map<string, string>();
  /** Emits a constant or folded value as an initializer on first use by an emitted node. */
  const nameOf = (v: Value): string => {
    let n = names.get(v.id);
    if (n !== undefined) return n;
    const key = constKeys.get(v.id)!;
    n = emitted.get(key);
    if (n === undefined) {
      const s = v.source;
      n = s.kind === 'constant' ? e.tensor(s.tensor, s.name) : e.tensor(folder.value(v));
      emitted.set(key, n);
    }
    names.set(v.id, n);
    return n;
  };
  for (const v of inputs) {
    if (v.source.kind !== 'input') throw new GraphError(`graph input ${v} is not an input value`);
    e.reserve(v.source.name, 'graph input');
    names.set(v.id, v.source.name);
  }
  for (const name of outputNames) e.reserve(name, 'graph output');
  for (const v of topoSort(outputs)) {
    const s = v.source;
    if (s.kind === 'input') {
      if (!inputIds.has(v.id)) throw new GraphError(`graph uses input '${s.name}' ${v} that is not among the declared inputs`);
      continue;
    }
    if (s.kind === 'constant') {
      constKeys.set(v.id, `const(${e.tensorKey(s.tensor, s.name)})`);
      continue;
    }
    if (fold && s.inputs.every((i) => constKeys.has(i.id)) && canFold(v)) {
      constKeys.set(v.id, `${s.op}(${s.inputs.map((i) => constKeys.get(i.id)).join(',')})${JSON.stringify(s.attrs)}`);
      continue;
    }
    const ins = s.inputs.map(nameOf);
    const key = `${s.op}(${ins.join(',')})${JSON.stringify(s.attrs)}`;
    const seen = cse.get(key);
    if (seen) {
      names.set(v.id, seen);
      continue;
    }
    const out = e.fresh('v');
    opDef(s.op).toOnnx(e, ins, out, s.attrs as never, v);
    names.set(v.id, out);
    cse.set(key, out);
  }
  const graphOutputs = outputs.map((v, i) => {
    const name = outputNames[i];
    e.node('Identity', [nameOf(v)], [name]);
    return { name, dtype: v.dtype, shape: v.shape };
  });
  const graphInputs = inputs.map((v) => ({ name: names.get(v.id)!, dtype: v.dtype, shape: v.shape }));
  return { nodes: e.nodes, initializers: e.initializers, inputs: graphInputs, outputs: graphOutputs };
}

function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, t.size * BYTES_PER_ELEMENT[t.dtype]);
}

function writeValueInfo(w: ProtoWriter, v: { name: string; dtype: DType; shape: readonly number[] }): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.varint(1, ONNX_DTYPE[v.dtype]);
      tt.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => dim.varint(1, d));
      });
    }),
  );
}

function writeAttr(w: ProtoWriter, name: string, a: OnnxAttr): void {
  w.string(1, name);
  if ('i' in a) w.varint(3, a.i).varint(20, 2);
  else if ('f' in a) w.float(2, a.f).varint(20, 1);
  else if ('s' in a) w.bytes(4, new TextEncoder().encode(a.s)).varint(20, 3);
  else if ('ints' in a) {
    for (const x of a.ints) w.varint(8, x);
    w.varint(20, 7);
  } else {
    for (const x of a.floats) w.float(7, x);
    w.varint(20, 6);
  }
}

/** One in-memory "file" of external initializer data (ONNX external data, here one per initializer). */
export interface ExternalFile {
  path: string;
  data: Uint8Array;
}

/** A serialised model whose large initializers live outside the protobuf, referenced in place. */
export interface ModelParts {
  model: Uint8Array;
  external: ExternalFile[];
}

/** Initializers at least this large go external in `serializeParts` (smaller ones stay inline). */
export const EXTERNAL_MIN_BYTES = 4096;

function writeModel(g: OnnxGraph, graphName: string, external: ExternalFile[] | null): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, IR_VERSION);
  w.string(2, 'latentlab');
  w.message(7, (graph) => {
    for (const n of g.nodes) {
      graph.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(4, n.opType);
        for (const [k, a] of Object.entries(n.attrs)) node.message(5, (attr) => writeAttr(attr, k, a));
      });
    }
    graph.string(2, graphName);
    for (const { name, tensor } of g.initializers) {
      graph.message(5, (t) => {
        for (const d of tensor.shape) t.varint(1, d);
        t.varint(2, ONNX_DTYPE[tensor.dtype]);
        t.string(8, name);
        const data = tensorBytes(tensor);
        if (external && data.length >= EXTERNAL_MIN_BYTES) {
          // TensorProto.external_data (13) + data_location = EXTERNAL (14): the bytes stay where they are
          const path = `x${external.length}.bin`;
          external.push({ path, data });
          t.message(13, (e) => e.string(1, 'location').string(2, path));
          t.message(13, (e) => e.string(1, 'offset').string(2, '0'));
          t.message(13, (e) => e.string(1, 'length').string(2, String(data.length)));
          t.varint(14, 1);
        } else {
          t.bytes(9, data);
        }
      });
    }
    for (const v of g.inputs) graph.message(11, (vi) => writeValueInfo(vi, v));
    for (const v of g.outputs) graph.message(12, (vi) => writeValueInfo(vi, v));
  });
  w.message(8, (opset) => opset.string(1, '').varint(2, OPSET));
  return w.finish();
}

/** Serialises a lowered graph to ModelProto bytes (IR 8, opset 18), every initializer inline. */
export function serialize(g: OnnxGraph, graphName = 'latentlab'): Uint8Array {
  return writeModel(g, graphName, null);
}

/**
 * Serialises with every initializer of EXTERNAL_MIN_BYTES or more as external data: the protobuf holds
 * the graph and small constants (kilobytes), the files are views of the tensors' own memory. A runtime
 * that takes in-memory external data (onnxruntime-node's `externalData`) then reads each weight from
 * where it already is, instead of from a fresh 100 MB copy (a 256x256 StyleGAN2: ~25k page faults).
 */
export function serializeParts(g: OnnxGraph, graphName = 'latentlab'): ModelParts {
  const external: ExternalFile[] = [];
  const model = writeModel(g, graphName, external);
  return { model, external };
}

function attrToText(a: OnnxAttr): string {
  if ('i' in a) return String(a.i);
  if ('f' in a) return formatNumber(Math.fround(a.f), 'float32');
  if ('s' in a) return JSON.stringify(a.s);
  return `[${('ints' in a ? a.ints : a.floats).join(',')}]`;
}

/** A stable, diff-friendly text dump (golden files are text, never bytes). */
export function dumpText(g: OnnxGraph): string {
  const shape = (s: readonly number[]) => `[${s.join(',')}]`;
  const lines: string[] = [`opset ${OPSET}`];
  for (const v of g.inputs) lines.push(`input ${v.name}: ${v.dtype}${shape(v.shape)}`);
  for (const { name, tensor } of g.initializers) {
    // Only small tensors are previewed: formatting every weight of a 1024x1024 model took minutes.
    const preview = tensor.size <= 8 ? ` = ${Array.from(tensor.data as ArrayLike<number | bigint>, (x) => formatNumber(x, tensor.dtype)).join(',')}` : '';
    lines.push(`init ${name}: ${tensor.dtype}${shape(tensor.shape)}${preview}`);
  }
  for (const n of g.nodes) {
    const attrs = Object.entries(n.attrs).map(([k, a]) => `${k}=${attrToText(a)}`);
    lines.push(`${n.outputs.join(', ')} = ${n.opType}(${n.inputs.join(', ')})${attrs.length ? ` {${attrs.join(', ')}}` : ''}`);
  }
  for (const v of g.outputs) lines.push(`output ${v.name}: ${v.dtype}${shape(v.shape)}`);
  return lines.join('\n');
}
