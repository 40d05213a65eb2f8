import { describe, expect, it } from 'vitest';
import type { DirectionFile } from './api.js';
import { directionFacts } from './directionFacts.js';

const file: DirectionFile = {
  path: 'knobs.safetensors',
  labels: ['brightness', 'Trouser', 'pc0'],
  names: [
    { label: 'brightness', attribute: 'brightness', keeps: ['class:T-shirt/top', 'class:Trouser', 'width'] },
    { label: 'Trouser', attribute: 'class', keeps: [] },
    { label: 'pc0', attribute: null, keeps: [] },
  ],
  preservation: {
    judge: 'fmnist-judge',
    num: 200,
    units: 'sigma',
    byLabel: { brightness: [{ strength: 1, attributeChange: 0.5, classKept: 0.955 }, { strength: 2, attributeChange: 0.87, classKept: 0.92 }] },
  },
};

describe('directionFacts (the direction explorer line under each name)', () => {
  it('names what is kept and the recorded figures per strength', () => {
    expect(directionFacts(file, 0)).toBe('keeps 2 classes, width · +1σ: +0.50 std, 96 % keep class; +2σ: +0.87 std, 92 % keep class (fmnist-judge, 200 seeds)');
  });
  it('shows a class attribute, and nothing for a direction without facts', () => {
    expect(directionFacts(file, 1)).toBe('class');
    expect(directionFacts(file, 2)).toBe('');
    expect(directionFacts({ path: 'x' }, 0)).toBe('');
  });
  it("a per-class file's row shows its knob's recorded figures, named as the knob's", () => {
    const perClass: DirectionFile = {
      path: 'p.safetensors',
      labels: ['ink@Sneaker'],
      names: [{ label: 'ink@Sneaker', attribute: 'ink', keeps: ['class:Sneaker'] }],
      preservation: { judge: 'fmnist-judge', num: 200, units: 'sigma', byLabel: { ink: [{ strength: 2, attributeChange: 1.1, classKept: 0.95 }] } },
    };
    expect(directionFacts(perClass, 0)).toBe("ink · keeps 1 class · per-class knob 'ink' · +2σ: +1.10 std, 95 % keep class (fmnist-judge, 200 seeds)");
  });
});
