import { allocate, BYTES_PER_ELEMENT, type DType } from '../core/dtype.js';
import type { ReadBudget } from './budget.js';
import { CheckpointError, FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { INERT, PLAIN_CLASS } from './pythonGlobals.js';
import {
  type CallContext,
  describeKey,
  describePy,
  expectArg,
  type GlobalHandler,
  type GlobalTable,
  type HostValue,
  isInt,
  isIntTuple,
  isStr,
  PyGlobal,
  type PyValue,
  tuple,
} from './pyValue.js';
import { decodeRaw, gatherStrided, RAW_DTYPE, RAW_ITEMSIZE, type RawKind } from './rawTensor.js';

/**
 * Torch storages and the allow-listed functions that rebuild tensors from them
 * (`torch._utils._rebuild_tensor_v2` and friends). Tensors are copied out of their storage
 * into contiguous row-major arrays after checking that every element they address exists.
 */

/** `torch.<Name>Storage` classes by name; UntypedStorage counts bytes. */
export const STORAGE_KINDS: Readonly<Record<string, RawKind>> = {
  FloatStorage: 'f4',
  DoubleStorage: 'f8',
  HalfStorage: 'f2',
  BFloat16Storage: 'bf16',
  LongStorage: 'i8',
  IntStorage: 'i4',
  ShortStorage: 'i2',
  CharStorage: 'i1',
  ByteStorage: 'u1',
  BoolStorage: 'b1',
  UntypedStorage: 'u1',
};

/** `torch.<dtype>` globals (used by `_rebuild_tensor_v3`). */
export const TORCH_DTYPE_KINDS: Readonly<Record<string, RawKind>> = {
  float32: 'f4',
  float: 'f4',
  float64: 'f8',
  double: 'f8',
  float16: 'f2',
  half: 'f2',
  bfloat16: 'bf16',
  int64: 'i8',
  long: 'i8',
  int32: 'i4',
  int: 'i4',
  int16: 'i2',
  short: 'i2',
  int8: 'i1',
  uint8: 'u1',
  bool: 'b1',
};

/**
 * One storage: `numel` elements of `rawKind`. Zip checkpoints have the bytes at once; legacy
 * streams put them after the pickle, so tensors rebuilt earlier are filled in by `fill`. A lazily
 * read storage has no bytes but a `reader` of byte ranges (a stored zip record behind a file).
 */
export class TorchStorage implements HostValue {
  readonly kind = 'torch.storage';
  private waiting: ((s: TorchStorage) => void)[] = [];
  bytes: Uint8Array | undefined;
  bigEndian = false;
  /** Reads `byteLength` bytes of the storage from `byteOffset` (lazy storages only). */
  reader?: (byteOffset: number, byteLength: number) => Uint8Array;

  constructor(
    readonly key: string,
    readonly rawKind: RawKind,
    readonly numel: number,
    bytes?: Uint8Array,
  ) {
    this.bytes = bytes;
  }

  /** Supplies the data of a storage created empty and completes the tensors waiting for it. */
  fill(bytes: Uint8Array, bigEndian = false): void {
    this.bytes = bytes;
    this.bigEndian = bigEndian;
    for (const job of this.waiting.splice(0)) job(this);
  }

  /** Runs `job` once the bytes are known (now, if they already are). */
  whenFilled(job: (s: TorchStorage) => void): void {
    if (this.bytes) job(this);
    else this.waiting.push(job);
  }
}

/** Tensors that repeat storage elements (stride 0) may not expand past this many bytes. */
const MAX_EXPANDED_BYTES = 256 * 2 ** 20;

/** The raw element kind of a `torch.XStorage` global, or a CheckpointError naming it. */
export function storageKind(file: string, type: PyValue): RawKind {
  const kind = type instanceof PyGlobal && type.module === 'torch' ? STORAGE_KINDS[type.name] : undefined;
  if (!kind) throw new CheckpointError(file, `unsupported storage type ${describePy(type)}`);
  return kind;
}

function isRowMajor(size: readonly number[], stride: readonly number[]): boolean {
  let expect = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) return false;
    expect *= size[i];
  }
  return true;
}

/**
 * A tensor of a storage, checked (bounds, expansion, budget) but not yet copied out: lazy reads
 * return these so that a caller materialises only the tensors it uses, one at a time.
 */
export class TensorRef implements HostValue {
  readonly kind = 'torch.tensor';

