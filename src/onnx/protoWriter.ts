/**
 * A small protobuf wire-format writer: just what ONNX's ModelProto needs (varints, fixed32,
 * length-delimited fields). Messages are written into their own writer and appended whole.
 *
 * A writer is a list of chunks: small fields go into a growing scratch buffer, large byte payloads
 * (initializer data) are kept by reference, and an appended message hands its chunks over. So every
 * weight byte is copied exactly once, by `finish` (or not at all by `chunks`, for writing to a file),
 * however deeply it is nested: a 1024x1024 StyleGAN2 serialises in one pass over its weights.
 */

/** Payloads at least this long are referenced, not copied, until finish(). */
const BY_REFERENCE = 4096;

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private len = 0;
  /** Bytes in `parts` (the scratch buffer's `len` comes on top). */
  private flushed = 0;

  /** Total bytes written so far. */
  get length(): number {
    return this.flushed + this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Moves the scratch bytes into `parts` (a fresh scratch buffer follows). */
  private flush(): void {
    if (this.len === 0) return;
    this.parts.push(this.buf.subarray(0, this.len));
    this.flushed += this.len;
    this.buf = new Uint8Array(256);
    this.len = 0;
  }

  private rawVarint(v: number): void {
    if (v < 0 || !Number.isSafeInteger(v)) {
      this.rawBigVarint(BigInt.asUintN(64, BigInt(v)));
      return;
    }
    this.reserve(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  private rawBigVarint(v: bigint): void {
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** int64/int32/enum/bool field (negative values as 10-byte two's complement, like protobuf). */
  varint(field: number, v: number): this {
    this.tag(field, 0);
    this.rawVarint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
    return this;
  }

  /** A length-delimited field. Large payloads are referenced: do not modify `data` before finish(). */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(data.length);
    if (data.length >= BY_REFERENCE) {
      this.flush();
      this.parts.push(data);
      this.flushed += data.length;
      return this;
    }
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    this.tag(field, 2);
    this.rawVarint(w.length);
    if (w.length < BY_REFERENCE) {
      const small = w.finish();
      this.reserve(small.length);
      this.buf.set(small, this.len);
      this.len += small.length;
      return this;
    }
    this.flush();
    for (const part of w.chunks()) {
      this.parts.push(part);
      this.flushed += part.length;
    }
    return this;
  }

  /** The serialised bytes as a list of chunks, in order (no copy; for streaming to a file). */
  chunks(): Uint8Array[] {
    return this.len ? [...this.parts, this.buf.subarray(0, this.len)] : [...this.parts];
  }

  /** The serialised bytes in one buffer. */
  finish(): Uint8Array {
    if (this.parts.length === 0) return this.buf.subarray(0, this.len);
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.chunks()) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
