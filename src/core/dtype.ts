/** Element types the library moves between host and runtime. float16 is storage only (raw bits). */
export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

export type FloatDType = 'float32' | 'float64';

export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocate<D extends DType>(dtype: D, size: number): TypedArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as TypedArrayOf[D];
    case 'float64':
      return new Float64Array(size) as TypedArrayOf[D];
    case 'float16':
      return new Uint16Array(size) as TypedArrayOf[D];
    case 'int64':
      return new BigInt64Array(size) as TypedArrayOf[D];
    case 'int32':
      return new Int32Array(size) as TypedArrayOf[D];
    default:
      return new Uint8Array(size) as TypedArrayOf[D];
  }
}
