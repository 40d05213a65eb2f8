import { CheckpointError, FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { type NumpyType, numpyArrayFromBytes, parseNumpyType } from './numpyDtype.js';
import { INERT } from './pythonGlobals.js';
import { TensorRef } from './torchTensors.js';
import {
  type CallContext,
  describePy,
  type GlobalHandler,
  type GlobalTable,
  type HostValue,
  isIntTuple,
  isTuple,
  type PyValue,
} from './pyValue.js';

/**
 * numpy values inside pickles, as data: dtypes, scalars (`numpy.core.multiarray.scalar`,
 * e.g. NVIDIA's float64 `weight_gain`) and arrays (`_reconstruct` + BUILD).
 */

const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** `numpy.dtype(code, align, copy)`; BUILD sets the byte order. */
export class NumpyDtypeValue implements HostValue {
  readonly kind = 'numpy.dtype';
  byteorder = '=';
  constructor(
    readonly code: string,
    private readonly file: string,
  ) {}
  setState(state: PyValue): void {
    if (isTuple(state) && typeof state[1] === 'string') this.byteorder = state[1];
  }
  /** The element type, or a CheckpointError naming the dtype. */
  type(): NumpyType {
    try {
      return parseNumpyType(
        `${this.byteorder === '>' ? '>' : '<'}${this.code}`,
        `numpy dtype '${this.code}'`,
      );
    } catch (err) {
      throw new CheckpointError(this.file, (err as FormatError).message);
    }
  }
}

/** A numpy array rebuilt by `_reconstruct`; its data arrives with BUILD. Use `asTensor`. */
export class NumpyArrayValue implements HostValue {
  readonly kind = 'numpy.ndarray';
  tensor: Tensor | undefined;
  constructor(private readonly file: string) {}
  setState(state: PyValue): void {
    // (version, shape, dtype, is_fortran, rawdata); version is absent in very old pickles.
    const s = isTuple(state) && state.length === 4 ? [1, ...state] : state;
    if (!isTuple(s) || s.length !== 5) {
      throw new CheckpointError(this.file, `numpy array: unexpected state ${describePy(state)}`);
    }
    const [, shape, dtype, fortran, raw] = s;
    if (!isIntTuple(shape) || !(dtype instanceof NumpyDtypeValue)) {
      throw new CheckpointError(this.file, `numpy array: bad shape or dtype in state`);
    }
    const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? latin1Bytes(raw) : undefined;
    if (!bytes)
      throw new CheckpointError(
        this.file,
        `numpy array: object arrays are not supported (data is ${describePy(raw)})`,
      );
    try {
      this.tensor = numpyArrayFromBytes(
        bytes,
        dtype.type(),
        shape,
        fortran === true,
        'numpy array in pickle',
      );
    } catch (err) {
      if (err instanceof FormatError) throw new CheckpointError(this.file, err.message);
      throw err;
    }
  }
}

/**
 * The tensor inside a value that is a Tensor, a rebuilt numpy array or a lazily read torch tensor
 * (loaded now: a fresh copy per call); undefined otherwise.
 */
export function asTensor(v: PyValue | undefined): Tensor | undefined {
  if (v instanceof Tensor) return v;
  if (v instanceof NumpyArrayValue) return v.tensor;
  if (v instanceof TensorRef) return v.load();
  return undefined;
}

function scalar(args: readonly PyValue[], ctx: CallContext): PyValue {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtypeValue)) {
    throw new CheckpointError(ctx.file, `numpy scalar: expected a dtype, got ${describePy(dtype)}`);
  }
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? latin1Bytes(raw) : undefined;
  if (!bytes) throw new CheckpointError(ctx.file, `numpy scalar: expected bytes, got ${describePy(raw)}`);
  const type = dtype.type();
  let t: Tensor;
  try {
    t = numpyArrayFromBytes(bytes, type, [], false, 'numpy scalar');
  } catch (err) {
    throw new CheckpointError(ctx.file, (err as Error).message);
  }
  const v = t.data[0];
  if (type.kind === 'b1') return v !== 0;
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return t.dtype === 'float16' ? t.toFloat32().data[0] : v;
}

/** Protocol 5: `_frombuffer(buffer, dtype, shape, order)` with the buffer in-band (BYTEARRAY8). */
function fromBuffer(args: readonly PyValue[], ctx: CallContext): PyValue {
  const [buf, dtype, shape, order] = args;
  if (!(buf instanceof Uint8Array) || !(dtype instanceof NumpyDtypeValue) || !isIntTuple(shape)) {
    throw new CheckpointError(
      ctx.file,
      `numpy _frombuffer: unexpected arguments (${args.map(describePy).join(', ')})`,
    );
  }
  try {
    return numpyArrayFromBytes(buf, dtype.type(), shape, order === 'F', 'numpy array in pickle');
  } catch (err) {
    if (err instanceof FormatError) throw new CheckpointError(ctx.file, err.message);
    throw err;
  }
}

const dtypeHandler: GlobalHandler = {
  call: (args, ctx) => {
    if (typeof args[0] !== 'string')
      throw new CheckpointError(ctx.file, `numpy.dtype: expected a type code, got ${describePy(args[0])}`);
    return new NumpyDtypeValue(args[0], ctx.file);
  },
};
const reconstruct: GlobalHandler = { call: (_args, ctx) => new NumpyArrayValue(ctx.file) };
const scalarHandler: GlobalHandler = { call: scalar };

export const NUMPY_GLOBALS: GlobalTable = {
  'numpy.dtype': dtypeHandler,
  'numpy.ndarray': INERT,
  'numpy.core.multiarray.scalar': scalarHandler,
  'numpy.core.multiarray._reconstruct': reconstruct,
  // numpy 2 moved numpy.core to numpy._core; pickles written by it name the new module.
  'numpy._core.multiarray.scalar': scalarHandler,
  'numpy._core.multiarray._reconstruct': reconstruct,
  'numpy.core.numeric._frombuffer': { call: fromBuffer },
  'numpy._core.numeric._frombuffer': { call: fromBuffer },
};
