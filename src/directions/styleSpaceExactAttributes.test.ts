import { describe, expect, it } from 'vitest';
import { Tensor } from '../core/tensor.js';
import type { StyleLayout } from '../models/stylegan2/styles.js';
import type { AttributeSpec } from './attributes.js';
import type { StyleGradientEstimate } from './styleSpace.js';
import { styleAttributeDirections } from './styleSpaceDirections.js';
import { hasExactGradient, mergeStyleEstimates } from './styleSpaceExactAttributes.js';

const D = 4;
const layout: StyleLayout = { dim: D, layers: [{ name: 'l', kind: 'conv', resolution: 4, wsIndex: 0, channels: D, offset: 0 } as StyleLayout['layers'][number]] };

function estimate(specs: AttributeSpec[], grads: number[][], own: number[][], counts: number[]): StyleGradientEstimate {
  return {
    layout,
    specs,
    std: new Float64Array(D).fill(1),
    styles: Tensor.float32([2, D], [0, 0, 0, 0, 1, 1, 1, 1]),
    grads: grads.map((g) => Float64Array.from(g)),
    ownClassGrads: own.map((g) => Float64Array.from(g)),
    probGrads: [],
    classCounts: Int32Array.from(counts),
    classNames: ['a', 'b'],
    classifier: 'c',
    epsilon: 0.05,
    num: 100,
    firstSeed: 0,
    model: { name: 'm', contentHash: 'h' },
  };
}

describe('exact and probed StyleSpace estimates together', () => {
  const ink: AttributeSpec = { name: 'ink', measure: 'ink' };
  const area: AttributeSpec = { name: 'area', measure: 'area' };

  it('which attributes have reverse-mode gradients (area and width through surrogates)', () => {
    expect(([ink, area, { name: 'width', measure: 'width' }, { name: 'logit:b', logit: 1 }] as AttributeSpec[]).map(hasExactGradient)).toEqual([true, true, true, true]);
  });

  it('each attribute keeps its own gradient and the side effect of the estimate it came from', () => {
    // Exact side effects: channel 3 does nothing (side exactly 0). The probe's noise gives it a gain.
    const exact = estimate([ink], [[1, 0, 0, 0]], [[0.5, 0.5, 0.5, 0], [0.5, 0.5, 0.5, 0]], [50, 50]);
    const probe = estimate([area], [[0, 1, 0, 0.6]], [[0.1, 0.1, 0.5, 0.3], [0.1, 0.1, 0.5, 0.3]], [50, 50]);
    const m = mergeStyleEstimates([area, ink], exact, probe);
    expect(m.grads.map((g) => Array.from(g))).toEqual([[0, 1, 0, 0.6], [1, 0, 0, 0]]);
    expect(m.exactSpecs).toEqual(['ink']);
    const set = styleAttributeDirections(m, { channels: 1, minClassCount: 1 });
    const chosen = (set.provenance.attributes as { channels: { channel: string }[] }[]).map((a) => a.channels[0].channel);
    // area: channel 1 (1 / (0.1 + τ 0.3) = 2.5 vs 0.6 / 0.6) against its probe side effects; with the exact ones
    // (side 0 at channel 3) the dead channel would win: 0.6 / (0 + τ) = 1.2 > 1 / (0.5 + τ) = 1, τ = 0.5.
    expect(chosen).toEqual(['l:1', 'l:0']);
    const exactSides = styleAttributeDirections({ ...m, specSides: undefined }, { channels: 1, minClassCount: 1 });
    expect((exactSides.provenance.attributes as { channels: { channel: string }[] }[])[0].channels[0].channel).toBe('l:3');
  });

  it("per-sample side effects count garments pushed in opposite ways, which the class mean cancels", () => {
    // Channel 0 moves ink most; its class-mean side effect is 0 (samples pushed ±1 cancel), its RMS is 1.
    const ex = estimate([ink], [[1, 0.8, 0, 0]], [[0, 0.1, 0.5, 0.5], [0, 0.1, 0.5, 0.5]], [50, 50]);
    ex.ownClassMeanSquares = [Float64Array.from([1, 0.01, 0.25, 0.25]), Float64Array.from([1, 0.01, 0.25, 0.25])];
    const pick = (side: 'mean' | 'per-sample') =>
      (styleAttributeDirections(ex, { channels: 1, minClassCount: 1, side }).provenance.attributes as { channels: { channel: string }[] }[])[0].channels[0].channel;
    expect(pick('mean')).toBe('l:0');
    expect(pick('per-sample')).toBe('l:1');
    // A probed attribute has no per-sample side effects: it keeps the mean.
    const probe = estimate([area], [[1, 0.8, 0, 0]], [[0, 0.1, 0.5, 0.5], [0, 0.1, 0.5, 0.5]], [50, 50]);
    const m = mergeStyleEstimates([ink, area], ex, probe);
    const both = styleAttributeDirections(m, { channels: 1, minClassCount: 1, side: 'per-sample' }).provenance.attributes as { channels: { channel: string }[] }[];
    expect(both.map((a) => a.channels[0].channel)).toEqual(['l:1', 'l:0']);
  });
});
