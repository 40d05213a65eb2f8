// Reads the float tensors of a safetensors file in the page (noise_const.safetensors): the header is
// checked against the file's size before any view is made.
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export function readFloatSafetensors(bytes: ArrayBuffer, file: string): Map<string, FloatTensor> {
  if (bytes.byteLength < 8) throw new Error(`${file}: truncated (${bytes.byteLength} bytes)`);
  const n = Number(new DataView(bytes).getBigUint64(0, true));
  if (n > bytes.byteLength - 8) throw new Error(`${file}: header claims ${n} bytes, the file has ${bytes.byteLength - 8}`);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 8, n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const body = 8 + n;
  const out = new Map<string, FloatTensor>();
  for (const [name, spec] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = spec.data_offsets;
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const size = spec.dtype === 'F32' ? 4 : spec.dtype === 'F16' ? 2 : 0;
    if (!size) throw new Error(`${file}: tensor '${name}' is ${spec.dtype}, expected F32 or F16`);
    if (end - begin !== count * size || body + end > bytes.byteLength) throw new Error(`${file}: tensor '${name}' [${spec.shape}] does not fit its ${end - begin} bytes`);
    const raw = bytes.slice(body + begin, body + end);
    const data = size === 4 ? new Float32Array(raw) : Float32Array.from(new Uint16Array(raw), halfToFloat);
    out.set(name, { shape: spec.shape, data });
  }
  return out;
}
