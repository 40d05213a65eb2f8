import { CheckpointError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/**
 * Python values as plain data. Nothing here can run code: objects are records of the class
 * name, the arguments they were built from and the state they were given.
 *
 * None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes/bytearray → Uint8Array, list → array, tuple → frozen array,
 * dict → PyDict, set/frozenset → Set. Allow-listed globals may produce Tensors or other
 * host values (storages, numpy dtypes).
 */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyDict
  | Set<PyValue>
  | PyObject
  | PyGlobal
  | Tensor
  | HostValue;

/** A value made by an allow-listed global that is neither plain data nor a tensor. */
export interface HostValue {
  /** What it is, e.g. 'torch.storage' or 'numpy.dtype'. */
  readonly kind: string;
  /** Handles a pickle BUILD on this value. */
  setState?(state: PyValue): void;
}

/** A dict. `pyClass` names a dict subclass (OrderedDict, EasyDict); `attrs` holds instance attributes. */
export class PyDict extends Map<PyValue, PyValue> {
  pyClass = 'builtins.dict';
  attrs: PyDict | undefined;
}

/** A reference to an allow-listed global (class or function); `handler` says what calling it does. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly handler: GlobalHandler,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of an allow-listed class, kept as data. */
export class PyObject {
  /** Instance attributes (`__dict__`), from BUILD with a dict state. */
  readonly attrs = new PyDict();
  /** State passed to BUILD when it is not a plain attribute dict. */
  state: PyValue | undefined;
  /** Items appended to a list subclass / set on a dict subclass. */
  readonly listItems: PyValue[] = [];
  readonly dictItems = new PyDict();
  /** Extra facts recorded by the handler that made it (e.g. NVIDIA persistence metadata). */
  meta: Record<string, string | number> = {};

  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly PyValue[] = [],
    readonly kwargs: PyDict | undefined = undefined,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }

  setState(state: PyValue): void {
    // Python: a (dict, slots) pair or a dict updates __dict__; anything else needs __setstate__.
    let dict: PyValue = state;
    let slots: PyValue = null;
    if (isTuple(state) && state.length === 2) [dict, slots] = state;
    if ((dict === null || dict instanceof PyDict) && (slots === null || slots instanceof PyDict)) {
      for (const part of [dict, slots]) if (part) for (const [k, v] of part) this.attrs.set(k, v);
    } else {
      this.state = state;
    }
  }
}

/** What an allow-listed global does when the pickle calls it. Handlers only build data. */
export interface GlobalHandler {
  /** REDUCE: `global(*args)`. */
  call?(args: readonly PyValue[], ctx: CallContext): PyValue;
  /** NEWOBJ / NEWOBJ_EX / INST / OBJ: `cls.__new__(cls, *args, **kwargs)`; falls back to `call`. */
  construct?(args: readonly PyValue[], kwargs: PyDict | undefined, ctx: CallContext): PyValue;
}

export interface CallContext {
  /** File named in errors. */
  readonly file: string;
  readonly module: string;
  readonly name: string;
  /** How deeply this pickle is nested inside other pickles (embedded torch storages). */
  readonly depth: number;
}

/**
 * Allow-list of globals by qualified name ('collections.OrderedDict'). A key ending in '.*'
 * allows every name below that prefix ('torch.nn.modules.*').
 */
export type GlobalTable = Readonly<Record<string, GlobalHandler>>;

export function tuple(items: PyValue[]): PyValue[] {
  return Object.freeze(items) as PyValue[];
}

export function isTuple(v: PyValue | undefined): v is PyValue[] {
  return Array.isArray(v) && Object.isFrozen(v);
}

/** BUILD: `__dict__` update for objects and dict subclasses, `setState` for host values. */
export function applyState(obj: PyValue, state: PyValue, fail: (detail: string) => never): void {
  if (obj instanceof PyObject) {
    obj.setState(state);
  } else if (obj instanceof PyDict) {
    for (const part of isTuple(state) && state.length === 2 ? state : [state]) {
      if (part === null) continue;
      if (!(part instanceof PyDict)) fail(`cannot set ${describePy(part)} state on a dict`);
      obj.attrs ??= new PyDict();
      for (const [k, v] of part as PyDict) obj.attrs.set(k, v);
    }
  } else if (obj instanceof Tensor) {
    // Parameter/tensor state (hooks, requires_grad) is not data we keep.
  } else if (obj !== null && typeof obj === 'object' && 'kind' in obj && typeof obj.setState === 'function') {
    obj.setState(state);
  } else {
    fail(`cannot set state on ${describePy(obj)}`);
  }
}

