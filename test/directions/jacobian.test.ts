import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/core/linalg.js';
import { Tensor } from '../../src/core/tensor.js';
import { jacobianDirections, jacobianProducts } from '../../src/directions/jacobian.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { mapZ, sampleZ, synthesize } from '../../src/models/generate.js';

const MODEL = new URL('../../models/fmnist-stylegan2', import.meta.url).pathname;

describe('Jacobian directions on the shipped StyleGAN2', () => {
  it('J·v (VJP of a VJP) matches finite differences; power-iteration vectors match the explicit Jacobian’s SVD', async () => {
    const model = await loadModel(MODEL);
    const cfg = model.stylegan2();
    const ws0 = await mapZ(model, sampleZ(model, [5]), { psi: 0.7 });
    const d = cfg.wDim;
    const products = await jacobianProducts(model, ws0, { batch: 16 });
    // Explicit J, one column per basis vector (d runs of J·e_i, 16 per compiled run).
    const basis = Array.from({ length: d }, (_, i) => Float64Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
    const { jv: cols } = await products.apply(basis);
    const m = products.outputSize;

    // J·v against central differences of the generator in a fixed direction. Leaky-ReLU kinks make
    // the difference error first order in the step (measured: 3.7 % at 1e-2, 0.66 % at 1e-3, 0.27 %
    // at 3e-4); float32 rounding adds ~1e-7/3e-4 per pixel, far below 1 % of |J·v|.
    const v = Float64Array.from({ length: d }, (_, i) => Math.sin(i + 1));
    const step = 3e-4;
    const shifted = (s: number) => {
      const ws = Tensor.float32(ws0.shape, ws0.data);
      for (let r = 0; r < cfg.numWs; r++) for (let j = 0; j < d; j++) ws.data[r * d + j] += s * v[j];
      return synthesize(model, ws, { noiseMode: 'const' });
    };
    const [plus, minus] = [await shifted(step), await shifted(-step)];
    const explicitJv = new Float64Array(m);
    for (let i = 0; i < d; i++) for (let p = 0; p < m; p++) explicitJv[p] += cols[i][p] * v[i];
    let err = 0;
    let size = 0;
    for (let p = 0; p < m; p++) {
      const fd = (plus.data[p] - minus.data[p]) / (2 * step);
      err += (fd - explicitJv[p]) ** 2;
      size += explicitJv[p] ** 2;
    }
    expect(Math.sqrt(err / size)).toBeLessThan(0.01);

    // Explicit JᵀJ and its eigen-decomposition.
    const jtj = new Float64Array(d * d);
    for (let a = 0; a < d; a++)
      for (let b = a; b < d; b++) {
        let s = 0;
        for (let p = 0; p < m; p++) s += cols[a][p] * cols[b][p];
        jtj[a * d + b] = s;
        jtj[b * d + a] = s;
      }
    const eig = symmetricEigen(jtj);
    const k = 4;
    const result = await jacobianDirections(model, ws0, { components: k, oversample: 8, iterations: 100, tolerance: 1e-6 });
    expect(result.converged).toBe(true);
    for (let i = 0; i < k; i++) {
      const col = d - 1 - i;
      const sv = Math.sqrt(eig.values[col]);
      // float32 products: singular values to 1e-4 relative, vectors to |cos| > 0.999 (gaps are wide
      // enough here; a near-degenerate pair would only be defined as a subspace).
      expect(Math.abs(result.singularValues[i] - sv) / sv).toBeLessThan(1e-4);
      let dotp = 0;
      for (let j = 0; j < d; j++) dotp += eig.vectors[j * d + col] * result.set.vectors.data[i * d + j];
      expect(Math.abs(dotp)).toBeGreaterThan(0.999);
    }
    for (let i = 1; i < k; i++) expect(result.singularValues[i]).toBeLessThanOrEqual(result.singularValues[i - 1]);
  });
});
