import { CheckpointError, LatentlabError } from '../core/errors.js';
import { OP, OP_NAME, type OpArg, PickleCursor } from './pickleOps.js';
import {
  type CallContext,
  describePy,
  type GlobalHandler,
  type GlobalTable,
  isTuple,
  PyDict,
  PyGlobal,
  PyObject,
  type PyValue,
  tuple,
} from './pyValue.js';
import { Tensor } from '../core/tensor.js';
import { asBytes } from './rawTensor.js';

/**
 * A pickle virtual machine that builds plain data and never runs anything. Globals resolve
 * only through the caller's allow-list; any other global is refused by name before it could
 * be called. Sizes are bounded by the input: nothing is allocated that the bytes do not hold.
 */

export interface PickleOptions {
  /** Name used in errors (default '<pickle>'). */
  file?: string;
  /** Allow-listed globals. Empty by default: a pickle naming any global is refused. */
  globals?: GlobalTable;
  /** Resolves PERSID / BINPERSID ids (torch storages). Without it persistent ids are refused. */
  persistentLoad?: (pid: PyValue, ctx: CallContext) => PyValue;
  /** How Python 2 byte strings (STRING, BINSTRING) decode: utf8 (torch's choice), latin1 or bytes. */
  encoding?: 'utf8' | 'latin1' | 'bytes';
  /** Byte offset where the pickle starts (default 0). */
  start?: number;
  /** Most memo entries (default 10 million). */
  maxMemo?: number;
  /** Deepest MARK nesting (default 1000). */
  maxDepth?: number;
  /** Longest LONG1/LONG4 integer, in bytes (default 1024). */
  maxLongBytes?: number;
  /** Nesting of this pickle inside others (embedded storages); handlers see it in CallContext. */
  depth?: number;
}

export interface PickleResult {
  value: PyValue;
  /** Offset just past STOP. */
  end: number;
  /** Protocol from PROTO, 0 when absent. */
  protocol: number;
}

/** Unpickles one object and returns it. */
export function readPickle(data: Uint8Array, options: PickleOptions = {}): PyValue {
  return unpickle(data, options).value;
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Python 2 module names that pickle's fix_imports maps to Python 3 ones. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg', exceptions: 'builtins' };

