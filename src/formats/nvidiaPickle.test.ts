import { describe, expect, it } from 'vitest';
import { f32, legacyTorch, type PickleBytes, pickle } from '../../test/formats/pickleBytes.js';
import { CheckpointError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readNvidiaPickle } from './nvidiaPickle.js';

/** An embedded storage the way NVIDIA snapshots store it: _load_from_bytes(<legacy torch.save>). */
function embeddedStorage(p: PickleBytes, key: string, values: number[]): void {
  const blob = legacyTorch(
    pickle().proto(2).legacyStorage('FloatStorage', key, values.length).stop().done(),
    [[key, values.length, f32(values)]],
  );
  p.stackGlobal('torch.storage', '_load_from_bytes').bytes(blob).tupleN(1).reduce();
}

function parameter(p: PickleBytes, key: string, values: number[]): void {
  p.stackGlobal('torch._utils', '_rebuild_parameter');
  p.tensorV2((q) => embeddedStorage(q, key, values), 0, [values.length], [1]);
  p.bool(false).orderedDict().tupleN(3).reduce();
}

function numpyFloat64(p: PickleBytes, x: number): void {
  const bytes = new Uint8Array(new Float64Array([x]).buffer);
  p.stackGlobal('numpy.core.multiarray', 'scalar');
  p.stackGlobal('numpy', 'dtype').str('f8').bool(false).bool(true).tupleN(3).reduce();
  p.mark().int(3).str('<').none().none().none().int(-1).int(-1).int(0).tuple().build();
  p.bytes(bytes).tupleN(2).reduce();
}

/** A persistent module: _reconstruct_persistent_obj({type, version, module_src, class_name, state}). */
function persistent(
  p: PickleBytes,
  className: string,
  state: (p: PickleBytes) => void,
  type = 'class',
): void {
  p.stackGlobal('torch_utils.persistence', '_reconstruct_persistent_obj').emptyDict().mark();
  p.str('type').str(type).str('version').int(6).str('module_src').str('import os; os.system("id")');
  p.str('class_name').str(className).str('state').emptyDict().mark();
  state(p);
  p.setitems().setitems().tupleN(1).reduce();
}

function moduleState(
  p: PickleBytes,
  body: {
    params?: (p: PickleBytes) => void;
    buffers?: (p: PickleBytes) => void;
    modules?: (p: PickleBytes) => void;
  },
): void {
  p.str('training').bool(false);
  p.str('_parameters').orderedDict().mark();
  body.params?.(p);
  p.setitems().str('_buffers').orderedDict().mark();
  body.buffers?.(p);
  p.setitems().str('_non_persistent_buffers_set').emptyList().mark().str('scratch').appends();
  p.str('_modules').orderedDict().mark();
  body.modules?.(p);
  p.setitems();
}

function snapshot(type = 'class'): Uint8Array {
  const p = pickle().proto(4).emptyDict().mark();
  p.str('training_set_kwargs').emptyDict().str('resolution').int(32).setitem();
  p.str('G');
  persistent(
    p,
    'Generator',
    (q) => {
      moduleState(q, {
        buffers: (r) => {
          r.str('w_avg');
          parameter(r, '10', [0.5, 0.25]);
          r.str('scratch');
          parameter(r, '11', [9]);
        },
        modules: (r) => {
          r.str('fc0');
          persistent(r, 'FullyConnectedLayer', (s) => {
            moduleState(s, {
              params: (t) => {
                t.str('weight');
                parameter(t, '12', [1, 2, 3, 4]);
                t.str('bias').none();
              },
            });
            s.str('weight_gain');
            numpyFloat64(s, 0.125);
            s.str('activation').str('lrelu');
            s.str('_init_args').int(2).int(2).tupleN(2);
            s.str('_init_kwargs')
              .stackGlobal('dnnlib.util', 'EasyDict')
              .tupleN(0)
              .newobj()
              .str('lr_multiplier')
              .float(0.01)
              .setitem();
          });
        },
      });
      q.str('z_dim')
        .int(64)
        .str('_init_args')
        .tupleN(0)
        .str('_init_kwargs')
        .emptyDict()
        .str('z_dim')
        .int(64)
        .setitem();
    },
    type,
  );
  p.str('augment_pipe').none().setitems().stop();
  return p.done();
}

describe('readNvidiaPickle', () => {
  it('turns persistent modules into class names, kwargs and PyTorch state-dict names', () => {
    const snap = readNvidiaPickle(snapshot(), { file: 'net.pkl' });
    expect([...snap.networks.keys()]).toEqual(['G']);
    expect(snap.trainingSetKwargs).toEqual({ resolution: 32 });
    const g = snap.networks.get('G')!;
    expect(g.className).toBe('Generator');
    expect(g.initKwargs).toEqual({ z_dim: 64 });
    // Parameters, then persistent buffers ('scratch' is non-persistent), then children; None skipped.
    expect([...g.stateDict.keys()]).toEqual(['w_avg', 'fc0.weight']);
    expect([...(g.stateDict.get('fc0.weight') as Tensor<'float32'>).data]).toEqual([1, 2, 3, 4]);
    expect(g.modules.map((m) => [m.path, m.className])).toEqual([
      ['', 'Generator'],
      ['fc0', 'FullyConnectedLayer'],
    ]);
    expect(g.modules[1]).toMatchObject({
      attrs: { weight_gain: 0.125, activation: 'lrelu' },
      initArgs: [2, 2],
      initKwargs: { lr_multiplier: 0.01 },
    });
    expect(g.modules[0].attrs).toEqual({ z_dim: 64 });
    expect(g.source.version).toBe(6);
    expect(g.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses persistent objects that are not classes', () => {
    expect(() => readNvidiaPickle(snapshot('function'), { file: 'net.pkl' })).toThrow(
      /persistent object of type str/,
    );
  });

  it('refuses pickles without networks and foreign globals inside module state', () => {
    const empty = pickle().proto(4).emptyDict().stop().done();
    expect(() => readNvidiaPickle(empty, { file: 'e.pkl' })).toThrow(/no persistent networks/);
    const p = pickle().proto(4).emptyDict().str('G');
    persistent(p, 'Generator', (q) =>
      q.str('hook').stackGlobal('builtins', 'exec').str('x').tupleN(1).reduce(),
    );
    let error: unknown;
    try {
      readNvidiaPickle(p.setitem().stop().done(), { file: 'evil.pkl' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(/^evil\.pkl: refusing global 'builtins\.exec'/);
  });
});
