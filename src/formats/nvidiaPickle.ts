import { createHash } from 'node:crypto';
import { CheckpointError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { unpickle } from './pickle.js';
import { dictClass } from './pythonGlobals.js';
import {
  type CallContext,
  describeKey,
  describePy,
  type PlainBudget,
  plainBudget,
  spendPlain,
  type GlobalTable,
  type PlainValue,
  PyDict,
  PyObject,
  type PyValue,
  toPlain,
} from './pyValue.js';
import { moduleStateDict, moduleTree } from './stateDict.js';
import { readTorchFile, torchGlobals } from './torch.js';

/**
 * NVIDIA stylegan2-ada-pytorch / stylegan3 snapshots (`network-snapshot-*.pkl`): a dict of
 * networks pickled through `torch_utils.persistence`, i.e. `_reconstruct_persistent_obj(meta)`
 * with `meta = {type, version, module_src, class_name, state}`. We keep `state` (the module's
 * `__dict__`) as data and never look at `module_src` beyond hashing it for provenance.
 */

/** Module name given to persistent objects, whose real module exists only as embedded source. */
export const PERSISTENT_MODULE = '__persistent__';

function reconstructPersistent(args: readonly PyValue[], ctx: CallContext): PyValue {
  const meta = args[0];
  if (!(meta instanceof PyDict)) {
    throw new CheckpointError(
      ctx.file,
      `_reconstruct_persistent_obj: expected a meta dict, got ${describePy(meta)}`,
    );
  }
  const type = meta.get('type');
  const className = meta.get('class_name');
  const src = meta.get('module_src');
  if (type !== 'class')
    throw new CheckpointError(ctx.file, `persistent object of type ${describePy(type)} is not supported`);
  if (typeof className !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,199}$/.test(className))
    throw new CheckpointError(ctx.file, `persistent object with a bad class_name ${describeKey(className)}`);
  const obj = new PyObject(PERSISTENT_MODULE, className);
  const source = typeof src === 'string' ? src : '';
  obj.meta = {
    version: typeof meta.get('version') === 'number' ? (meta.get('version') as number) : -1,
    sourceSha256: createHash('sha256').update(source).digest('hex'),
    sourceChars: source.length,
  };
  const state = meta.get('state');
  if (state !== undefined && state !== null) obj.setState(state);
  return obj;
}

/** Globals an NVIDIA snapshot adds to the torch allow-list. */
export const NVIDIA_GLOBALS: GlobalTable = {
  'torch_utils.persistence._reconstruct_persistent_obj': { call: reconstructPersistent },
  'dnnlib.util.EasyDict': dictClass('dnnlib.util.EasyDict'),
  'dnnlib.EasyDict': dictClass('dnnlib.util.EasyDict'),
};

/** One module of a network: its class, constructor arguments and plain attributes. */
export interface NvidiaModuleInfo {
  /** Dotted path ('' for the network itself, 'synthesis.b8.conv0'...). */
  path: string;
  className: string;
  /** Public attributes of the module's `__dict__` (resolution, architecture, weight_gain...). */
  attrs: Record<string, PlainValue>;
  initArgs: PlainValue[];
  initKwargs: Record<string, PlainValue>;
}

export interface NvidiaNetwork {
  /** 'Generator', 'Discriminator', 'AugmentPipe'... */
  className: string;
  initArgs: PlainValue[];
  initKwargs: Record<string, PlainValue>;
  /** Exactly what `net.state_dict()` returns, in the same order. */
  stateDict: Map<string, Tensor>;
  /** Every module, parents first. */
  modules: NvidiaModuleInfo[];
  /** Persistence format version and a digest of the embedded source (provenance only). */
  source: { version: number; sha256: string; chars: number };
}

export interface NvidiaSnapshot {
  /** Networks by snapshot key (G, D, G_ema, augment_pipe); keys holding None are left out. */
  networks: Map<string, NvidiaNetwork>;
  /** `training_set_kwargs` when present (dataset path, resolution, use_labels...). */
  trainingSetKwargs: PlainValue | undefined;
  /** Other top-level entries, as plain values. */
  extras: Map<string, PlainValue>;
}

function plainRecord(v: PyValue | undefined, budget: PlainBudget): Record<string, PlainValue> {
  const p = v === undefined || v === null ? {} : toPlain(v, budget);
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? p : {};
}

