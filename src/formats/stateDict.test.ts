import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { PyDict, PyObject, type PyValue } from './pyValue.js';
import { collectTensors, moduleStateDict, moduleTree, stateDictFrom } from './stateDict.js';

function module(
  name: string,
  params: [string, PyValue][] = [],
  children: [string, PyValue][] = [],
): PyObject {
  const m = new PyObject('torch.nn.modules.linear', name);
  m.attrs.set('_parameters', new PyDict(params));
  m.attrs.set('_buffers', new PyDict());
  m.attrs.set('_modules', new PyDict(children));
  return m;
}

describe('state dicts from data', () => {
  it('flattens modules in state_dict order', () => {
    const w = Tensor.float32([1], [1]);
    const root = module(
      'Seq',
      [],
      [
        [
          '0',
          module('Linear', [
            ['weight', w],
            ['bias', null],
          ]),
        ],
        ['1', null],
        ['2', module('Linear', [['weight', w]])],
      ],
    );
    expect([...moduleStateDict(root, 'f').keys()]).toEqual(['0.weight', '2.weight']);
    expect(moduleTree(root, 'f').map((n) => n.path)).toEqual(['', '0', '2']);
  });

  it('refuses module cycles and non-tensor parameters', () => {
    const a = module('A');
    (a.attrs.get('_modules') as PyDict).set('self', a);
    expect(() => moduleStateDict(a, 'f')).toThrow(/module 'self' contains itself/);
    expect(() => moduleStateDict(module('B', [['w', 'text']]), 'f')).toThrow(/w is str, expected a tensor/);
    const c = module('C');
    c.attrs.set('_modules', 'oops');
    expect(() => moduleStateDict(c, 'f')).toThrow(CheckpointError);
  });

  it('bounds nesting depth', () => {
    let m = module('Leaf');
    for (let i = 0; i < 250; i++) m = module('Wrap', [], [['m', m]]);
    expect(() => moduleStateDict(m, 'f')).toThrow(/nest deeper than 200/);
  });

  it('collects tensors through cyclic and shared containers without blowing up', () => {
    const t = Tensor.float32([1], [1]);
    const list: PyValue[] = [t];
    list.push(list);
    let shared: PyValue = [t];
    for (let i = 0; i < 60; i++) shared = [shared, shared]; // 2^60 paths if walked naively
    const d = new PyDict([
      ['a', list],
      ['s', shared],
    ]);
    const found = collectTensors(d);
    expect(found.get('a.0')).toBe(t);
    expect(found.size).toBeGreaterThan(1);
  }, 10_000);

  it('stateDictFrom checks every entry is a tensor', () => {
    expect(() => stateDictFrom(new PyDict([['w', 3]]), 'f')).toThrow(/state dict entry w is int/);
    expect(() => stateDictFrom(7, 'f')).toThrow(/expected a state dict, got int/);
  });
});
