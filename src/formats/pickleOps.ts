import { CheckpointError } from '../core/errors.js';

/**
 * Pickle opcodes (protocols 0–5) and their argument encodings, as pickletools documents
 * them. The VM and `skipPickle` share this table, so both parse a stream the same way.
 */
export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

type ArgKind =
  | 'none'
  | 'u1'
  | 'u2'
  | 'i4'
  | 'u4'
  | 'u8'
  | 'f8'
  | 'line'
  | 'lines2'
  | 'b1'
  | 'b4s'
  | 'b4'
  | 'b8';

const ARG: Record<number, ArgKind> = {};
for (const code of Object.values(OP)) ARG[code] = 'none';
const set = (kind: ArgKind, ...codes: number[]) => {
  for (const c of codes) ARG[c] = kind;
};
set('u1', OP.BININT1, OP.BINGET, OP.BINPUT, OP.PROTO, OP.EXT1);
set('u2', OP.BININT2, OP.EXT2);
set('i4', OP.BININT, OP.EXT4);
set('u4', OP.LONG_BINGET, OP.LONG_BINPUT);
set('u8', OP.FRAME);
set('f8', OP.BINFLOAT);
set('line', OP.FLOAT, OP.INT, OP.LONG, OP.PERSID, OP.STRING, OP.UNICODE, OP.GET, OP.PUT);
set('lines2', OP.GLOBAL, OP.INST);
set('b1', OP.SHORT_BINSTRING, OP.SHORT_BINBYTES, OP.SHORT_BINUNICODE, OP.LONG1);
set('b4s', OP.BINSTRING, OP.LONG4);
set('b4', OP.BINUNICODE, OP.BINBYTES);
set('b8', OP.BINUNICODE8, OP.BINBYTES8, OP.BYTEARRAY8);

export const OP_NAME: Record<number, string> = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]));

export type OpArg = number | string | readonly [string, string] | Uint8Array | undefined;

const latin1 = new TextDecoder('latin1');

/** A cursor over pickle bytes that never reads past the end of the buffer. */
export class PickleCursor {
  readonly view: DataView;
  pos: number;

  constructor(
    readonly data: Uint8Array,
    readonly file: string,
    start = 0,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.pos = start;
  }

  fail(detail: string, at = this.pos): never {
    throw new CheckpointError(this.file, `pickle: ${detail} (at byte ${at})`);
  }

  private need(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.data.length - this.pos) {
      this.fail(`truncated: ${what} needs ${n} bytes, ${this.data.length - this.pos} left`);
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }

  bytes(n: number, what: string): Uint8Array {
    const p = this.need(n, what);
    return this.data.subarray(p, p + n);
  }

  line(what: string): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated: ${what} has no terminating newline`);
    const s = latin1.decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** Reads one opcode and its argument. */
  next(): { op: number; arg: OpArg; at: number } {
    const at = this.pos;
    const op = this.data[this.need(1, 'opcode')];
    const kind = ARG[op];
    if (kind === undefined) this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    const name = OP_NAME[op];
    let arg: OpArg;
    switch (kind) {
      case 'none':
        break;
      case 'u1':
        arg = this.data[this.need(1, name)];
        break;
      case 'u2':
        arg = this.view.getUint16(this.need(2, name), true);
        break;
      case 'i4':
        arg = this.view.getInt32(this.need(4, name), true);
        break;
      case 'u4':
        arg = this.view.getUint32(this.need(4, name), true);
        break;
      case 'u8': {
        const v = this.view.getBigUint64(this.need(8, name), true);
        arg = v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
        break;
      }
      case 'f8':
        arg = this.view.getFloat64(this.need(8, name), false);
        break;
      case 'line':
        arg = this.line(name);
        break;
      case 'lines2':
        arg = [this.line(name), this.line(name)] as const;
        break;
      case 'b1':
        arg = this.bytes(this.data[this.need(1, name)], name);
        break;
      case 'b4s': {
        const n = this.view.getInt32(this.need(4, name), true);
        if (n < 0) this.fail(`${name} has negative length ${n}`, at);
        arg = this.bytes(n, name);
        break;
      }
      case 'b4':
        arg = this.bytes(this.view.getUint32(this.need(4, name), true), name);
        break;
      case 'b8': {
        const n = this.view.getBigUint64(this.need(8, name), true);
        if (n > BigInt(this.data.length)) this.fail(`truncated: ${name} claims ${n} bytes`, at);
        arg = this.bytes(Number(n), name);
        break;
      }
    }
    return { op, arg, at };
  }
}

/** Returns the offset just past the STOP of the pickle starting at `start`, without running it. */
export function skipPickle(data: Uint8Array, start: number, file: string): number {
  const c = new PickleCursor(data, file, start);
  for (;;) {
    if (c.next().op === OP.STOP) return c.pos;
  }
}

// Argument decoding for the text (protocol 0) opcodes and LONG1/LONG4.

export function memoIndex(arg: OpArg, fail: (d: string) => never): number {
  const s = arg as string;
  if (!/^\d+$/.test(s)) fail(`bad memo index ${JSON.stringify(s)}`);
  return Number(s);
}

export function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function parseIntText(s: string, fail: (d: string) => never): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d{1,400}$/.test(t)) fail(`bad integer ${JSON.stringify(s.slice(0, 40))}`);
  return normInt(BigInt(t.replace(/^\+/, '')));
}

export function parseFloatText(s: string, fail: (d: string) => never): number {
  const t = s.trim().toLowerCase();
  const special: Record<string, number> = {
    inf: Infinity,
    '+inf': Infinity,
    '-inf': -Infinity,
    nan: NaN,
    '-nan': NaN,
  };
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
export function unquote(s: string, fail: (d: string) => never): Uint8Array {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q)
    fail('STRING argument must be quoted');
  const body = s.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
    '\\': 92,
    "'": 39,
    '"': 34,
    '\n': -1,
  };
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
export function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string, u8: string) => {
    const cp = Number.parseInt(u4 ?? u8, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}
