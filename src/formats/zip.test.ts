import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../core/errors.js';
import { readZip } from './zip.js';
import { writeZip } from './zipWrite.js';

const fixtures = join(import.meta.dirname, '../../test/formats/fixtures');
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

const sample = () =>
  writeZip([
    { name: 'a/data.pkl', data: text('hello') },
    { name: 'a/data/0', data: new Uint8Array(1000).fill(7), compress: true },
    { name: 'ünïcode.txt', data: text('x'.repeat(300)) },
    { name: 'empty', data: new Uint8Array(0), compress: true },
  ]);

function expectFormatError(f: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(FormatError);
  expect((error as Error).message).toMatch(pattern);
}

describe('zip round trip', () => {
  it('reads back stored and deflated entries in order, with utf-8 names', () => {
    const zip = readZip(sample(), { file: 'x.zip' });
    expect(zip.entries.map((e) => e.name)).toEqual(['a/data.pkl', 'a/data/0', 'ünïcode.txt', 'empty']);
    expect(decode(zip.read('a/data.pkl'))).toBe('hello');
    expect(zip.read('a/data/0')).toEqual(new Uint8Array(1000).fill(7));
    expect(zip.entry('a/data/0')?.method).toBe(8);
    expect(zip.entry('a/data/0')!.compressedSize).toBeLessThan(100);
    expect(zip.read('ünïcode.txt').length).toBe(300);
    expect(zip.read('empty').length).toBe(0);
    expect(zip.has('missing')).toBe(false);
    expectFormatError(() => zip.read('missing'), /x\.zip: zip has no entry 'missing'/);
  });

  it('aligns stored data to 64 bytes like torch', () => {
    const data = writeZip([
      { name: 'n', data: text('abc') },
      { name: 'longer/name/here', data: new Uint8Array(13) },
    ]);
    const zip = readZip(data);
    for (const e of zip.entries) {
      const view = new DataView(data.buffer);
      const start =
        e.localHeaderOffset +
        30 +
        view.getUint16(e.localHeaderOffset + 26, true) +
        view.getUint16(e.localHeaderOffset + 28, true);
      expect(start % 64).toBe(0);
    }
  });

  it('writes and reads ZIP64 records', () => {
    const data = writeZip(
      [
        { name: 'big', data: text('zip64!') },
        { name: 'd', data: text('y'), compress: true },
      ],
      { forceZip64: true },
    );
    const zip = readZip(data);
    expect(decode(zip.read('big'))).toBe('zip64!');
    expect(decode(zip.read('d'))).toBe('y');
    // The 32-bit fields are saturated, so the reader had to use the ZIP64 values.
    expect(new DataView(data.buffer).getUint32(data.length - 6, true)).toBe(0xffffffff);
  });

  it('reads a ZIP64 archive written by Info-ZIP (zip -fz)', () => {
    const zip = readZip(readFileSync(join(fixtures, 'zip64.zip')));
    expect(zip.entries.map((e) => e.name)).toEqual(['make_fixtures.py', 'u1.npy']);
    expect(zip.read('u1.npy').length).toBe(133);
  });

  it('skips bytes prepended to the archive', () => {
    const data = sample();
    const shifted = new Uint8Array(data.length + 100);
    shifted.set(data, 100);
    expect(decode(readZip(shifted).read('a/data.pkl'))).toBe('hello');
  });
});

