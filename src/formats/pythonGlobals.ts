import { CheckpointError } from '../core/errors.js';
import {
  type CallContext,
  describePy,
  type GlobalHandler,
  type GlobalTable,
  PyDict,
  PyGlobal,
  PyObject,
  type PyValue,
} from './pyValue.js';

/**
 * Allow-list entries for the Python built-ins that checkpoints use as plain containers.
 * None of them runs code: each builds a data value from its arguments.
 */

/** A class instantiated as a plain data object (module, name, args, later its __dict__). */
export const PLAIN_CLASS: GlobalHandler = {
  call: (args, ctx) => new PyObject(ctx.module, ctx.name, args),
  construct: (args, kwargs, ctx) => new PyObject(ctx.module, ctx.name, args, kwargs),
};

/** A global that may appear as a value (e.g. a type passed as an argument) but is never called. */
export const INERT: GlobalHandler = {};

function iterableItems(ctx: CallContext, v: PyValue | undefined): PyValue[] {
  if (v === undefined) return [];
  if (Array.isArray(v) || v instanceof Set) return [...v];
  if (v instanceof PyDict) return [...v.keys()];
  throw new CheckpointError(
    ctx.file,
    `${ctx.module}.${ctx.name}: expected an iterable, got ${describePy(v)}`,
  );
}

/** dict / OrderedDict / EasyDict-like: a PyDict tagged with the class, filled from args or kwargs. */
export function dictClass(pyClass?: string): GlobalHandler {
  const make = (args: readonly PyValue[], kwargs: PyDict | undefined, ctx: CallContext): PyDict => {
    const d = new PyDict();
    d.pyClass = pyClass ?? `${ctx.module}.${ctx.name}`;
    const init = args[0];
    if (init instanceof PyDict) for (const [k, v] of init) d.set(k, v);
    else
      for (const pair of iterableItems(ctx, init)) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new CheckpointError(
            ctx.file,
            `${d.pyClass}: expected (key, value) pairs, got ${describePy(pair)}`,
          );
        }
        d.set(pair[0], pair[1]);
      }
    if (kwargs) for (const [k, v] of kwargs) d.set(k, v);
    return d;
  };
  return { call: (args, ctx) => make(args, undefined, ctx), construct: make };
}

const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

const setOf: GlobalHandler = { call: (args, ctx) => new Set(iterableItems(ctx, args[0])) };

function bytesOf(ctx: CallContext, args: readonly PyValue[]): Uint8Array {
  const [v, enc] = args;
  if (v === undefined) return new Uint8Array(0);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === 'string')
    return enc === 'latin1' || enc === 'latin-1' ? latin1Bytes(v) : new TextEncoder().encode(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && x >= 0 && x < 256))
    return Uint8Array.from(v as number[]);
  throw new CheckpointError(ctx.file, `${ctx.module}.${ctx.name}: cannot make bytes from ${describePy(v)}`);
}

export const PYTHON_GLOBALS: GlobalTable = {
  'collections.OrderedDict': dictClass(),
  'builtins.dict': dictClass('builtins.dict'),
  'builtins.set': setOf,
  'builtins.frozenset': setOf,
  'builtins.bytearray': { call: (args, ctx) => bytesOf(ctx, args) },
  'builtins.bytes': { call: (args, ctx) => bytesOf(ctx, args) },
  'builtins.object': INERT,
  // Protocol 2 pickles bytes as _codecs.encode(latin1_text, 'latin1').
  '_codecs.encode': {
    call: (args, ctx) => {
      if (typeof args[0] !== 'string') {
        throw new CheckpointError(ctx.file, `_codecs.encode: expected str, got ${describePy(args[0])}`);
      }
      return bytesOf(ctx, args);
    },
  },
  // Protocol 0/1 objects: copyreg._reconstructor(cls, base, state) is cls.__new__(cls) for allowed classes.
  'copyreg._reconstructor': {
    call: (args, ctx) => {
      const [cls, , state] = args;
      if (!(cls instanceof PyGlobal) || !cls.handler.construct) {
        throw new CheckpointError(ctx.file, `copyreg._reconstructor: cannot instantiate ${describePy(cls)}`);
      }
      const obj = cls.handler.construct([], undefined, { ...ctx, module: cls.module, name: cls.name });
      if (state !== null && state !== undefined && obj instanceof PyObject) obj.setState(state);
      return obj;
    },
  },
  'argparse.Namespace': PLAIN_CLASS,
};