/** Unpickles one object and reports where the pickle ended. */
export function unpickle(data: Uint8Array, options: PickleOptions = {}): PickleResult {
  const file = options.file ?? '<pickle>';
  const table = options.globals ?? {};
  const wildcards = Object.keys(table).filter((k) => k.endsWith('.*'));
  const maxMemo = options.maxMemo ?? 10_000_000;
  const maxDepth = options.maxDepth ?? 1000;
  const maxLong = options.maxLongBytes ?? 1024;
  const depth = options.depth ?? 0;
  const encoding = options.encoding ?? 'utf8';
  data = asBytes(data);
  const cur = new PickleCursor(data, file, options.start ?? 0);
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let protocol = 0;
  let at = cur.pos;
  let opName = '';

  const fail = (detail: string): never => cur.fail(`${opName}: ${detail}`, at);
  const base = () => (marks.length ? marks[marks.length - 1] : 0);
  const pop = (): PyValue => {
    if (stack.length <= base()) fail('stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length <= base()) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    return stack.splice(m as number);
  };
  const ctxFor = (module: string, name: string): CallContext => ({ file, module, name, depth });
  const str = (b: Uint8Array): PyValue =>
    encoding === 'bytes' ? b : (encoding === 'latin1' ? latin1 : utf8).decode(b);

  const resolve = (rawModule: string, name: string): PyGlobal => {
    const module = PY2_MODULES[rawModule] ?? rawModule;
    const q = `${module}.${name}`;
    if (!NAME_RE.test(module) || !NAME_RE.test(name)) fail(`refusing global ${JSON.stringify(q)}: not a valid name`);
    const key = Object.hasOwn(table, q) ? q : wildcards.find((w) => q.startsWith(w.slice(0, -1)));
    const handler: GlobalHandler | undefined = key === undefined ? undefined : table[key];
    if (!handler) {
      throw new CheckpointError(file, `refusing global '${q}' (at byte ${at}): it is not in the allow-list of data-only globals`);
    }
    return new PyGlobal(module, name, handler);
  };

  const guard = (g: PyGlobal, what: () => PyValue): PyValue => {
    try {
      return what();
    } catch (err) {
      if (err instanceof LatentlabError) throw err;
      return fail(`${g.qualifiedName} failed: ${(err as Error).message}`);
    }
  };

  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) return fail(`cannot call ${describePy(fn)}`);
    if (!Array.isArray(args)) return fail(`arguments to ${fn.qualifiedName} must be a tuple, got ${describePy(args)}`);
    const { call: c } = fn.handler;
    if (!c) return fail(`global '${fn.qualifiedName}' is allowed only as a value, not as a call`);
    return guard(fn, () => c(args, ctxFor(fn.module, fn.name)));
  };

  const construct = (cls: PyValue, args: PyValue, kwargs: PyValue | undefined): PyValue => {
    if (!(cls instanceof PyGlobal)) return fail(`cannot instantiate ${describePy(cls)}`);
    if (!Array.isArray(args)) return fail(`arguments to ${cls.qualifiedName} must be a tuple, got ${describePy(args)}`);
    if (kwargs !== undefined && !(kwargs instanceof PyDict)) return fail(`keyword arguments must be a dict`);
    const ctx = ctxFor(cls.module, cls.name);
    const h = cls.handler;
    if (h.construct) return guard(cls, () => h.construct!(args, kwargs, ctx));
    if (h.call && (!kwargs || kwargs.size === 0)) return guard(cls, () => h.call!(args, ctx));
    return fail(`global '${cls.qualifiedName}' cannot be instantiated`);
  };

  const build = (obj: PyValue, state: PyValue): void => {
    if (obj instanceof PyObject) return obj.setState(state);
    if (obj instanceof PyDict) {
      const parts = isTuple(state) && state.length === 2 ? state : [state];
      for (const part of parts) {
        if (part === null) continue;
        if (!(part instanceof PyDict)) return fail(`cannot set ${describePy(part)} state on a dict`);
        obj.attrs ??= new PyDict();
        for (const [k, v] of part) obj.attrs.set(k, v);
      }
      return;
    }
    if (obj instanceof Tensor) return; // Parameter/tensor state (hooks, requires_grad) is not data we keep.
    if (obj !== null && typeof obj === 'object' && 'kind' in obj && typeof obj.setState === 'function') {
      return obj.setState(state);
    }
    fail(`cannot set state on ${describePy(obj)}`);
  };

  const append = (target: PyValue, items: PyValue[]): void => {
    if (Array.isArray(target) && !Object.isFrozen(target)) for (const v of items) target.push(v);
    else if (target instanceof PyObject) target.listItems.push(...items);
    else fail(`cannot append to ${describePy(target)}`);
  };

  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (items.length % 2) fail('odd number of items for a dict');
    const dict = target instanceof PyDict ? target : target instanceof PyObject ? target.dictItems : undefined;
    if (!dict) return fail(`cannot set items on ${describePy(target)}`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };

  const remember = (index: number): void => {
    if (memo.size >= maxMemo && !memo.has(index)) fail(`memo exceeds ${maxMemo} entries`);
    memo.set(index, top());
  };

  for (;;) {
    at = cur.pos;
    const { op, arg } = cur.next();
    opName = OP_NAME[op];
    switch (op) {
      case OP.PROTO:
        protocol = arg as number;
        if (protocol > 5) fail(`unsupported protocol ${protocol}`);
        break;
      case OP.FRAME:
        if ((arg as number) > data.length - cur.pos) fail(`truncated: frame of ${arg} bytes`);
        break;
      case OP.STOP: {
        const value = pop();
        return { value, end: cur.pos, protocol };
      }
      case OP.MARK:
        if (marks.length >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
        marks.push(stack.length);
        break;
      case OP.POP:
        if (stack.length > base()) stack.pop();
        else popMark();
        break;
      case OP.POP_MARK:
        popMark();
        break;
      case OP.DUP:
        stack.push(top());
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        stack.push(op === OP.NEWTRUE);
        break;
      case OP.INT: {
        const s = arg as string;
        stack.push(s === '01' ? true : s === '00' ? false : parseIntText(s, fail));
        break;
      }
      case OP.LONG:
        stack.push(parseIntText((arg as string).replace(/L$/, ''), fail));
        break;
      case OP.BININT:
      case OP.BININT1:
      case OP.BININT2:
      case OP.BINFLOAT:
        stack.push(arg as number);
        break;
      case OP.LONG1:
      case OP.LONG4: {
        const b = arg as Uint8Array;
        if (b.length > maxLong) fail(`integer of ${b.length} bytes exceeds the ${maxLong}-byte limit`);
        stack.push(decodeLong(b));
        break;
      }
      case OP.FLOAT:
        stack.push(parseFloatText(arg as string, fail));
        break;
      case OP.STRING:
        stack.push(str(unquote(arg as string, fail)));
        break;
      case OP.BINSTRING:
      case OP.SHORT_BINSTRING:
        stack.push(str(arg as Uint8Array));
        break;
      case OP.UNICODE:
        stack.push(rawUnicodeEscape(arg as string));
        break;
      case OP.BINUNICODE:
      case OP.SHORT_BINUNICODE:
      case OP.BINUNICODE8:
        stack.push(utf8.decode(arg as Uint8Array));
        break;
      case OP.BINBYTES:
      case OP.SHORT_BINBYTES:
      case OP.BINBYTES8:
        stack.push(arg as Uint8Array);
        break;
      case OP.BYTEARRAY8:
        stack.push(new Uint8Array(arg as Uint8Array));
        break;
      case OP.NEXT_BUFFER:
      case OP.READONLY_BUFFER:
        fail('out-of-band buffers are not supported');
        break;
      case OP.EMPTY_TUPLE:
        stack.push(tuple([]));
        break;
      case OP.TUPLE:
        stack.push(tuple(popMark()));
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(tuple(items));
        break;
      }
      case OP.EMPTY_LIST:
        stack.push([]);
        break;
      case OP.LIST:
        stack.push(popMark());
        break;
      case OP.EMPTY_DICT:
        stack.push(new PyDict());
        break;
      case OP.DICT: {
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case OP.EMPTY_SET:
        stack.push(new Set());
        break;
      case OP.FROZENSET:
        stack.push(new Set(popMark()));
        break;
      case OP.APPEND: {
        const v = pop();
        append(top(), [v]);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        append(top(), items);
        break;
      }
      case OP.SETITEM: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case OP.ADDITEMS: {
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`cannot add items to ${describePy(s)}`);
        for (const v of items) (s as Set<PyValue>).add(v);
        break;
      }
      case OP.GLOBAL: {
        const [module, name] = arg as [string, string];
        stack.push(resolve(module, name));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        stack.push(resolve(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case OP.NEWOBJ: {
        const args = pop();
        stack.push(construct(pop(), args, undefined));
        break;
      }
      case OP.NEWOBJ_EX: {
        const kwargs = pop();
        const args = pop();
        stack.push(construct(pop(), args, kwargs));
        break;
      }
      case OP.INST: {
        const [module, name] = arg as [string, string];
        const cls = resolve(module, name);
        stack.push(construct(cls, tuple(popMark()), undefined));
        break;
      }
      case OP.OBJ: {
        const items = popMark();
        if (items.length === 0) fail('missing class');
        stack.push(construct(items[0], tuple(items.slice(1)), undefined));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        build(top(), state);
        break;
      }
      case OP.PERSID:
      case OP.BINPERSID: {
        const pid = op === OP.PERSID ? (arg as string) : pop();
        if (!options.persistentLoad) fail('persistent ids are not allowed in this file');
        const load = options.persistentLoad!;
        try {
          stack.push(load(pid, ctxFor('<persistent_load>', '')));
        } catch (err) {
          if (err instanceof LatentlabError) throw err;
          fail(`persistent id ${describePy(pid)}: ${(err as Error).message}`);
        }
        break;
      }
      case OP.PUT:
        remember(memoIndex(arg, fail));
        break;
      case OP.BINPUT:
      case OP.LONG_BINPUT:
        remember(arg as number);
        break;
      case OP.MEMOIZE:
        remember(memo.size);
        break;
      case OP.GET:
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const i = op === OP.GET ? memoIndex(arg, fail) : (arg as number);
        if (!memo.has(i)) fail(`memo entry ${i} is not defined`);
        stack.push(memo.get(i) as PyValue);
        break;
      }
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4:
        fail('extension registry codes are not supported');
        break;
      default:
        fail('opcode not handled');
    }
  }
}

function memoIndex(arg: OpArg, fail: (d: string) => never): number {
  const s = arg as string;
  if (!/^\d+$/.test(s)) fail(`bad memo index ${JSON.stringify(s)}`);
  return Number(s);
}

function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, fail: (d: string) => never): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d{1,400}$/.test(t)) fail(`bad integer ${JSON.stringify(s.slice(0, 40))}`);
  return normInt(BigInt(t.replace(/^\+/, '')));
}

function parseFloatText(s: string, fail: (d: string) => never): number {
  const t = s.trim().toLowerCase();
  const special: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN, '-nan': NaN };
  if (t in special) return special[t];
  const v = Number(t);
  if (t === '' || Number.isNaN(v)) fail(`bad float ${JSON.stringify(s.slice(0, 40))}`);
  return v;
}

/** Two's-complement little-endian integer (LONG1/LONG4). */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return normInt(v);
}

/** Python's escape_decode of a quoted STRING argument, as latin1 bytes. */
function unquote(s: string, fail: (d: string) => never): Uint8Array {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('STRING argument must be quoted');
  const body = s.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '\n': -1 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const e = body[++i];
    if (e in simple) {
      if (simple[e] >= 0) out.push(simple[e]);
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out.push(Number.parseInt(m, 8) & 0xff);
      i += m.length - 1;
    } else {
      out.push(92, e.charCodeAt(0) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Python's raw-unicode-escape codec: \uXXXX and \UXXXXXXXX escapes, other chars are latin1. */
function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string, u8: string) => {
    const cp = Number.parseInt(u4 ?? u8, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}