/** APPEND(S): lists (not tuples) and list subclasses. */
export function appendTo(target: PyValue, items: PyValue[], fail: (detail: string) => never): void {
  if (Array.isArray(target) && !Object.isFrozen(target)) for (const v of items) target.push(v);
  else if (target instanceof PyObject) target.listItems.push(...items);
  else fail(`cannot append to ${describePy(target)}`);
}

/** SETITEM(S): key, value, key, value... into a dict or dict subclass. */
export function setItemsOn(target: PyValue, items: PyValue[], fail: (detail: string) => never): void {
  if (items.length % 2) fail('odd number of items for a dict');
  const dict = target instanceof PyDict ? target : target instanceof PyObject ? target.dictItems : undefined;
  if (!dict) fail(`cannot set items on ${describePy(target)}`);
  for (let i = 0; i < items.length; i += 2) (dict as PyDict).set(items[i], items[i + 1]);
}

/** A short description of a value for error messages. */
export function describePy(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return `${isTuple(v) ? 'tuple' : 'list'} of ${v.length}`;
  if (v instanceof PyDict) return v.pyClass === 'builtins.dict' ? 'dict' : v.pyClass;
  if (v instanceof Set) return 'set';
  if (v instanceof PyObject) return `${v.qualifiedName} object`;
  if (v instanceof PyGlobal) return `global ${v.qualifiedName}`;
  if (v instanceof Tensor) return `tensor ${v.describe()}`;
  return v.kind;
}

/** Checks a handler argument's type and returns it typed; `what` names it in the error. */
export function expectArg<T extends PyValue>(
  ctx: CallContext,
  v: PyValue | undefined,
  ok: (v: PyValue) => v is T,
  what: string,
): T {
  if (v === undefined || !ok(v)) {
    throw new CheckpointError(ctx.file, `${ctx.module}.${ctx.name}: expected ${what}, got ${describePy(v)}`);
  }
  return v;
}

export const isInt = (v: PyValue): v is number => typeof v === 'number' && Number.isSafeInteger(v);
export const isStr = (v: PyValue): v is string => typeof v === 'string';
export const isIntTuple = (v: PyValue): v is number[] => Array.isArray(v) && v.every((x) => isInt(x));

/** JSON-like plain values for configs (init kwargs, dataset kwargs). */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/**
 * Converts configuration-like Python data to plain JSON-like values: dicts (and dict
 * subclasses) become objects, lists and tuples arrays, big ints numbers (they may round),
 * bytes base64 strings, objects `{ __class__, ...attrs }`, tensors `{ __tensor__: 'float32[3]' }`.
 * Cycles and over-deep nesting become the string '<cycle>' / '<too deep>'.
 */
export function toPlain(v: PyValue, depth = 0, path: Set<unknown> = new Set()): PlainValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof Tensor) return { __tensor__: v.describe() };
  if (v instanceof PyGlobal) return { __global__: v.qualifiedName };
  if (depth > 100) return '<too deep>';
  if (path.has(v)) return '<cycle>';
  path.add(v);
  try {
    if (Array.isArray(v) || v instanceof Set) return [...v].map((x) => toPlain(x, depth + 1, path));
    if (v instanceof PyDict) {
      const out: { [key: string]: PlainValue } = {};
      for (const [k, x] of v)
        out[typeof k === 'string' ? k : String(toPlain(k, depth + 1, path))] = toPlain(x, depth + 1, path);
      return out;
    }
    if (v instanceof PyObject) {
      const out: { [key: string]: PlainValue } = { __class__: v.qualifiedName };
      for (const [k, x] of v.attrs) if (typeof k === 'string') out[k] = toPlain(x, depth + 1, path);
      return out;
    }
    const inner = (v as { tensor?: unknown }).tensor; // a rebuilt numpy array
    return inner instanceof Tensor ? { __tensor__: inner.describe() } : { __host__: v.kind };
  } finally {
    path.delete(v);
  }
}
