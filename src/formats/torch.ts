import { CheckpointError } from '../core/errors.js';
import { ReadBudget } from './budget.js';
import { NUMPY_GLOBALS } from './numpyPickle.js';
import { unpickle } from './pickle.js';
import { skipPickle } from './pickleOps.js';
import { PYTHON_GLOBALS } from './pythonGlobals.js';
import {
  type CallContext,
  describeKey,
  describePy,
  type GlobalTable,
  isTuple,
  PyDict,
  type PyValue,
} from './pyValue.js';
import { type ByteSource, memorySource, toSource } from './byteSource.js';
import { RAW_ITEMSIZE } from './rawTensor.js';
import { LAZY_TORCH_GLOBALS, storageKind, TORCH_GLOBALS, TorchStorage } from './torchTensors.js';
import { readZip, type ZipArchive } from './zip.js';

/**
 * torch.save files: the zip format (torch ≥ 1.6: `<name>/data.pkl` + `<name>/data/<key>`) and
 * the legacy stream (magic number, protocol, sys_info, pickle, storage keys, raw storages) that
 * older torch wrote and that NVIDIA pickles embed for every storage (`_load_from_bytes`).
 */

export interface TorchReadOptions {
  /** Name used in errors (default '<torch>'). */
  file?: string;
  /** Globals allowed on top of the Python, numpy and torch ones. */
  globals?: GlobalTable;
  /** Nesting inside other checkpoints (set by `_load_from_bytes`). */
  depth?: number;
  /** Budget for tensor bytes and copying work (default: derived from this file's size, see budget.ts). */
  budget?: ReadBudget;
  /**
   * Rebuild tensors as TensorRefs, copied out only when a caller takes them (`asTensor`); stored zip
   * records are then read from the source range by range, so a file source keeps nothing resident
   * that is not asked for. Checks and budget charges are the same as for eager reads.
   */
  lazyTensors?: boolean;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** Embedded checkpoints (storages inside NVIDIA pickles) nest one level; allow a little more. */
const MAX_EMBED_DEPTH = 4;
const KEY_RE = /^[A-Za-z0-9_.-]{1,200}$/;

/** Storage keys name zip records; anything path-like could address another record. */
function checkKey(file: string, key: PyValue): asserts key is string {
  if (typeof key !== 'string' || !KEY_RE.test(key) || key.includes('..')) {
    throw new CheckpointError(
      file,
      `bad storage key ${typeof key === 'string' ? JSON.stringify(key.slice(0, 80)) : describePy(key)}`,
    );
  }
}

/** The allow-list torch checkpoints are read with: Python containers, numpy, torch, embedded storages. */
export function torchGlobals(extra: GlobalTable = {}, lazy = false): GlobalTable {
  const table: GlobalTable = {
    ...PYTHON_GLOBALS,
    ...NUMPY_GLOBALS,
    ...(lazy ? LAZY_TORCH_GLOBALS : TORCH_GLOBALS),
    'torch.storage._load_from_bytes': {
      call: (args, ctx) => loadFromBytes(args[0], ctx, table, lazy),
    },
    ...extra,
  };
  return table;
}

function loadFromBytes(b: PyValue | undefined, ctx: CallContext, globals: GlobalTable, lazy: boolean): PyValue {
  if (!(b instanceof Uint8Array)) {
    throw new CheckpointError(
      ctx.file,
      `torch.storage._load_from_bytes: expected bytes, got ${describePy(b)}`,
    );
  }
  if (ctx.depth >= MAX_EMBED_DEPTH) {
    throw new CheckpointError(ctx.file, `embedded torch.save streams nest deeper than ${MAX_EMBED_DEPTH}`);
  }
  const budget = ctx.budget ?? new ReadBudget(ctx.file, b.length);
  return readTorchWith(memorySource(b), ctx.file, globals, ctx.depth + 1, budget, lazy);
}

/**
 * Reads a torch.save file (zip or legacy; bytes or a file source) into plain data with tensors: a
 * state dict comes back as a PyDict of Tensors (TensorRefs with `lazyTensors`), a checkpoint dict
 * as nested PyDicts. A file source must stay open while lazy tensors are loaded.
 */
export function readTorchFile(data: Uint8Array | ByteSource, options: TorchReadOptions = {}): PyValue {
  const file = options.file ?? '<torch>';
  const src = toSource(data);
  const budget = options.budget ?? new ReadBudget(file, src.size);
  const lazy = options.lazyTensors ?? false;
  return readTorchWith(src, file, torchGlobals(options.globals, lazy), options.depth ?? 0, budget, lazy);
}

function readTorchWith(
  src: ByteSource,
  file: string,
  globals: GlobalTable,
  depth: number,
  budget: ReadBudget,
  lazy: boolean,
): PyValue {
  const head = src.read(0, Math.min(src.size, 262));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b)
    return readTorchZip(src, file, globals, depth, budget, lazy);
  // The legacy stream is one pickle followed by its storages: it is read in memory.
  if (head.length > 2 && head[0] === 0x80 && head[2] === 0x8a)
    return readTorchLegacy(src.whole ?? src.read(0, src.size), file, globals, depth, budget);
  if (src.size > 262 && new TextDecoder().decode(src.read(257, 5)) === 'ustar') {
    throw new CheckpointError(file, 'the tar-based torch format (torch < 0.4) is not supported');
  }
  throw new CheckpointError(
    file,
    'not a torch checkpoint: neither a zip archive nor a legacy torch.save stream',
  );
}