function moduleInfo(path: string, m: PyObject, budget: PlainBudget): NvidiaModuleInfo {
  const attrs: Record<string, PlainValue> = {};
  spendPlain(budget, m.attrs.size); // iterating a shared attribute dict costs each time
  for (const [k, v] of m.attrs) {
    if (typeof k === 'string' && !k.startsWith('_') && k !== 'training')
      Object.defineProperty(attrs, k, { value: toPlain(v, budget), enumerable: true, writable: true, configurable: true });
  }
  const args = m.attrs.get('_init_args');
  return {
    path,
    className: m.name,
    attrs,
    initArgs: Array.isArray(args) ? toPlain(args, budget) as PlainValue[] : [],
    initKwargs: plainRecord(m.attrs.get('_init_kwargs'), budget),
  };
}

/** A network from a persistent module object. */
export function nvidiaNetwork(obj: PyObject, file: string, budget: PlainBudget = plainBudget(file)): NvidiaNetwork {
  const modules = moduleTree(obj, file).map(({ path, module }) => moduleInfo(path, module, budget));
  const root = modules[0];
  return {
    className: obj.name,
    initArgs: root.initArgs,
    initKwargs: root.initKwargs,
    stateDict: moduleStateDict(obj, file),
    modules,
    source: {
      version: Number(obj.meta.version ?? -1),
      sha256: String(obj.meta.sourceSha256 ?? ''),
      chars: Number(obj.meta.sourceChars ?? 0),
    },
  };
}

export interface NvidiaReadOptions {
  /** Name used in errors. */
  file?: string;
  /** Extra allow-listed globals. */
  globals?: GlobalTable;
}

/** Reads an NVIDIA network snapshot pickle into networks with flat state dicts. */
export function readNvidiaPickle(data: Uint8Array, options: NvidiaReadOptions = {}): NvidiaSnapshot {
  const file = options.file ?? '<nvidia pkl>';
  const value = readSnapshotValue(data, file, options.globals);
  if (!(value instanceof PyDict))
    throw new CheckpointError(file, `expected a snapshot dict, got ${describePy(value)}`);
  const networks = new Map<string, NvidiaNetwork>();
  const extras = new Map<string, PlainValue>();
  let trainingSetKwargs: PlainValue | undefined;
  const budget = plainBudget(file);
  for (const [k, v] of value) {
    const key = typeof k === 'string' ? k : describeKey(k);
    if (v instanceof PyObject && v.module === PERSISTENT_MODULE) networks.set(key, nvidiaNetwork(v, file, budget));
    else if (key === 'training_set_kwargs') trainingSetKwargs = toPlain(v, budget);
    else if (v !== null) extras.set(key, toPlain(v, budget));
  }
  if (networks.size === 0)
    throw new CheckpointError(file, 'no persistent networks (G, D, G_ema) in the pickle');
  return { networks, trainingSetKwargs, extras };
}

/** The pickle itself, or a torch zip holding one, read with the torch + NVIDIA allow-list. */
function readSnapshotValue(data: Uint8Array, file: string, extra: GlobalTable = {}): PyValue {
  const globals = { ...NVIDIA_GLOBALS, ...extra };
  if (data.length >= 2 && data[0] === 0x50 && data[1] === 0x4b) return readTorchFile(data, { file, globals });
  return unpickle(data, { file, globals: torchGlobals(globals) }).value;
}

/** Which NVIDIA generator a network is, from its module class names (networks_stylegan2 / _stylegan3). */
export interface NvidiaFamily {
  family: 'stylegan2' | 'stylegan3' | 'other';
  /** StyleGAN3's config: 'r' (rotation-equivariant, radial 1x1 filters) or 't' (translation). */
  config?: 'r' | 't';
}

/**
 * StyleGAN3 generators have a `SynthesisInput` (Fourier features) and no `SynthesisBlock`;
 * StyleGAN2(-ADA) ones have `SynthesisBlock`s. Discriminators and other networks are 'other'.
 */
export function nvidiaFamily(net: NvidiaNetwork): NvidiaFamily {
  const names = new Set(net.modules.map((m) => m.className));
  if (names.has('SynthesisInput') && !names.has('SynthesisBlock')) {
    // stylegan3-r: train.py passes conv_kernel=1, use_radial_filters=True to the Generator.
    const radial =
      net.initKwargs.use_radial_filters === true ||
      net.modules.some((m) => m.className === 'SynthesisLayer' && !m.attrs.is_torgb && m.attrs.conv_kernel === 1);
    return { family: 'stylegan3', config: radial ? 'r' : 't' };
  }
  return { family: names.has('SynthesisBlock') ? 'stylegan2' : 'other' };
}
