import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { decodeRaw, gatherStrided, type RawKind, rawKindFromNumpy } from './rawTensor.js';

/** A numpy dtype string ('<f4', '|b1', '>i8') resolved to a raw element kind and byte order. */
export interface NumpyType {
  kind: RawKind;
  bigEndian: boolean;
}

/**
 * Parses a numpy type string with optional byte-order prefix. `what` names the field in errors.
 * Structured, object, string and complex types are refused.
 */
export function parseNumpyType(descr: string, what: string): NumpyType {
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const kind = m ? rawKindFromNumpy(m[2]) : undefined;
  if (!m || !kind) {
    throw new FormatError(
      `${what}: unsupported numpy dtype ${JSON.stringify(descr)} (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 b1)`,
    );
  }
  return { kind, bigEndian: m[1] === '>' };
}

/** Column-major (Fortran) strides in elements. */
function fortranStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (const d of shape) {
    s.push(acc);
    acc *= d;
  }
  return s;
}

/** Builds a C-order tensor from a numpy data buffer (C or Fortran order, either byte order). */
export function numpyArrayFromBytes(
  bytes: Uint8Array,
  type: NumpyType,
  shape: readonly number[],
  fortranOrder: boolean,
  what: string,
): Tensor {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new FormatError(`${what}: bad dimension ${d} in shape (${shape.join(', ')})`);
    count *= d;
  }
  if (!Number.isSafeInteger(count))
    throw new FormatError(`${what}: shape (${shape.join(', ')}) is too large`);
  const { dtype, data } = decodeRaw(bytes, type.kind, count, what, type.bigEndian);
  if (!fortranOrder || shape.length < 2) return new Tensor(dtype, shape, data);
  return new Tensor(dtype, shape, gatherStrided(dtype, data, 0, shape, fortranStrides(shape)));
}
