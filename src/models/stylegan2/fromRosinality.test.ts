import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../core/errors.js';
import { RandomState } from '../../core/rng.js';
import type { Shape } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { PyDict, PyObject } from '../../formats/pyValue.js';
import { collectTensors } from '../../formats/stateDict.js';
import { Weights } from '../../nn/weights.js';
import { inferGeneratorConfig, resolveGenerator } from './config.js';
import { fromRosinality } from './fromRosinality.js';

/** A model.py Generator(size=16, style_dim=5, n_mlp=3) state dict with channels 6/4/3, random values. */
function tinyRosinality(seed = 1): Map<string, Tensor> {
  const rng = new RandomState(seed);
  const sd = new Map<string, Tensor>();
  const add = (k: string, shape: Shape, data?: number[]) =>
    sd.set(k, Tensor.float32(shape, data ?? rng.randn(shape.reduce((a, b) => a * b, 1))));
  const kernel = [1, 3, 3, 1].flatMap((a) => [1, 3, 3, 1].map((b) => (a * b * 4) / 64));
  const d = 5;
  const ch: Record<number, number> = { 4: 6, 8: 4, 16: 3 };
  for (let i = 1; i <= 3; i++) {
    add(`style.${i}.weight`, [d, d]);
    add(`style.${i}.bias`, [d]);
  }
  add('input.input', [1, 6, 4, 4]);
  const styled = (p: string, cin: number, cout: number, up: boolean) => {
    add(`${p}.conv.weight`, [1, cout, cin, 3, 3]);
    if (up) add(`${p}.conv.blur.kernel`, [4, 4], kernel);
    add(`${p}.conv.modulation.weight`, [cin, d]);
    add(`${p}.conv.modulation.bias`, [cin]);
    add(`${p}.noise.weight`, [1]);
    add(`${p}.activate.bias`, [cout]);
  };
  const rgb = (p: string, cin: number, up: boolean) => {
    add(`${p}.bias`, [1, 3, 1, 1]);
    if (up) add(`${p}.upsample.kernel`, [4, 4], kernel);
    add(`${p}.conv.weight`, [1, 3, cin, 1, 1]);
    add(`${p}.conv.modulation.weight`, [cin, d]);
    add(`${p}.conv.modulation.bias`, [cin]);
  };
  styled('conv1', 6, 6, false);
  rgb('to_rgb1', 6, false);
  styled('convs.0', 6, 4, true);
  styled('convs.1', 4, 4, false);
  styled('convs.2', 4, 3, true);
  styled('convs.3', 3, 3, false);
  rgb('to_rgbs.0', ch[8], true);
  rgb('to_rgbs.1', ch[16], true);
  // noise_i is filled with i so the layer order is visible.
  for (const [i, r] of [4, 8, 8, 16, 16].entries())
    add(`noises.noise_${i}`, [1, 1, r, r], new Array(r * r).fill(i));
  return sd;
}

function pyDict(entries: [string, unknown][]): PyDict {
  const d = new PyDict();
  for (const [k, v] of entries) d.set(k, v as never);
  return d;
}

const values = (t: Tensor) => Array.from(t.data as Float32Array);