describe('zip: corrupt and hostile archives', () => {
  const good = sample();

  it('every truncation fails with a FormatError naming the file', () => {
    for (let n = 0; n < good.length; n++) {
      expect(() => {
        const zip = readZip(good.subarray(0, n), { file: 'cut.zip' });
        for (const e of zip.entries) zip.read(e.name);
      }, `cut at ${n}`).toThrow(/^cut\.zip: /);
    }
  });

  it('random corruption never escapes as anything but FormatError', () => {
    let seed = 99;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 3000; trial++) {
      const bad = good.slice();
      for (let k = 0; k < 3; k++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      try {
        const zip = readZip(bad);
        for (const e of zip.entries) zip.read(e.name);
      } catch (err) {
        expect(err, `trial ${trial}`).toBeInstanceOf(FormatError);
      }
    }
  });

  /** Offset of the central-directory record of entry `name`. */
  const central = (data: Uint8Array, name: string): number => {
    const needle = text(name);
    for (let p = 0; p < data.length - 46; p++) {
      if (data[p] === 0x50 && data[p + 1] === 0x4b && data[p + 2] === 1 && data[p + 3] === 2) {
        const len = data[p + 28] | (data[p + 29] << 8);
        if (len === needle.length && needle.every((b, k) => data[p + 46 + k] === b)) return p;
      }
    }
    throw new Error(`no central record for ${name}`);
  };

  it('refuses an entry claiming 10 GB without allocating', () => {
    const data = good.slice();
    const p = central(data, 'a/data/0');
    const view = new DataView(data.buffer);
    // Uncompressed size 0xFFFFFFFF would need ZIP64; claim it through a ZIP64-free lie instead.
    view.setUint32(p + 24, 0xfffffff0, true);
    expectFormatError(
      () => readZip(data, { file: 'bomb.zip' }),
      /bomb\.zip: corrupt zip: entry 'a\/data\/0' claims 4294967280 bytes uncompressed from \d+ stored/,
    );
    const stored = good.slice();
    const q = central(stored, 'a/data.pkl');
    new DataView(stored.buffer).setUint32(q + 20, 0xfffffff0, true);
    new DataView(stored.buffer).setUint32(q + 24, 0xfffffff0, true);
    expectFormatError(() => readZip(stored), /past the central directory/);
  });

  it('refuses a ZIP64 entry claiming 10 GB', () => {
    const data = writeZip([{ name: 'big', data: text('tiny'), compress: true }], { forceZip64: true });
    const p = central(data, 'big');
    const extra = p + 46 + 3;
    new DataView(data.buffer).setBigUint64(extra + 4, 10_000_000_000n, true);
    expectFormatError(() => readZip(data), /claims 10000000000 bytes uncompressed/);
  });

  it('detects CRC mismatches, bad methods, encryption, lying inflated sizes', () => {
    const crc = good.slice();
    new DataView(crc.buffer).setUint32(central(crc, 'a/data.pkl') + 16, 1234, true);
    expectFormatError(() => readZip(crc).read('a/data.pkl'), /CRC-32 mismatch in 'a\/data\.pkl'/);
    expect(readZip(crc, { verifyCrc: false }).read('a/data.pkl').length).toBe(5);
    const method = good.slice();
    new DataView(method.buffer).setUint16(central(method, 'a/data.pkl') + 10, 14, true);
    expectFormatError(() => readZip(method), /compression method 14/);
    const enc = good.slice();
    new DataView(enc.buffer).setUint16(central(enc, 'a/data.pkl') + 8, 1, true);
    expectFormatError(() => readZip(enc), /encrypted/);
    const size = good.slice();
    new DataView(size.buffer).setUint32(central(size, 'a/data/0') + 24, 999, true);
    expectFormatError(() => readZip(size).read('a/data/0'), /inflates to|cannot inflate/);
  });

  it('refuses non-zip input and absurd entry counts', () => {
    expectFormatError(
      () => readZip(text('not a zip at all, just text'), { file: 't' }),
      /t: not a zip archive or truncated/,
    );
    expectFormatError(() => readZip(new Uint8Array(0)), /end-of-central-directory record not found/);
    const data = good.slice();
    const eocd = data.length - 22;
    new DataView(data.buffer).setUint16(eocd + 10, 60000, true);
    expectFormatError(() => readZip(data), /central directory claims 60000 entries/);
  });

  it('refuses duplicate names on write', () => {
    expectFormatError(
      () =>
        writeZip([
          { name: 'a', data: text('') },
          { name: 'a', data: text('') },
        ]),
      /duplicate entry 'a'/,
    );
  });
});
