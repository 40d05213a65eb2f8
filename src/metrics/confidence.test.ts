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
    // the unsure rows hesitate between classes 1 and 2, and between 2 and 0 (kept as [0, 2])
    expect(c.ambiguousPairs).toEqual([
      { classes: [0, 2], share: 1 / 3 },
      { classes: [1, 2], share: 1 / 3 },
    ]);
  });

  it('ranks the top-two pairs of unsure images by share, whatever the column order', () => {
    const acc = new ClassConfidenceAccumulator(4, 0.8);
    acc.add(
      Tensor.float32(
        [5, 4],
        [
          0.1, 0.45, 0.05, 0.4, // 1 and 3
          0.5, 0, 0.1, 0.4, // 0 and 3
          0.3, 0.02, 0.03, 0.65, // 3 and 0
          0.05, 0.05, 0.05, 0.85, // sure
          0.05, 0.7, 0.05, 0.2, // 1 and 3
        ],
      ),
    );
    const c = acc.finish();
    expect(c.ambiguousPairs).toEqual([
      { classes: [0, 3], share: 0.4 },
      { classes: [1, 3], share: 0.4 },
    ]);
    expect(c.ambiguousPairs.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1 - c.confidentShare, 12);
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
