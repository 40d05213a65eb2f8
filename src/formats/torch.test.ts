import { describe, expect, it } from 'vitest';
import { f32, legacyTorch, pickle, torchZip } from '../../test/formats/pickleBytes.js';
import { CheckpointError, FormatError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { findNonFinite } from './nonFinite.js';
import { PLAIN_CLASS } from './pythonGlobals.js';
import { PyDict, PyObject } from './pyValue.js';
import { collectTensors, stateDictFrom } from './stateDict.js';
import { readTorchFile } from './torch.js';
import { writeZip } from './zipWrite.js';

const storage0 =
  (type = 'FloatStorage', key = '0', numel = 12) =>
  (p: ReturnType<typeof pickle>) =>
    p.zipStorage(type, key, numel);

/** data.pkl for {name: tensor, ...} where every tensor views storage '0' (12 floats 0..11). */
function stateDictPickle(entries: [string, number, number[], number[]][], storage = storage0()): Uint8Array {
  const p = pickle().proto(2).orderedDict().mark();
  for (const [name, offset, size, stride] of entries) p.str(name).tensorV2(storage, offset, size, stride);
  return p.setitems().stop().done();
}

const ramp = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
const read = (data: Uint8Array) => readTorchFile(data, { file: 'test.pt' });

describe('readTorchFile: zip format', () => {
  it('rebuilds contiguous, offset, strided, scalar and empty tensors from one storage', () => {
    const pkl = stateDictPickle([
      ['all', 0, [3, 4], [4, 1]],
      ['row1', 4, [4], [1]],
      ['transposed', 0, [4, 3], [1, 4]],
      ['column', 2, [3], [4]],
      ['scalar', 11, [], []],
      ['empty', 0, [0, 5], [5, 1]],
      ['broadcast', 5, [2, 3], [0, 1]],
    ]);
    const sd = stateDictFrom(read(torchZip(pkl, { '0': ramp })), 'test.pt');
    const values = (k: string) => [...(sd.get(k) as Tensor<'float32'>).data];
    expect([...sd.keys()]).toEqual(['all', 'row1', 'transposed', 'column', 'scalar', 'empty', 'broadcast']);
    expect(values('row1')).toEqual([4, 5, 6, 7]);
    expect(sd.get('transposed')?.shape).toEqual([4, 3]);
    expect(values('transposed')).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(values('column')).toEqual([2, 6, 10]);
    expect(sd.get('scalar')?.shape).toEqual([]);
    expect(values('scalar')).toEqual([11]);
    expect(sd.get('empty')?.shape).toEqual([0, 5]);
    expect(values('broadcast')).toEqual([5, 6, 7, 5, 6, 7]);
  });

  it('reads half, bfloat16, double, int64, int8 and bool storages', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer); // 1, -2
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4049]).buffer); // 1, 3.140625
    const dbl = new Uint8Array(new Float64Array([0.1, -1e300]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([8n, -(2n ** 60n)]).buffer);
    const p = pickle().proto(2).emptyDict().mark();
    const add = (name: string, type: string, key: string) =>
      p.str(name).tensorV2((q) => q.zipStorage(type, key, 2), 0, [2], [1]);
    add('h', 'HalfStorage', 'h');
    add('bf', 'BFloat16Storage', 'bf');
    add('d', 'DoubleStorage', 'd');
    add('l', 'LongStorage', 'l');
    add('c', 'CharStorage', 'c');
    add('b', 'BoolStorage', 'b');
    const data = torchZip(p.setitems().stop().done(), {
      h: half,
      bf: bf16,
      d: dbl,
      l: i64,
      c: Uint8Array.from([0xff, 0x7f]),
      b: Uint8Array.from([1, 0]),
    });
    const sd = stateDictFrom(read(data), 'test.pt');
    expect(sd.get('h')?.dtype).toBe('float16');
    expect([...(sd.get('h') as Tensor).toFloat32().data]).toEqual([1, -2]);
    expect(sd.get('bf')?.dtype).toBe('float32');
    expect([...(sd.get('bf') as Tensor<'float32'>).data]).toEqual([1, 3.140625]);
    expect([...(sd.get('d') as Tensor<'float64'>).data]).toEqual([0.1, -1e300]);
    expect([...(sd.get('l') as Tensor<'int64'>).data]).toEqual([8n, -(2n ** 60n)]);
    expect([...(sd.get('c') as Tensor<'int32'>).data]).toEqual([-1, 127]);
    expect(sd.get('b')?.dtype).toBe('bool');
  });

  it('reads _rebuild_tensor_v3 over an untyped storage, and parameters', () => {
    const p = pickle().proto(2).emptyDict().str('w').global('torch._utils', '_rebuild_parameter');
    p.global('torch._utils', '_rebuild_tensor_v3').mark().zipStorage('UntypedStorage', '0', 16);
    p.int(1).ints([2]).ints([1]).bool(false).orderedDict().global('torch', 'float32').tuple().reduce();
    p.bool(true).orderedDict().tupleN(3).reduce().setitem().stop();
    const sd = stateDictFrom(read(torchZip(p.done(), { '0': f32([9, 8, 7, 6]) })), 'test.pt');
    expect([...(sd.get('w') as Tensor<'float32'>).data]).toEqual([8, 7]);
  });

  it('returns nested checkpoint dicts (rosinality layout) and collects their tensors', () => {
    const p = pickle().proto(2).emptyDict().mark().str('g_ema').orderedDict().str('style.1.weight');
    p.tensorV2(storage0(), 0, [2, 2], [2, 1]).setitem().str('latent_avg').tensorV2(storage0(), 4, [4], [1]);
    p.str('args').global('argparse', 'Namespace').tupleN(0).reduce().setitems().stop();
    const v = read(torchZip(p.done(), { '0': ramp }));
    expect(v).toBeInstanceOf(PyDict);
    expect((v as PyDict).get('args')).toBeInstanceOf(PyObject);
    expect([...stateDictFrom(v, 'x', 'g_ema').keys()]).toEqual(['style.1.weight']);
    expect([...collectTensors(v).keys()]).toEqual(['g_ema.style.1.weight', 'latent_avg']);
    expect(() => stateDictFrom(v, 'x', 'g')).toThrow(
      /no 'g' in the checkpoint \(found: g_ema, latent_avg, args\)/,
    );
  });

  it('reads whole pickled nn.Modules (torch.save(model)) as data objects', () => {
    const p = pickle().proto(2).global('torch.nn.modules.container', 'Sequential').tupleN(0).newobj();
    p.emptyDict()
      .mark()
      .str('training')
      .bool(false)
      .str('_parameters')
      .orderedDict()
      .str('_buffers')
      .orderedDict();
    p.str('_modules').orderedDict().str('0').global('torch.nn.modules.linear', 'Linear').tupleN(0).newobj();
    p.emptyDict().mark().str('_parameters').orderedDict().str('weight');
    p.global('torch._utils', '_rebuild_parameter')
      .tensorV2(storage0(), 0, [2, 3], [3, 1])
      .bool(true)
      .orderedDict();
    p.tupleN(3)
      .reduce()
      .setitem()
      .str('in_features')
      .int(3)
      .setitems()
      .build()
      .setitem()
      .setitems()
      .build()
      .stop();
    const model = read(torchZip(p.done(), { '0': ramp }));
    expect(model).toBeInstanceOf(PyObject);
    expect((model as PyObject).qualifiedName).toBe('torch.nn.modules.container.Sequential');
    const sd = stateDictFrom(model, 'x');
    expect([...sd.keys()]).toEqual(['0.weight']);
    expect(sd.get('0.weight')?.shape).toEqual([2, 3]);
    // A model class defined in the training script is refused unless the caller allows it.
    const user = pickle().proto(2).global('__main__', 'Generator').tupleN(0).newobj().stop().done();
    expect(() => read(torchZip(user, {}))).toThrow(/refusing global '__main__\.Generator'/);
    const allowed = readTorchFile(torchZip(user, {}), { globals: { '__main__.Generator': PLAIN_CLASS } });
    expect((allowed as PyObject).name).toBe('Generator');
  });

  it('loads NaN/Inf tensors, which findNonFinite reports', () => {
    const pkl = stateDictPickle([['w', 0, [4], [1]]], storage0('FloatStorage', '0', 4));
    const sd = stateDictFrom(
      read(torchZip(pkl, { '0': f32([1, Number.NaN, Number.POSITIVE_INFINITY, 2]) })),
      'x',
    );
    expect(findNonFinite(sd.get('w') as Tensor)).toEqual({ nan: 1, posInf: 1, negInf: 0, firstIndex: 1 });
  });
});

