import { afterAll, describe, expect, it } from 'vitest';
import { FuzzPool } from '../../tools/fuzz/pool.js';
import type { ReaderName } from '../../tools/fuzz/readers.js';
import {
  honestDeflateBomb,
  idxGzipBomb,
  legacyDeepNesting,
  npzDeflateBomb,
  nvidiaSharedExtras,
  strideZeroRepeats,
  torchSharedKey,
} from './attacks.js';

/**
 * Issue 16's attack classes as crafted files. Each runs in a child process (tools/fuzz/pool.ts)
 * that is killed past 1 GiB RSS, and must come back as a typed error naming the file. The issue
 * asks for < 5 s; the fuzzer enforces that, while this test allows 60 s so a loaded CI machine
 * (2 cores) cannot make it flaky: the verdict (typed error, RSS) is what is asserted.
 */

const pool = new FuzzPool({ timeoutMs: 60_000, rssBytes: 2 ** 30 });
afterAll(() => pool.close());

async function refused(reader: ReaderName, bytes: Uint8Array, file: string, message: RegExp): Promise<void> {
  const v = await pool.run(reader, bytes, file);
  expect(v.outcome, v.message).toBe('typed');
  expect(v.message).toMatch(message);
  expect(v.message).toContain(file);
  expect(v.rss).toBeLessThan(2 ** 30);
}

describe('hostile files are refused with typed errors, within 1 GiB', () => {
  it('memo/DUP shared references (2^40 lists, 3^40 tuples) are converted once and budgeted', async () => {
    const nv = nvidiaSharedExtras();
    expect(nv.length).toBeLessThan(2000);
    await refused('nvidia', nv, 'shared.pkl', /expands to more than 1000000 values/);
    await refused('import', nv, 'shared.pkl', /expands to more than 1000000 values/);
    const key = torchSharedKey();
    await refused('import', key, 'sharedkey.pt', /state dict entry tuple of 3 is int|not a PyTorch checkpoint|unrecognised/);
  }, 180_000);

  it('a dict keyed by 100,000 nested lists gives a typed error, not a stack overflow', async () => {
    await refused('import', legacyDeepNesting(), 'deep.pt', /state dict entry list of 1 is None, expected a tensor/);
    const walk = await pool.run('torch', legacyDeepNesting(), 'deep.pt'); // collectTensors: depth-limited walk
    expect(walk.outcome, walk.message).toBe('ok');
  }, 180_000);

  it('a memoised _rebuild_tensor_v2 repeated 12 times (stride 0, 256 MiB each) hits the tensor budget', async () => {
    const bytes = strideZeroRepeats(12);
    expect(bytes.length).toBeLessThan(2000);
    await refused('torch', bytes, 'stride0.pt', /over the limit of 64\.\d MiB/);
  }, 180_000);

  it('an honest-ratio deflate bomb (3 GiB record) inflates only the 4 bytes its tensor uses', async () => {
    const bomb = honestDeflateBomb(1, 3);
    expect(bomb.length).toBeLessThan(4e6);
    const v = await pool.run('torch', bomb, 'bomb.pt');
    expect(v.outcome, v.message).toBe('ok'); // a valid file: the 4-byte tensor reads, nothing else inflates
    expect(v.rss).toBeLessThan(2 ** 30);
    // the same record claimed whole by its tensor is refused by the budget before inflating
    await refused('torch', honestDeflateBomb(3 * 2 ** 28, 3), 'bomb.pt', /over the limit/);
    await refused('npz', npzDeflateBomb(3), 'bomb.npz', /promises 132 bytes, the member holds/);
  }, 180_000);

  it('a 1.6 MB gzip IDX declaring 1.6 GB is refused from its header', async () => {
    const gz = idxGzipBomb(1600);
    expect(gz.length).toBeLessThan(2e6);
    await refused('idx', gz, 'train-images-idx3-ubyte.gz', /over the limit/);
  }, 180_000);
});

describe('checkpoint errors say what the file is', () => {
  it('a broken .pkl says it is not a PyTorch/NVIDIA checkpoint', async () => {
    await refused('import', Uint8Array.from([0x74, 0x2e]), 'x.pkl', /x\.pkl: not a PyTorch\/NVIDIA checkpoint .*TUPLE: no MARK/);
  }, 60_000);
});