function findPickle(zip: ZipArchive, file: string): { prefix: string; name: string } {
  const found = zip.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl');
  if (found.length !== 1) {
    throw new CheckpointError(
      file,
      found.length === 0
        ? 'zip archive has no data.pkl: not a torch checkpoint'
        : 'zip archive has several data.pkl records',
    );
  }
  const name = found[0].name;
  const prefix = name.slice(0, name.length - 'data.pkl'.length);
  if (zip.has(`${prefix}constants.pkl`) || zip.entries.some((e) => e.name.startsWith(`${prefix}code/`))) {
    throw new CheckpointError(
      file,
      'this is a TorchScript archive (torch.jit.save); save a state_dict with torch.save instead',
    );
  }
  return { prefix, name };
}

function readTorchZip(
  src: ByteSource,
  file: string,
  globals: GlobalTable,
  depth: number,
  budget: ReadBudget,
  lazy: boolean,
): PyValue {
  const zip = readZip(src, { file });
  const { prefix, name } = findPickle(zip, file);
  let bigEndian = false;
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big')
      throw new CheckpointError(file, `unknown byteorder '${order.slice(0, 20)}'`);
    bigEndian = order === 'big';
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new CheckpointError(file, `unsupported persistent id ${describePy(pid)} in ${name}`);
    }
    const [, type, key, , numel] = pid;
    const kind = storageKind(file, type);
    checkKey(file, key);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new CheckpointError(file, `storage '${key}': bad element count ${describeKey(numel)}`);
    }
    const known = storages.get(key);
    if (known) return known;
    const record = `${prefix}data/${key}`;
    const entry = zip.entry(record);
    if (!entry) throw new CheckpointError(file, `storage '${key}' has no record ${record}`);
    const need = numel * RAW_ITEMSIZE[kind];
    if (need > entry.size) {
      throw new CheckpointError(
        file,
        `storage '${key}' claims ${numel} ${kind} elements (${need} bytes) but ${record} holds ${entry.size} bytes`,
      );
    }
    // Only the bytes the storage declares are inflated (an honest deflate bomb stays compressed).
    if (entry.method !== 0) budget.chargeTensor(need, `storage '${key}'`);
    const storage = new TorchStorage(key, kind, numel);
    if (lazy && entry.method === 0) {
      // Read when a tensor of it is loaded, and only the range that tensor addresses.
      storage.bigEndian = bigEndian;
      storage.reader = (offset, length) => zip.readRange(record, offset, length);
    } else storage.fill(zip.readPrefix(record, need), bigEndian);
    storages.set(key, storage);
    return storage;
  };
  return unpickle(zip.read(name), { file: `${file}:${name}`, globals, persistentLoad, depth, budget }).value;
}