  constructor(
    readonly file: string,
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly rawKind: RawKind,
    private readonly count: number,
    private readonly last: number,
    private readonly where: string,
  ) {}

  get dtype(): DType {
    return RAW_DTYPE[this.rawKind];
  }

  /** Copies the tensor out of its storage; each call makes a fresh tensor (nothing is cached). */
  load(): Tensor {
    const { file, storage, rawKind: kind, offset, shape, stride, count, last, where } = this;
    if (count === 0) return new Tensor(this.dtype, shape, allocate(this.dtype, 0));
    if (storage.bytes) return materialize(file, storage, storage.bytes, kind, offset, shape, stride, count, last, where);
    if (storage.reader) {
      // Only the span the tensor addresses is read (a view of 4 bytes costs 4 bytes, not the record).
      const item = RAW_ITEMSIZE[kind];
      const span = storage.reader(offset * item, (last + 1 - offset) * item);
      return materialize(file, storage, span, kind, 0, shape, stride, count, last - offset, where);
    }
    throw new CheckpointError(file, `${where}: the storage has no data in the file`);
  }
}

/**
 * Materialises `storage[offset + Σ i_k·stride_k]` for every index of `size` as a contiguous
 * tensor (with `lazy`, a TensorRef that does so when loaded). `kindOverride` reinterprets an
 * untyped (byte) storage. Every check and the budget charge happen here, in both modes.
 */
export function rebuildTensor(
  file: string,
  storage: TorchStorage,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  kindOverride?: RawKind,
  budget?: ReadBudget,
  lazy = false,
): Tensor | TensorRef {
  const kind = kindOverride ?? storage.rawKind;
  const item = RAW_ITEMSIZE[kind];
  const where = `tensor [${size.join(',')}] (stride [${stride.join(',')}], offset ${offset}) in storage '${storage.key}'`;
  if (size.length !== stride.length || size.length > 64) {
    throw new CheckpointError(file, `${where}: size and stride ranks differ or exceed 64`);
  }
  if (offset < 0 || size.some((d) => d < 0) || stride.some((s) => s < 0)) {
    throw new CheckpointError(file, `${where}: negative offset, size or stride`);
  }
  let count = 1;
  let last = offset;
  for (let i = 0; i < size.length; i++) {
    count *= size[i];
    last += (size[i] - 1) * stride[i];
  }
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(last))
    throw new CheckpointError(file, `${where}: too large`);
  const dtype = RAW_DTYPE[kind];
  if (count === 0) return new Tensor(dtype, size, allocate(dtype, 0));
  const claimed = kindOverride
    ? Math.floor((storage.numel * RAW_ITEMSIZE[storage.rawKind]) / item)
    : storage.numel;
  if (last >= claimed) {
    throw new CheckpointError(
      file,
      `${where}: needs elements up to index ${last}, but the storage has ${claimed} ${kind} elements`,
    );
  }
  if (count > claimed && count * item > MAX_EXPANDED_BYTES) {
    throw new CheckpointError(
      file,
      `${where}: repeats storage elements into ${count * item} bytes; refusing`,
    );
  }
  // What the tensor materialises, counted every time (a memo'd rebuild call repeated 12 times is 12 tensors).
  budget?.chargeTensor(count * BYTES_PER_ELEMENT[dtype], where);
  if (lazy) return new TensorRef(file, storage, offset, size, stride, kind, count, last, where);
  if (storage.bytes)
    return materialize(file, storage, storage.bytes, kind, offset, size, stride, count, last, where);
  const out = Tensor.zeros(dtype, size);
  storage.whenFilled((s) => {
    const t = materialize(file, s, s.bytes as Uint8Array, kind, offset, size, stride, count, last, where);
    (out.data as unknown as { set(a: ArrayLike<unknown>): void }).set(t.data as ArrayLike<unknown>);
  });
  return out;
}

function materialize(
  file: string,
  storage: TorchStorage,
  bytes: Uint8Array,
  kind: RawKind,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  count: number,
  last: number,
  where: string,
): Tensor {
  const item = RAW_ITEMSIZE[kind];
  const dtype = RAW_DTYPE[kind];
  const available = Math.floor(bytes.length / item);
  if (last >= available) {
    throw new CheckpointError(
      file,
      `${where}: needs elements up to index ${last}, but the storage data holds ${available}`,
    );
  }
  try {
    if (isRowMajor(size, stride)) {
      const { data } = decodeRaw(bytes.subarray(offset * item), kind, count, where, storage.bigEndian);
      return new Tensor(dtype, size, data);
    }
    const span = bytes.subarray(offset * item, (last + 1) * item);
    const { data } = decodeRaw(span, kind, last + 1 - offset, where, storage.bigEndian);
    return new Tensor(dtype, size, gatherStrided(dtype, data, 0, size, stride));
  } catch (err) {
    if (err instanceof FormatError) throw new CheckpointError(file, err.message);
    throw err;
  }
}

