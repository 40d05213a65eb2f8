import type { DType } from '../core/dtype.js';
import { FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { type ByteSource, memorySource, toSource } from './byteSource.js';
import { asBytes, DTYPE_RAW, RAW_ITEMSIZE, type RawKind, tensorBytes, tensorFromRaw } from './rawTensor.js';

/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {str: str}}`, then the data.
 * Offsets are relative to the data section, must not overlap and must cover it without holes.
 */

const READ_KINDS: Readonly<Record<string, RawKind>> = {
  F64: 'f8',
  F32: 'f4',
  F16: 'f2',
  BF16: 'bf16',
  I64: 'i8',
  I32: 'i4',
  I16: 'i2',
  I8: 'i1',
  U8: 'u1',
  U16: 'u2',
  U32: 'u4',
  BOOL: 'b1',
};

const WRITE_NAMES: Readonly<Record<DType, string>> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

export interface SafetensorsContents {
  /** Tensors in data order. BF16 reads as float32; I8, I16, U16 as int32; U32 as int64. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export interface SafetensorsOptions {
  /** Name used in errors. */
  file?: string;
}

/** One tensor's place in a safetensors file: `begin`/`end` are relative to `dataStart`. */
export interface SafetensorsSpan {
  name: string;
  kind: RawKind;
  shape: number[];
  begin: number;
  end: number;
}

/** A checked header: metadata and the tensors' spans in data order. */
export interface SafetensorsLayout {
  metadata: Record<string, string>;
  spans: SafetensorsSpan[];
  /** Absolute offset of the data section. */
  dataStart: number;
}

/**
 * Reads and checks the header of a safetensors file (bytes or a file source: only the header is
 * read), so that a caller can then read the tensors it needs one at a time.
 */
export function readSafetensorsLayout(data: Uint8Array | ByteSource, options: SafetensorsOptions = {}): SafetensorsLayout {
  const file = options.file ?? '<safetensors>';
  const src = toSource(data);
  const fail = (detail: string): never => {
    throw new FormatError(`${file}: ${detail}`);
  };
  if (src.size < 8) fail(`truncated: ${src.size} bytes, no header length`);
  const lengthBytes = src.read(0, 8);
  const n = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(src.size - 8) || n > BigInt(MAX_HEADER))
    fail(`header claims ${n} bytes, file has ${src.size - 8} after the length`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(src.read(8, headerEnd - 8)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('header is not a JSON object');
  const bodyLength = src.size - headerEnd;
  const metadata: Record<string, string> = {};
  const spans: SafetensorsSpan[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info))
        fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    const kind = typeof dtype === 'string' ? READ_KINDS[dtype] : undefined;
    if (!kind) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(`tensor '${name}': bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const expect = count * RAW_ITEMSIZE[kind as RawKind];
    if (begin > end || end > bodyLength)
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] outside the ${bodyLength}-byte data section`);
    if (end - begin !== expect)
      fail(
        `tensor '${name}': ${dtype} shape [${shape}] needs ${expect} bytes, data_offsets span ${end - begin}`,
      );
    spans.push({ name, kind: kind as RawKind, shape: shape as number[], begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at)
      fail(`tensor '${s.name}' overlaps the previous tensor (starts at ${s.begin}, previous ends at ${at})`);
    if (s.begin > at) fail(`data section has a hole before tensor '${s.name}' (bytes ${at}..${s.begin})`);
    at = s.end;
  }
  if (at !== bodyLength) fail(`data section has ${bodyLength - at} bytes no tensor uses`);
  return { metadata, spans, dataStart: headerEnd };
}

/** One tensor of a checked layout, read from the source (a fresh copy). */
export function readSafetensorsTensor(src: ByteSource, layout: SafetensorsLayout, span: SafetensorsSpan, file = '<safetensors>'): Tensor {
  const bytes = src.read(layout.dataStart + span.begin, span.end - span.begin);
  return tensorFromRaw(bytes, span.kind, span.shape, `${file}: tensor '${span.name}'`);
}

export function readSafetensors(data: Uint8Array, options: SafetensorsOptions = {}): SafetensorsContents {
  const file = options.file ?? '<safetensors>';
  const src = memorySource(asBytes(data));
  const layout = readSafetensorsLayout(src, options);
  const tensors = new Map<string, Tensor>();
  for (const s of layout.spans) tensors.set(s.name, readSafetensorsTensor(src, layout, s, file));
  return { tensors, metadata: layout.metadata };
}

/**
 * Writes tensors and string metadata. Tensors are laid out by descending element size (stable),
 * so with the 8-byte-aligned header every tensor starts aligned to its element size.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)) as [string, Tensor][];
  const order = entries
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) => RAW_ITEMSIZE[DTYPE_RAW[b.e[1].dtype]] - RAW_ITEMSIZE[DTYPE_RAW[a.e[1].dtype]] || a.i - b.i,
    )
    .map(({ e }) => e);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of order) {
    if (name === '__metadata__')
      throw new FormatError("writeSafetensors: '__metadata__' cannot name a tensor");
    const n = tensorBytes(t).length;
    header[name] = { dtype: WRITE_NAMES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  const encoded = new TextEncoder().encode(json);
  const padded = encoded.length + ((8 - (encoded.length % 8)) % 8);
  json += ' '.repeat(padded - encoded.length);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  let p = 8 + padded;
  for (const [, t] of order) {
    const b = tensorBytes(t);
    out.set(b, p);
    p += b.length;
  }
  return out;
}