function readTorchLegacy(
  data: Uint8Array,
  file: string,
  globals: GlobalTable,
  depth: number,
  budget: ReadBudget,
): PyValue {
  const magic = unpickle(data, { file });
  if (magic.value !== LEGACY_MAGIC)
    throw new CheckpointError(file, 'not a torch checkpoint: bad legacy magic number');
  const protocol = unpickle(data, { file, start: magic.end });
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new CheckpointError(file, `unsupported legacy torch protocol ${describeKey(protocol.value)}`);
  }
  const sysInfo = unpickle(data, { file, start: protocol.end });
  const bigEndian = sysInfo.value instanceof PyDict && sysInfo.value.get('little_endian') === false;
  const mainStart = sysInfo.end;
  // Storage sizes are checked against what follows the pickle before anything is allocated.
  const room = data.length - skipPickle(data, mainStart, file);
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    if (isTuple(pid) && pid[0] === 'module' && pid.length >= 2) return pid[1]; // the class, already allow-listed
    if (!isTuple(pid) || pid.length !== 6 || pid[0] !== 'storage') {
      throw new CheckpointError(file, `unsupported persistent id ${describePy(pid)}`);
    }
    const [, type, key, , numel, view] = pid;
    const kind = storageKind(file, type);
    checkKey(file, key);
    if (
      typeof numel !== 'number' ||
      !Number.isSafeInteger(numel) ||
      numel < 0 ||
      numel * RAW_ITEMSIZE[kind] > room
    ) {
      throw new CheckpointError(
        file,
        `storage '${key}' claims ${describeKey(numel)} ${kind} elements; the file has ${room} bytes left`,
      );
    }
    let root = storages.get(key);
    if (!root) {
      root = new TorchStorage(key, kind, numel);
      storages.set(key, root);
    }
    if (view === null) return root;
    if (!isTuple(view) || view.length !== 3)
      throw new CheckpointError(file, `bad storage view ${describePy(view)}`);
    const [viewKey, offset, size] = view;
    if (
      typeof viewKey !== 'string' ||
      typeof offset !== 'number' ||
      typeof size !== 'number' ||
      offset < 0 ||
      size < 0 ||
      offset + size > numel
    ) {
      throw new CheckpointError(
        file,
        `storage view ${describePy(view)} lies outside storage '${key}' (${numel} elements)`,
      );
    }
    const item = RAW_ITEMSIZE[kind];
    const v = new TorchStorage(viewKey, kind, size);
    root.whenFilled((r) =>
      v.fill((r.bytes as Uint8Array).subarray(offset * item, (offset + size) * item), r.bigEndian),
    );
    return v;
  };
  const main = unpickle(data, { file, start: mainStart, globals, persistentLoad, depth, budget });
  const keys = unpickle(data, { file, start: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new CheckpointError(file, `legacy storage key list is ${describePy(keys.value)}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = keys.end;
  for (const key of keys.value as string[]) {
    const storage = storages.get(key);
    if (!storage) throw new CheckpointError(file, `storage '${key}' is listed but no tensor uses it`);
    if (p + 8 > data.length)
      throw new CheckpointError(file, `truncated: storage '${key}' size missing at byte ${p}`);
    const n = view.getBigInt64(p, !bigEndian);
    if (n !== BigInt(storage.numel)) {
      throw new CheckpointError(
        file,
        `storage '${key}' records ${n} elements, its tensor expects ${storage.numel}`,
      );
    }
    const nbytes = storage.numel * RAW_ITEMSIZE[storage.rawKind];
    if (p + 8 + nbytes > data.length) {
      throw new CheckpointError(
        file,
        `truncated: storage '${key}' needs ${nbytes} bytes at byte ${p + 8}, file has ${data.length}`,
      );
    }
    storage.fill(data.subarray(p + 8, p + 8 + nbytes), bigEndian);
    p += 8 + nbytes;
  }
  for (const [key, s] of storages) {
    if (!s.bytes) throw new CheckpointError(file, `storage '${key}' has no data in the file`);
  }
  return main.value;
}