describe('fromRosinality', () => {
  it('maps every tensor to its NVIDIA key and shape; sizes come from shapes', () => {
    const src = tinyRosinality();
    const before = src.size;
    const { stateDict: sd, meta, hints } = fromRosinality(src, 'tiny.pt');
    expect(src.size).toBe(before); // the caller's map is read, never emptied
    expect(meta).toMatchObject({
      key: 'state_dict',
      size: 16,
      styleDim: 5,
      nMlp: 3,
      nLatent: 6,
      unusedKeys: [],
    });
    expect(meta.channels).toEqual({ 4: 6, 8: 4, 16: 3 });
    expect(hints).toEqual({ convClamp: null, mappingLrMultiplier: 0.01, architecture: 'skip' });
    expect(sd.get('synthesis.b4.const')!.shape).toEqual([6, 4, 4]);
    expect(sd.get('synthesis.b16.conv0.weight')!.shape).toEqual([3, 4, 3, 3]);
    expect(sd.get('synthesis.b8.torgb.bias')!.shape).toEqual([3]);
    expect(sd.get('synthesis.b8.conv1.noise_strength')!.shape).toEqual([]);
    expect(sd.has('mapping.fc2.weight') && !sd.has('mapping.fc3.weight') && !sd.has('mapping.w_avg')).toBe(
      true,
    );
    const cfg = resolveGenerator(inferGeneratorConfig(new Weights(sd), hints));
    expect([cfg.zDim, cfg.wDim, cfg.mappingLayers, cfg.imgResolution, cfg.numWs]).toEqual([
      5,
      5,
      3,
      16,
      meta.nLatent,
    ]);
    expect(cfg.channels).toEqual(meta.channels);
  });

  it('folds 1/sqrt(in·k²) into demodulated conv weights only, and un-scales the FIR kernels', () => {
    const src = tinyRosinality();
    const { stateDict: sd } = fromRosinality(src, 'tiny.pt');
    const scale = Math.fround(1 / Math.sqrt(4 * 9));
    expect(values(sd.get('synthesis.b16.conv0.weight')!)).toEqual(
      values(src.get('convs.2.conv.weight')!).map((v) => Math.fround(v * scale)),
    );
    // synthesis.ts' toRgb already multiplies styles by 1/sqrt(in), model.py's ToRGB scale.
    expect(values(sd.get('synthesis.b8.torgb.weight')!)).toEqual(values(src.get('to_rgbs.0.conv.weight')!));
    expect(values(sd.get('synthesis.b8.conv0.affine.weight')!)).toEqual(
      values(src.get('convs.0.conv.modulation.weight')!),
    );
    const f = values(sd.get('synthesis.b16.resample_filter')!);
    expect(f[0]).toBeCloseTo(1 / 64, 7);
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(
      sd.has('synthesis.b8.conv0.resample_filter') && !sd.has('synthesis.b8.conv1.resample_filter'),
    ).toBe(true);
  });

  it('gives noise buffers to layers in model.py order', () => {
    const { stateDict: sd } = fromRosinality(tinyRosinality(), 'tiny.pt');
    const first = (k: string) => sd.get(`synthesis.${k}.noise_const`)!.data[0];
    expect(['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1'].map(first)).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('reads g_ema or g, latent_avg and args.lr_mlp from a training checkpoint', () => {
    const g = tinyRosinality(2);
    const gEma = tinyRosinality(3);
    const args = new PyObject('argparse', 'Namespace');
    args.attrs.set('lr_mlp', 0.05);
    const avg = Tensor.float32([5], [1, 2, 3, 4, 5]);
    const ckpt = pyDict([
      ['g', pyDict([...g])],
      ['g_ema', pyDict([...gEma])],
      ['latent_avg', avg],
      ['args', args],
    ]);
    const ema = fromRosinality(ckpt, 'ckpt.pt');
    // Converting twice from one checkpoint value (each conversion frees only its own map's entries).
    expect(fromRosinality(ckpt, 'ckpt.pt').meta.unusedKeys).toEqual(ema.meta.unusedKeys);
    expect(ema.meta.key).toBe('g_ema');
    expect(ema.hints.mappingLrMultiplier).toBe(0.05);
    expect(values(ema.stateDict.get('mapping.w_avg')!)).toEqual([1, 2, 3, 4, 5]);
    expect(values(ema.stateDict.get('mapping.fc0.bias')!)).toEqual(values(gEma.get('style.1.bias')!));
    const train = fromRosinality(ckpt, 'ckpt.pt', { key: 'g' });
    expect(values(train.stateDict.get('mapping.fc0.bias')!)).toEqual(values(g.get('style.1.bias')!));
    // The same checkpoint flattened to dotted paths converts identically.
    const flat = fromRosinality(collectTensors(ckpt), 'ckpt.pt', { key: 'g' });
    expect([...flat.stateDict.keys()].sort()).toEqual([...train.stateDict.keys()].sort());
    expect(() => fromRosinality(pyDict([['g_ema', pyDict([...gEma])]]), 'ema.pt', { key: 'g' })).toThrow(
      /no 'g'/,
    );
  });

  it('throws CheckpointError naming the key for missing or mis-shaped tensors', () => {
    const expectError = (edit: (sd: Map<string, Tensor>) => void, pattern: RegExp) => {
      const sd = tinyRosinality();
      edit(sd);
      const ckpt = pyDict([['g_ema', pyDict([...sd])]]);
      let err: unknown;
      try {
        fromRosinality(ckpt, 'bad.pt');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(pattern);
    };
    expectError(
      (sd) => sd.delete('convs.1.noise.weight'),
      /bad\.pt: missing 'g_ema\.convs\.1\.noise\.weight'/,
    );
    expectError(
      (sd) => sd.set('convs.2.conv.modulation.weight', Tensor.float32([4, 4])),
      /'g_ema\.convs\.2\.conv\.modulation\.weight' has shape \[4,4\], expected \[4,5\]/,
    );
    expectError(
      (sd) => sd.set('to_rgbs.1.bias', Tensor.float32([3])),
      /'g_ema\.to_rgbs\.1\.bias' has shape \[3\]/,
    );
    expectError((sd) => sd.delete('noises.noise_4'), /4 noises\.noise_\* buffers for 5 conv layers/);
    expectError((sd) => sd.set('convs.0.conv.blur.kernel', Tensor.float32([3, 3])), /3-tap blur/);
    expectError(
      (sd) => sd.set('convs.4.conv.weight', Tensor.float32([1, 3, 3, 3, 3])),
      /convs\.4\.conv\.weight' has no to_rgbs/,
    );
    expectError(
      (sd) => sd.set('style.4.weight', sd.get('style.3.weight')!),
      /missing 'g_ema\.style\.4\.bias'/,
    );
    expect(() => fromRosinality(new Map(), 'empty.pt')).toThrow(CheckpointError);
  });
});
