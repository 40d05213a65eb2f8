import { CheckpointError, LatentlabError } from '../core/errors.js';
import {
  decodeLong,
  memoIndex,
  OP,
  OP_NAME,
  PickleCursor,
  parseFloatText,
  parseIntText,
  rawUnicodeEscape,
  unquote,
} from './pickleOps.js';
import {
  appendTo,
  applyState,
  type CallContext,
  describePy,
  type GlobalHandler,
  isTuple,
  type GlobalTable,
  PyDict,
  PyGlobal,
  type PyValue,
  setItemsOn,
  tuple,
} from './pyValue.js';
import { ReadBudget } from './budget.js';
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
  /** The file's budget (tensor bytes, copying work); default: one for `data` alone. */
  budget?: ReadBudget;
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
const PY2_MODULES: Record<string, string> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  exceptions: 'builtins',
};

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
  const budget = options.budget ?? new ReadBudget(file, data.length);
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
  const ctxFor = (module: string, name: string): CallContext => ({ file, module, name, depth, budget });
  /** Handlers and BUILD may copy what they are given; shared (memo/DUP) containers count each time. */
  const charge = (values: readonly PyValue[], what: string): void => {
    let n = values.length;
    for (const v of values) n += containerSize(v);
    budget.chargeWork(n, what);
  };
  const str = (b: Uint8Array): PyValue =>
    encoding === 'bytes' ? b : (encoding === 'latin1' ? latin1 : utf8).decode(b);

  const resolve = (rawModule: string, name: string): PyGlobal => {
    const module = PY2_MODULES[rawModule] ?? rawModule;
    const q = `${module}.${name}`;
    if (!NAME_RE.test(module) || !NAME_RE.test(name))
      fail(`refusing global ${JSON.stringify(q)}: not a valid name`);
    const key = Object.hasOwn(table, q) ? q : wildcards.find((w) => q.startsWith(w.slice(0, -1)));
    const handler: GlobalHandler | undefined = key === undefined ? undefined : table[key];
    if (!handler) {
      throw new CheckpointError(
        file,
        `refusing global '${q}' (at byte ${at}): it is not in the allow-list of data-only globals`,
      );
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
    if (!Array.isArray(args))
      return fail(`arguments to ${fn.qualifiedName} must be a tuple, got ${describePy(args)}`);
    charge(args, fn.qualifiedName);
    const { call: c } = fn.handler;
    if (!c) return fail(`global '${fn.qualifiedName}' is allowed only as a value, not as a call`);
    return guard(fn, () => c(args, ctxFor(fn.module, fn.name)));
  };

  const construct = (cls: PyValue, args: PyValue, kwargs: PyValue | undefined): PyValue => {
    if (!(cls instanceof PyGlobal)) return fail(`cannot instantiate ${describePy(cls)}`);
    if (!Array.isArray(args))
      return fail(`arguments to ${cls.qualifiedName} must be a tuple, got ${describePy(args)}`);
    if (kwargs !== undefined && !(kwargs instanceof PyDict)) return fail(`keyword arguments must be a dict`);
    charge(args, cls.qualifiedName);
    if (kwargs) charge([kwargs], cls.qualifiedName);
    const ctx = ctxFor(cls.module, cls.name);
    const h = cls.handler;
    if (h.construct) return guard(cls, () => h.construct!(args, kwargs, ctx));
    if (h.call && (!kwargs || kwargs.size === 0)) return guard(cls, () => h.call!(args, ctx));
    return fail(`global '${cls.qualifiedName}' cannot be instantiated`);
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
        setItemsOn(d, popMark(), fail);
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
        appendTo(top(), [v], fail);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        appendTo(top(), items, fail);
        break;
      }
      case OP.SETITEM: {
        const v = pop();
        const k = pop();
        setItemsOn(top(), [k, v], fail);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItemsOn(top(), items, fail);
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
        charge([state], 'BUILD');
        if (isTuple(state)) charge(state, 'BUILD');
        applyState(top(), state, fail);
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

/** Items a container holds at its top level (what copying it costs). */
function containerSize(v: PyValue): number {
  if (Array.isArray(v)) return v.length;
  if (v instanceof PyDict || v instanceof Set) return v.size;
  return 0;
}