function rebuildArgs(args: readonly PyValue[], ctx: CallContext, lazy: boolean, kindOverride?: RawKind): Tensor | TensorRef {
  const storage = expectArg(ctx, args[0], (v): v is TorchStorage => v instanceof TorchStorage, 'a storage');
  const offset = expectArg(ctx, args[1], isInt, 'an integer storage offset');
  const size = expectArg(ctx, args[2], isIntTuple, 'a size tuple');
  const stride = expectArg(ctx, args[3], isIntTuple, 'a stride tuple');
  return rebuildTensor(ctx.file, storage, offset, size, stride, kindOverride, ctx.budget, lazy);
}

function dtypeKind(ctx: CallContext, v: PyValue | undefined): RawKind {
  const kind = v instanceof PyGlobal && v.module === 'torch' ? TORCH_DTYPE_KINDS[v.name] : undefined;
  if (!kind)
    throw new CheckpointError(ctx.file, `${ctx.module}.${ctx.name}: unsupported dtype ${describePy(v)}`);
  return kind;
}

const passData: GlobalHandler = {
  call: (args, ctx) =>
    expectArg(ctx, args[0], (v): v is Tensor | TensorRef => v instanceof Tensor || v instanceof TensorRef, 'a tensor'),
};

const rebuildFromType: GlobalHandler = {
  // (func, new_type, args, state): the tensor subclass and its state are dropped; func rebuilds.
  call: (args, ctx) => {
    const [fn, , fnArgs] = args;
    if (!(fn instanceof PyGlobal) || !fn.handler.call || !Array.isArray(fnArgs)) {
      throw new CheckpointError(ctx.file, `${ctx.module}.${ctx.name}: cannot call ${describePy(fn)}`);
    }
    return fn.handler.call(fnArgs, { ...ctx, module: fn.module, name: fn.name });
  },
};

function globalsTable(lazy: boolean): GlobalTable {
  const table: Record<string, GlobalHandler> = {
    'torch._utils._rebuild_tensor': { call: (args, ctx) => rebuildArgs(args, ctx, lazy) },
    'torch._utils._rebuild_tensor_v2': { call: (args, ctx) => rebuildArgs(args, ctx, lazy) },
    'torch._utils._rebuild_tensor_v3': { call: (args, ctx) => rebuildArgs(args, ctx, lazy, dtypeKind(ctx, args[6])) },
    'torch._utils._rebuild_parameter': passData,
    'torch._utils._rebuild_parameter_with_state': passData,
    'torch._tensor._rebuild_from_type_v2': rebuildFromType,
    'torch._tensor._rebuild_from_type': rebuildFromType,
    'torch.Tensor': INERT,
    'torch.nn.parameter.Parameter': INERT,
    'torch.nn.parameter.Buffer': INERT,
    'torch.Size': {
      call: (args, ctx) => tuple([...expectArg(ctx, args[0] ?? tuple([]), isIntTuple, 'a tuple of ints')]),
    },
    'torch.device': {
      call: (args, ctx) => {
        const type = expectArg(ctx, args[0], isStr, 'a device type');
        return args[1] === undefined || args[1] === null ? type : `${type}:${describeKey(args[1])}`;
      },
    },
    // Whole pickled modules (torch.save(model)) come back as plain objects with their __dict__.
    'torch.nn.modules.*': PLAIN_CLASS,
  };
  for (const name of Object.keys(STORAGE_KINDS)) table[`torch.${name}`] = INERT;
  for (const name of Object.keys(TORCH_DTYPE_KINDS)) table[`torch.${name}`] = INERT;
  return table;
}

/** Allow-list for torch tensors, storages, dtypes and nn.Module classes (as data). */
export const TORCH_GLOBALS: GlobalTable = globalsTable(false);
/** The same allow-list, rebuilding tensors as TensorRefs (loaded when a caller asks for them). */
export const LAZY_TORCH_GLOBALS: GlobalTable = globalsTable(true);