describe('readTorchFile: legacy torch.save stream', () => {
  it('fills tensors from storages that follow the pickle, including storage views', () => {
    const main = pickle().proto(2).emptyDict().mark();
    main.str('a').tensorV2((p) => p.legacyStorage('FloatStorage', '140', 6), 1, [2, 2], [1, 2]);
    main.str('v').tensorV2((p) => p.legacyStorage('FloatStorage', '140', 6, ['141', 2, 3]), 1, [2], [1]);
    main.str('n').tensorV2((p) => p.legacyStorage('LongStorage', '7', 1), 0, [], []);
    const data = legacyTorch(main.setitems().stop().done(), [
      ['140', 6, f32([0, 1, 2, 3, 4, 5])],
      ['7', 1, new Uint8Array(new BigInt64Array([8n]).buffer)],
    ]);
    const sd = stateDictFrom(read(data), 'x');
    expect([...(sd.get('a') as Tensor<'float32'>).data]).toEqual([1, 3, 2, 4]);
    expect([...(sd.get('v') as Tensor<'float32'>).data]).toEqual([3, 4]);
    expect([...(sd.get('n') as Tensor<'int64'>).data]).toEqual([8n]);
  });

  it('byte-swaps storages written on a big-endian machine', () => {
    const main = pickle()
      .proto(2)
      .tensorV2((p) => p.legacyStorage('FloatStorage', '1', 2), 0, [2], [1])
      .stop()
      .done();
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -3, false);
    const t = read(legacyTorch(main, [['1', 2, be]], false)) as Tensor<'float32'>;
    expect([...t.data]).toEqual([1.5, -3]);
  });

  it('refuses storages whose size disagrees with the stream or the file', () => {
    const main = pickle()
      .proto(2)
      .tensorV2((p) => p.legacyStorage('FloatStorage', '1', 4), 0, [4], [1])
      .stop()
      .done();
    expect(() => read(legacyTorch(main, [['1', 3, f32([1, 2, 3])]]))).toThrow(
      /records 3 elements, its tensor expects 4/,
    );
    const huge = pickle()
      .proto(2)
      .tensorV2((p) => p.legacyStorage('FloatStorage', '1', 2_500_000_000), 0, [1], [1]);
    expect(() => read(legacyTorch(huge.stop().done(), []))).toThrow(
      /claims 2500000000 f4 elements; the file has \d+ bytes left/,
    );
    const ok = legacyTorch(main, [['1', 4, f32([1, 2, 3, 4])]]);
    expect(() => read(ok.subarray(0, ok.length - 3))).toThrow(/truncated: storage '1' needs 16 bytes/);
  });
});

