import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { ClassConfidenceAccumulator } from './confidence.js';

describe('ClassConfidenceAccumulator', () => {
  it('averages the top probability, counts confident rows and argmax shares across batches', () => {
    const acc = new ClassConfidenceAccumulator(3);
    acc.add(Tensor.float32([2, 3], [0.95, 0.03, 0.02, 0.2, 0.5, 0.3]));
    // Only the first row of this batch counts (a padded last batch).
    acc.add(Tensor.float32([2, 3], [0.1, 0.1, 0.8, 1, 0, 0]), 1);
    const c = acc.finish();
    expect(c.n).toBe(3);
    expect(c.meanTopProbability).toBeCloseTo((0.95 + 0.5 + 0.8) / 3, 6);
    expect(c.confidentShare).toBeCloseTo(1 / 3, 12);
    expect(c.classShares).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('names the expected shape and refuses empty or malformed input', () => {
    const acc = new ClassConfidenceAccumulator(10);
    expect(() => acc.finish()).toThrow(ArgumentError);
    expect(() => acc.add(Tensor.float32([4, 3]))).toThrow(ShapeError);
    expect(() => acc.add(Tensor.float32([4, 10]), 5)).toThrow(/\[>=5, 10\]/);
    expect(() => new ClassConfidenceAccumulator(1)).toThrow(ArgumentError);
    expect(() => new ClassConfidenceAccumulator(3, 1)).toThrow(/threshold/);
  });
});
