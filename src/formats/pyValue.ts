import { CheckpointError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { MAX_PLAIN_NODES, type ReadBudget } from './budget.js';

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
  /** The file's budget for tensor bytes and copying work (shared by nested pickles). */
  readonly budget?: ReadBudget;
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

/**
 * A bounded description of a value that names something (a dict key, a module name, a count):
 * short strings and numbers as they are, long ones cut, anything else by its type. Never
 * String() of untrusted data, which recurses through nested lists and expands shared ones.
 */
export function describeKey(v: PyValue | undefined, max = 80): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') {
    const s = v.toString();
    return s.length > max ? `${s.slice(0, max)}… (${s.length} digits)` : s;
  }
  return describePy(v);
}

/** A dict's keys for an error message: at most `n`, each bounded. */
export function describeKeys(keys: Iterable<PyValue>, n = 20): string {
  const out: string[] = [];
  let more = 0;
  for (const k of keys) {
    if (out.length < n) out.push(typeof k === 'string' && /^[\w.-]{1,40}$/.test(k) ? k : describeKey(k, 40));
    else more++;
  }
  return more ? `${out.join(', ')} and ${more} more` : out.join(', ');
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

/** Shared across the toPlain calls of one file: conversions by identity and logical size spent. */
export interface PlainBudget {
  /** File named in the error. */
  file: string;
  /** Plain values still allowed (default MAX_PLAIN_NODES). */
  remaining: number;
  /** Conversions of containers already done, with their logical size. */
  readonly done: Map<unknown, { value: PlainValue; size: number }>;
}

export function plainBudget(file: string, nodes = MAX_PLAIN_NODES): PlainBudget {
  return { file, remaining: nodes, done: new Map() };
}

/**
 * Converts configuration-like Python data to plain JSON-like values: dicts (and dict
 * subclasses) become objects, lists and tuples arrays, big ints numbers (they may round),
 * bytes base64 strings, objects `{ __class__, ...attrs }`, tensors `{ __tensor__: 'float32[3]' }`.
 * Cycles and over-deep nesting become the string '<cycle>' / '<too deep>'.
 *
 * A container reached twice (pickle memo/DUP sharing) is converted once and the result reused;
 * each use still counts its logical (expanded) size against `budget`, so a value shared 3^40
 * ways fails with a CheckpointError instead of building or later serialising 3^40 nodes.
 */
export function toPlain(v: PyValue, budget: PlainBudget = plainBudget('<pickle>')): PlainValue {
  return plain(v, 0, new Set(), budget).value;
}

function plain(
  v: PyValue,
  depth: number,
  path: Set<unknown>,
  budget: PlainBudget,
): { value: PlainValue; size: number } {
  const leaf = (value: PlainValue) => {
    if (--budget.remaining < 0) overBudget(budget);
    return { value, size: 1 };
  };
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return leaf(v);
  if (typeof v === 'bigint') return leaf(Number(v));
  if (v instanceof Uint8Array)
    return leaf(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (v instanceof Tensor) return leaf({ __tensor__: v.describe() });
  if (v instanceof PyGlobal) return leaf({ __global__: v.qualifiedName });
  if (depth > 100) return leaf('<too deep>');
  if (path.has(v)) return leaf('<cycle>');
  const hit = budget.done.get(v);
  if (hit) {
    budget.remaining -= hit.size;
    if (budget.remaining < 0) overBudget(budget);
    return hit;
  }
  path.add(v);
  let size = 1;
  const sub = (x: PyValue): PlainValue => {
    const r = plain(x, depth + 1, path, budget);
    size += r.size;
    return r.value;
  };
  let value: PlainValue;
  if (--budget.remaining < 0) overBudget(budget);
  if (Array.isArray(v) || v instanceof Set) {
    value = [];
    for (const x of v) value.push(sub(x));
  } else if (v instanceof PyDict) {
    const out: { [key: string]: PlainValue } = {};
    for (const [k, x] of v) {
      const key = typeof k === 'string' ? k : describeKey(k);
      Object.defineProperty(out, key, { value: sub(x), enumerable: true, writable: true, configurable: true });
    }
    value = out;
  } else if (v instanceof PyObject) {
    const out: { [key: string]: PlainValue } = { __class__: v.qualifiedName };
    for (const [k, x] of v.attrs)
      if (typeof k === 'string')
        Object.defineProperty(out, k, { value: sub(x), enumerable: true, writable: true, configurable: true });
    value = out;
  } else {
    const inner = (v as { tensor?: unknown }).tensor; // a rebuilt numpy array
    value = inner instanceof Tensor ? { __tensor__: inner.describe() } : { __host__: v.kind };
  }
  path.delete(v);
  const r = { value, size };
  budget.done.set(v, r);
  return r;
}

/** Counts `n` plain values of work (e.g. iterating a shared dict) against the budget. */
export function spendPlain(budget: PlainBudget, n: number): void {
  budget.remaining -= n;
  if (budget.remaining < 0) overBudget(budget);
}

function overBudget(budget: PlainBudget): never {
  throw new CheckpointError(
    budget.file,
    `configuration data expands to more than ${MAX_PLAIN_NODES} values (shared references repeated); refusing`,
  );
}