describe('readTorchFile: hostile and broken files', () => {
  const expectCheckpointError = (data: Uint8Array, pattern: RegExp) => {
    let error: unknown;
    try {
      read(data);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('refuses a forbidden global inside data.pkl, naming file and global', () => {
    const pkl = pickle()
      .proto(2)
      .emptyDict()
      .str('w')
      .global('os', 'system')
      .str('id')
      .tupleN(1)
      .reduce()
      .setitem()
      .stop();
    expectCheckpointError(
      torchZip(pkl.done(), {}),
      /^test\.pt:archive\/data\.pkl: refusing global 'os\.system'/,
    );
  });

  it('refuses a forbidden global inside an embedded legacy storage', () => {
    const inner = legacyTorch(pickle().proto(2).global('posix', 'system').stop().done(), []);
    const outer = pickle()
      .proto(2)
      .global('torch.storage', '_load_from_bytes')
      .bytes(inner)
      .tupleN(1)
      .reduce()
      .stop();
    expectCheckpointError(torchZip(outer.done(), {}), /refusing global 'posix\.system'/);
  });

  it('refuses a storage claiming 10 GB without allocating it', () => {
    const pkl = stateDictPickle([['w', 0, [4], [1]]], storage0('FloatStorage', '0', 2_500_000_000));
    expectCheckpointError(
      torchZip(pkl, { '0': ramp }),
      /claims 2500000000 f4 elements \(10000000000 bytes\) but archive\/data\/0 holds 48 bytes/,
    );
  });

  it('refuses tensors that reach past their storage (wrong shapes)', () => {
    expectCheckpointError(
      torchZip(stateDictPickle([['w', 0, [4, 4], [4, 1]]]), { '0': ramp }),
      /needs elements up to index 15, but the storage has 12/,
    );
    expectCheckpointError(torchZip(stateDictPickle([['w', 10, [3], [1]]]), { '0': ramp }), /up to index 12/);
    expectCheckpointError(torchZip(stateDictPickle([['w', 0, [2], [1, 1]]]), { '0': ramp }), /ranks differ/);
    expectCheckpointError(torchZip(stateDictPickle([['w', -1, [2], [1]]]), { '0': ramp }), /negative offset/);
    expectCheckpointError(
      torchZip(stateDictPickle([['w', 0, [100000, 100000], [0, 0]]]), { '0': ramp }),
      /repeats storage elements/,
    );
  });

  it('refuses missing records, path-like keys and foreign persistent ids', () => {
    expectCheckpointError(
      torchZip(stateDictPickle([['w', 0, [2], [1]]]), {}),
      /storage '0' has no record archive\/data\/0/,
    );
    const evilKey = stateDictPickle([['w', 0, [2], [1]]], storage0('FloatStorage', '../0', 2));
    expectCheckpointError(torchZip(evilKey, { '0': ramp }), /bad storage key "..\/0"/);
    const pid = pickle().proto(2).str('module').tupleN(1).binpersid().stop().done();
    expectCheckpointError(torchZip(pid, {}), /unsupported persistent id/);
    const st = stateDictPickle([['w', 0, [2], [1]]], storage0('ComplexFloatStorage', '0', 2));
    expectCheckpointError(torchZip(st, { '0': ramp }), /refusing global 'torch\.ComplexFloatStorage'/);
  });

  it('truncated zips are FormatErrors naming the file', () => {
    const good = torchZip(stateDictPickle([['w', 0, [12], [1]]]), { '0': ramp });
    for (const cut of [good.length - 1, good.length - 30, Math.floor(good.length / 2), 100, 4]) {
      expect(() => read(good.subarray(0, cut))).toThrow(FormatError);
      expect(() => read(good.subarray(0, cut))).toThrow(/^test\.pt: /);
    }
  });

  it('refuses TorchScript archives, tar files and non-checkpoints', () => {
    const ts = writeZip([
      { name: 'm/data.pkl', data: pickle().proto(2).none().stop().done() },
      { name: 'm/constants.pkl', data: new Uint8Array(1) },
    ]);
    expectCheckpointError(ts, /TorchScript archive/);
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expectCheckpointError(tar, /tar-based torch format/);
    expectCheckpointError(new TextEncoder().encode('hello world'), /not a torch checkpoint/);
    expectCheckpointError(writeZip([{ name: 'x.txt', data: new Uint8Array(3) }]), /no data\.pkl/);
    expectCheckpointError(pickle().proto(2).long1(42n).stop().done(), /bad legacy magic number/);
  });

  it('nested _load_from_bytes is bounded', () => {
    let blob = legacyTorch(pickle().proto(2).none().stop().done(), []);
    for (let i = 0; i < 6; i++) {
      const main = pickle()
        .proto(2)
        .global('torch.storage', '_load_from_bytes')
        .bytes(blob)
        .tupleN(1)
        .reduce()
        .stop()
        .done();
      blob = legacyTorch(main, []);
    }
    expectCheckpointError(blob, /nest deeper than 4/);
  });
});
