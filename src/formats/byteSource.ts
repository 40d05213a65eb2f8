import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError } from '../core/errors.js';
import { asBytes } from './rawTensor.js';

/**
 * Random access to a file's bytes, so that a reader can take only the records it needs: a whole
 * 817 MiB training checkpoint need not be resident to import the 120 MB generator inside it.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** The bytes in memory when the whole file is (then `read` returns views into them). */
  readonly whole?: Uint8Array;
  /**
   * `length` bytes from `offset`; the caller has checked the range against `size`. In-memory
   * sources return a view; file sources a fresh buffer the caller owns.
   */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory (reads are views, no copy). */
export function memorySource(data: Uint8Array): ByteSource {
  const bytes = asBytes(data);
  return { size: bytes.length, whole: bytes, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** A source over an open file; `close` it when no reader needs it any more. */
export interface FileSource extends ByteSource {
  readonly path: string;
  close(): void;
}

/** Opens `path` for positional reads (nothing is read until asked). */
export function openFileSource(path: string): FileSource {
  const fd = openSync(path, 'r');
  let open = true;
  const size = fstatSync(fd).size;
  return {
    path,
    size,
    read(offset, length) {
      if (!open) throw new FormatError(`${path}: read after the file was closed`);
      if (offset < 0 || length < 0 || offset + length > size)
        throw new FormatError(`${path}: read of ${length} bytes at ${offset} outside the ${size}-byte file`);
      // A fresh ArrayBuffer per read: aligned for any element size, and freed with its tensor.
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n <= 0) throw new FormatError(`${path}: file shrank while being read (at byte ${offset + done})`);
        done += n;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** Accepts either bytes or a source. */
export function toSource(data: Uint8Array | ByteSource): ByteSource {
  return data instanceof Uint8Array ? memorySource(data) : data;
}
