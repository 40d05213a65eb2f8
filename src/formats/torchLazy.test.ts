import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f32, pickle, torchZip } from '../../test/formats/pickleBytes.js';
import { CheckpointError, FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { ReadBudget } from './budget.js';
import { type ByteSource, memorySource, openFileSource } from './byteSource.js';
import { PyDict } from './pyValue.js';
import { stateDictFrom } from './stateDict.js';
import { readTorchFile } from './torch.js';
import { TensorRef } from './torchTensors.js';
import { writeZip } from './zipWrite.js';

/** Lazy torch reads: tensors are checked while unpickling but copied out only when taken. */

const dir = mkdtempSync(join(tmpdir(), 'latentlab-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A source that counts the bytes read through it. */
function counting(data: Uint8Array): ByteSource & { bytesRead: number } {
  const inner = memorySource(data);
  const s = {
    size: inner.size,
    bytesRead: 0,
    read(offset: number, length: number) {
      s.bytesRead += length;
      return inner.read(offset, length).slice();
    },
  };
  return s;
}

/** {big: 1M floats in storage 'big', small: [4] in storage 'small', view: element 3 of 'big'}. */
function bigAndSmall(): Uint8Array {
  const n = 1 << 20;
  const p = pickle().proto(2).orderedDict().mark();
  p.str('big').tensorV2((q) => q.zipStorage('FloatStorage', 'big', n), 0, [n], [1]);
  p.str('small').tensorV2((q) => q.zipStorage('FloatStorage', 'small', 4), 0, [2, 2], [2, 1]);
  p.str('view').tensorV2((q) => q.zipStorage('FloatStorage', 'big', n), 3, [], []);
  const big = new Float32Array(n).map((_, i) => i);
  return torchZip(p.setitems().stop().done(), { big: new Uint8Array(big.buffer), small: f32([1, 2, 3, 4]) });
}

const values = (t: Tensor | undefined) => [...((t as Tensor<'float32'>).data as Float32Array)];

describe('readTorchFile with lazyTensors', () => {
  it('gives TensorRefs that load to the same tensors as an eager read (views, strides, broadcast)', () => {
    const ramp = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const p = pickle().proto(2).orderedDict().mark();
    const entries: [string, number, number[], number[]][] = [
      ['all', 0, [3, 4], [4, 1]],
      ['transposed', 0, [4, 3], [1, 4]],
      ['column', 2, [3], [4]],
      ['scalar', 11, [], []],
      ['empty', 0, [0, 5], [5, 1]],
      ['broadcast', 5, [2, 3], [0, 1]],
    ];
    for (const [name, offset, size, stride] of entries)
      p.str(name).tensorV2((q) => q.zipStorage('FloatStorage', '0', 12), offset, size, stride);
    const data = torchZip(p.setitems().stop().done(), { '0': ramp });
    const lazy = readTorchFile(data, { file: 'lazy.pt', lazyTensors: true }) as PyDict;
    expect(lazy.get('all')).toBeInstanceOf(TensorRef);
    expect((lazy.get('transposed') as TensorRef).shape).toEqual([4, 3]);
    const eager = stateDictFrom(readTorchFile(data, { file: 'eager.pt' }), 'eager.pt');
    const loaded = stateDictFrom(lazy, 'lazy.pt');
    for (const [name] of entries) {
      expect(loaded.get(name)?.shape, name).toEqual(eager.get(name)?.shape);
      expect(values(loaded.get(name)), name).toEqual(values(eager.get(name)));
    }
    // Each load is a fresh copy: a caller may scale it in place without touching another's.
    const ref = lazy.get('all') as TensorRef;
    expect(ref.load().data).not.toBe(ref.load().data);
  });

  it('reads only the records (and ranges) of the tensors taken', () => {
    const data = bigAndSmall();
    const eagerSource = counting(data);
    readTorchFile(eagerSource, { file: 'x.pt' });
    expect(eagerSource.bytesRead).toBeGreaterThan(4 << 20); // the 4 MiB record, read at least once

    const source = counting(data);
    const v = readTorchFile(source, { file: 'x.pt', lazyTensors: true }) as PyDict;
    const beforeLoads = source.bytesRead;
    expect(beforeLoads).toBeLessThan(128 << 10); // the tail (end records), directory, headers, data.pkl
    expect(values(stateDictFrom(new PyDict([['small', v.get('small')!]]), 'x.pt').get('small'))).toEqual([1, 2, 3, 4]);
    expect(values(stateDictFrom(new PyDict([['view', v.get('view')!]]), 'x.pt').get('view'))).toEqual([3]);
    expect(source.bytesRead - beforeLoads).toBeLessThan(16 << 10); // 16 + 4 bytes and two local headers (4 KiB reads)
    expect(values((v.get('big') as TensorRef).load()).slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('charges the budget while unpickling, exactly as an eager read does', () => {
    const data = bigAndSmall();
    const budget = () => new ReadBudget('x.pt', data.length, 1 << 20);
    expect(() => readTorchFile(data, { file: 'x.pt', budget: budget() })).toThrow(CheckpointError);
    expect(() => readTorchFile(data, { file: 'x.pt', budget: budget(), lazyTensors: true })).toThrow(CheckpointError);
    const ok = new ReadBudget('x.pt', data.length);
    readTorchFile(data, { file: 'x.pt', budget: ok, lazyTensors: true });
    const eager = new ReadBudget('x.pt', data.length);
    readTorchFile(data, { file: 'x.pt', budget: eager });
    expect(ok.tensorBytes).toBe(eager.tensorBytes);
  });

  it('checks the CRC of a record read whole, and refuses compressed ranges by inflating them eagerly', () => {
    const p = pickle().proto(2).orderedDict().mark();
    p.str('w').tensorV2((q) => q.zipStorage('FloatStorage', '0', 4), 0, [4], [1]);
    const pkl = p.setitems().stop().done();
    const good = torchZip(pkl, { '0': f32([1, 2, 3, 4]) });
    const bad = good.slice();
    const at = Buffer.from(bad).indexOf(Buffer.from(f32([1, 2, 3, 4])));
    bad[at + 1] ^= 0xff;
    const lazy = readTorchFile(bad, { file: 'bad.pt', lazyTensors: true }) as PyDict;
    expect(() => (lazy.get('w') as TensorRef).load()).toThrow(/CRC-32 mismatch/);
    // Deflated records (torch never writes them) are inflated at read time, as before.
    const deflated = writeZip([
      { name: 'a/data.pkl', data: pkl },
      { name: 'a/data/0', data: f32([5, 6, 7, 8]), compress: true },
    ]);
    const v = readTorchFile(deflated, { file: 'd.pt', lazyTensors: true }) as PyDict;
    expect(values((v.get('w') as TensorRef).load())).toEqual([5, 6, 7, 8]);
  });

  it('reads from an open file; reading after close is a FormatError', () => {
    const path = join(dir, 'x.pt');
    writeFileSync(path, bigAndSmall());
    const source = openFileSource(path);
    const v = readTorchFile(source, { file: path, lazyTensors: true }) as PyDict;
    expect(values((v.get('small') as TensorRef).load())).toEqual([1, 2, 3, 4]);
    source.close();
    expect(() => (v.get('small') as TensorRef).load()).toThrow(FormatError);
  });
});
