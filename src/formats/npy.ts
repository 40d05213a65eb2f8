import type { DType } from '../core/dtype.js';
import { FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { numpyArrayFromBytes, parseNumpyType } from './numpyDtype.js';
import { asBytes, RAW_ITEMSIZE, tensorBytes } from './rawTensor.js';

/**
 * numpy's .npy format, versions 1.0–3.0. Reads C- and Fortran-order arrays of either byte
 * order into C-order tensors; writes what `numpy.save` writes, byte for byte.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
/** numpy leaves room for the growth axis to reach 21 digits so headers can be rewritten in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  uint8: '|u1',
  bool: '|b1',
};

type Literal = string | number | boolean | null | Literal[] | { [k: string]: Literal };

/** Parses the Python literal in an .npy header (dict of str, bool, int tuple); never evaluates. */
function parseHeader(text: string, what: string): { [k: string]: Literal } {
  let i = 0;
  const fail = (detail: string): never => {
    throw new FormatError(
      `${what}: bad .npy header (${detail} at char ${i}): ${JSON.stringify(text.slice(0, 120))}`,
    );
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): Literal => {
    if (depth > 8) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      const obj: { [k: string]: Literal } = {};
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return c === '{' ? obj : items;
        }
        const v = value(depth + 1);
        ws();
        if (c === '{') {
          if (typeof v !== 'string' || text[i] !== ':') fail('expected string key and colon');
          i++;
          obj[v as string] = value(depth + 1);
          ws();
        } else items.push(v);
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const v = value(0);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('header is not a dict');
  return v as { [k: string]: Literal };
}

export interface NpyOptions {
  /** Name used in errors. */
  file?: string;
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  dims: number[];
  /** Offset of the data. */
  start: number;
  /** Data bytes the header promises. */
  expected: number;
}

function readHeader(data: Uint8Array, what: string): NpyHeader {
  if (data.length < 10 || MAGIC.some((b, k) => data[k] !== b))
    throw new FormatError(`${what}: not an .npy file (bad magic)`);
  const major = data[6];
  if (major < 1 || major > 3) throw new FormatError(`${what}: unsupported .npy version ${major}.${data[7]}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (data.length < 8 + lenBytes) throw new FormatError(`${what}: truncated .npy header`);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + hlen > data.length)
    throw new FormatError(`${what}: truncated .npy header (${hlen} bytes declared)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(data.subarray(start, start + hlen));
  const header = parseHeader(text, what);
  const { descr, fortran_order: fortran, shape } = header;
  if (typeof descr !== 'string') {
    throw new FormatError(`${what}: structured dtype ${JSON.stringify(descr)} is not supported`);
  }
  if (descr.includes('O')) throw new FormatError(`${what}: object arrays need pickle and are not supported`);
  if (typeof fortran !== 'boolean') throw new FormatError(`${what}: header lacks fortran_order`);
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new FormatError(`${what}: bad shape ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const type = parseNumpyType(descr, what);
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * RAW_ITEMSIZE[type.kind];
  if (!Number.isSafeInteger(expected)) throw new FormatError(`${what}: shape (${dims.join(', ')}) is too large`);
  return { descr, fortran, dims, start: start + hlen, expected };
}

/** Where an .npy's data ends and how many data bytes it holds, from its header alone. */
export function npyDataBytes(head: Uint8Array, what = '<npy>'): { data: number; end: number } {
  const h = readHeader(asBytes(head), what);
  return { data: h.expected, end: h.start + h.expected };
}

/** Reads an .npy file into a C-order tensor. */
export function readNpy(data: Uint8Array, options: NpyOptions = {}): Tensor {
  const what = options.file ?? '<npy>';
  data = asBytes(data);
  const { descr, fortran, dims, start, expected } = readHeader(data, what);
  const type = parseNumpyType(descr, what);
  const body = data.subarray(start);
  if (body.length !== expected) {
    throw new FormatError(
      `${what}: ${descr} array of shape (${dims.join(', ')}) needs ${expected} data bytes, file has ${body.length}`,
    );
  }
  return numpyArrayFromBytes(body, type, dims, fortran, what);
}

function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Writes a tensor as numpy.save does (C order, little-endian, 64-byte aligned header). */
export function writeNpy(t: Tensor): Uint8Array {
  let header = `{'descr': '${DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeRepr(t.shape)}, }`;
  if (t.shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  const padFor = (prefix: number) => ARRAY_ALIGN - ((prefix + header.length + 1) % ARRAY_ALIGN);
  // Version 1.0 stores the header length in 16 bits; numpy switches to 2.0 beyond that.
  const major = header.length + 1 + padFor(10) > 0xffff ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  const pad = padFor(prefix);
  const text = `${header}${' '.repeat(pad)}\n`;
  const body = tensorBytes(t);
  const out = new Uint8Array(prefix + text.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[prefix + k] = text.charCodeAt(k);
  out.set(body, prefix + text.length);
  return out;
}
