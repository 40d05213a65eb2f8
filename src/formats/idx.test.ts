import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { loadIdx, readIdx, writeIdx } from './idx.js';

const ROOT = process.env.LATENTLAB_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** A raw IDX header: magic 0x0000, type, rank, big-endian dims. */
function header(type: number, dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  const v = new DataView(h.buffer);
  for (const [i, d] of dims.entries()) v.setUint32(4 + 4 * i, d, false);
  return h;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function counts(labels: Tensor): number[] {
  const c = new Array(10).fill(0);
  for (const v of labels.data as Uint8Array) c[v]++;
  return c;
}

describe('readIdx on Fashion-MNIST (dataset-fashion-mnist)', () => {
  it('reads the train and test images and labels with their documented shapes and balance', async () => {
    if (!existsSync(`${ROOT}/train-images-idx3-ubyte.gz`)) {
      throw new Error(`Fashion-MNIST is missing from ${ROOT}: apt-get install -y dataset-fashion-mnist`);
    }
    const [trainX, trainY, testX, testY] = await Promise.all(
      ['train-images-idx3', 'train-labels-idx1', 't10k-images-idx3', 't10k-labels-idx1'].map((f) =>
        loadIdx(`${ROOT}/${f}-ubyte.gz`),
      ),
    );
    expect([trainX.dtype, trainX.shape]).toEqual(['uint8', [60000, 28, 28]]);
    expect(trainY.shape).toEqual([60000]);
    expect([testX.dtype, testX.shape]).toEqual(['uint8', [10000, 28, 28]]);
    expect(testY.shape).toEqual([10000]);
    expect(counts(trainY)).toEqual(new Array(10).fill(6000));
    expect(counts(testY)).toEqual(new Array(10).fill(1000));
    // Zalando's README: the first training image is an ankle boot (9), the first test image too.
    expect([trainY.data[0], testY.data[0]]).toEqual([9, 9]);
    const px = trainX.data as Uint8Array;
    expect(Math.max(...px.subarray(0, 784))).toBe(255);
  });
});

describe('readIdx', () => {
  it('round-trips every element type, raw and gzipped (MNIST files are the same format)', () => {
    const cases: Tensor[] = [
      new Tensor('uint8', [2, 3], Uint8Array.from([0, 1, 2, 253, 254, 255])),
      new Tensor('int32', [3], Int32Array.from([-5, 0, 2 ** 31 - 1])),
      Tensor.float32([2, 2], [0.5, -1.25, 3e-8, 1e30]),
      Tensor.float64([1, 1, 2], [Math.PI, -Math.E]),
    ];
    for (const t of cases) {
      for (const bytes of [writeIdx(t), gzipSync(writeIdx(t))]) {
        const r = readIdx(bytes);
        expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
        expect(Array.from(r.data as ArrayLike<number>)).toEqual(Array.from(t.data as ArrayLike<number>));
      }
    }
  });

  it('widens int8 and int16 to int32, big-endian', () => {
    const i8 = readIdx(concat(header(0x09, [3]), Uint8Array.from([0xff, 0x80, 0x7f])));
    expect([i8.dtype, Array.from(i8.data as Int32Array)]).toEqual(['int32', [-1, -128, 127]]);
    const i16 = readIdx(concat(header(0x0b, [2]), Uint8Array.from([0x80, 0x00, 0x01, 0x02])));
    expect(Array.from(i16.data as Int32Array)).toEqual([-32768, 258]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated: 0 bytes/],
    [
      'bad magic',
      concat(Uint8Array.from([0x08, 0x03]), header(0x08, [1]).subarray(2), new Uint8Array(1)),
      /magic starts with 0x0803/,
    ],
    ['unknown type', concat(header(0x0a, [1]), new Uint8Array(1)), /unknown IDX element type 0x0a/],
    ['rank 0', header(0x08, []), /rank is 0/],
    ['truncated header', header(0x08, [2, 2]).subarray(0, 9), /truncated header: rank 2 needs 12 bytes/],
    [
      'truncated data',
      concat(header(0x08, [60000, 28, 28]), new Uint8Array(100)),
      /truncated: uint8 \[60000, 28, 28\] needs 47040016 bytes/,
    ],
    [
      'trailing bytes',
      concat(header(0x0c, [2]), new Uint8Array(9)),
      /trailing bytes: int32 \[2\] needs 16 bytes/,
    ],
    ['corrupt gzip', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]), /corrupt or truncated gzip/],
    [
      'truncated gzip',
      gzipSync(concat(header(0x08, [100]), new Uint8Array(100).fill(7))).subarray(0, 20),
      /corrupt or truncated gzip/,
    ],
  ];
  for (const [name, bytes, message] of bad) {
    it(`refuses ${name} with a FormatError naming the file`, () => {
      const call = () => readIdx(bytes, { file: 'bad.idx' });
      expect(call).toThrow(FormatError);
      expect(call).toThrow(message);
      expect(call).toThrow(/^bad\.idx: /);
    });
  }

  it('refuses a gzip stream that inflates past maxBytes', () => {
    const bomb = gzipSync(concat(header(0x08, [1 << 20]), new Uint8Array(1 << 20)));
    expect(() => readIdx(bomb, { maxBytes: 1 << 16 })).toThrow(/header declares 1048584 bytes of uint8 data, over the 65536-byte limit/);
  });

  it('names a missing file', async () => {
    await expect(loadIdx('/nonexistent/x-idx1-ubyte.gz')).rejects.toThrow(
      /\/nonexistent\/x-idx1-ubyte\.gz: cannot read/,
    );
  });
});
