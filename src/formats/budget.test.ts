import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import {
  DEFAULT_TENSOR_CAP,
  ENV_MAX_TENSOR_BYTES,
  parseByteSize,
  ReadBudget,
  TENSOR_ALLOWANCE,
  tensorLimitFor,
} from './budget.js';
import { readTorchFile } from './torch.js';
import { writeTorchFile } from './torchWrite.js';

/** Float32 element counts of a StyleGAN2 config-f generator and discriminator at `res` (NVIDIA layout). */
function configF(res: number): { g: number; d: number } {
  const ch = (r: number) => Math.min(32768 / r, 512);
  const w = 512;
  let g = 8 * (w * w + w) + w; // mapping.fc0..7 + w_avg
  g += 512 * 16; // b4.const
  const conv = (i: number, o: number, r: number) => o * i * 9 + i * w + i + o + r * r + 1; // weight, affine, bias, noise
  const torgb = (i: number) => 3 * i + i * w + i + 3;
  g += conv(512, 512, 4) + torgb(512);
  for (let r = 8; r <= res; r *= 2) g += conv(ch(r / 2), ch(r), r) + conv(ch(r), ch(r), r) + torgb(ch(r)) + 2 * 16;
  let d = 3 * ch(res) + ch(res); // b{res}.fromrgb
  for (let r = res; r > 4; r /= 2) {
    const i = ch(r);
    const o = ch(r / 2);
    d += i * i * 9 + i + o * i * 9 + o + o * i + 2 * 16; // conv0, conv1, skip, filters
  }
  d += 512 * 513 * 9 + 512 + 512 * 512 * 16 + 512 + 512 + 1; // epilogue conv, fc, out
  return { g, d };
}

describe('read budget', () => {
  it('parses sizes for the flag and the environment variable', () => {
    expect(parseByteSize('8G')).toBe(8 * 2 ** 30);
    expect(parseByteSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1000000')).toBe(1_000_000);
    expect(() => parseByteSize('lots')).toThrow(/expected a byte size/);
    expect(tensorLimitFor(1000, { [ENV_MAX_TENSOR_BYTES]: '16G' })).toBe(16 * 2 ** 30);
    expect(tensorLimitFor(1000, {})).toBe(TENSOR_ALLOWANCE + 4000);
    expect(tensorLimitFor(1e12, {})).toBe(DEFAULT_TENSOR_CAP);
  });

  it('admits real StyleGAN2 1024 checkpoints by default (the arithmetic in README)', () => {
    const { g, d } = configF(1024);
    // NVIDIA network-snapshot (G, D, G_ema as float32, ~0.1% pickle overhead): ~364 MB.
    const nvidia = 4 * (2 * g + d);
    expect(nvidia / 1e6).toBeGreaterThan(330);
    expect(nvidia / 1e6).toBeLessThan(400);
    const budget = new ReadBudget('ffhq.pkl', Math.round(nvidia * 1.001), tensorLimitFor(nvidia * 1.001, {}));
    for (const [n, count] of [['G', g], ['D', d], ['G_ema', g]] as const) budget.chargeTensor(4 * count, n);
    expect(budget.maxTensorBytes).toBeGreaterThan(4 * nvidia); // 64 MiB + 4 × file: four times headroom
    // rosinality 1024 .pt (g, d, g_ema, latent_avg) is the same arithmetic, and with train.py's
    // Adam states (exp_avg, exp_avg_sq of g and d) tensors are still ~1× the file.
    const ros = 4 * (2 * g + d + 512 + 2 * (g + d));
    const rb = new ReadBudget('550000.pt', ros, tensorLimitFor(ros, {}));
    rb.chargeTensor(ros, 'all tensors');
    expect(rb.tensorBytes).toBe(ros);
  });

  it('counts what a torch read materialises and refuses past the limit with a typed error', () => {
    const sd = { a: new Tensor('float32', [1000], new Float32Array(1000)), b: new Tensor('float32', [10, 10], new Float32Array(100)) };
    const bytes = writeTorchFile(sd);
    const budget = new ReadBudget('x.pt', bytes.length);
    readTorchFile(bytes, { file: 'x.pt', budget });
    expect(budget.tensorBytes).toBe(4400);
    const tight = new ReadBudget('x.pt', bytes.length, 4000);
    expect(() => readTorchFile(bytes, { file: 'x.pt', budget: tight })).toThrow(CheckpointError);
    expect(() => readTorchFile(bytes, { file: 'x.pt', budget: new ReadBudget('x.pt', 1, 4000) })).toThrow(
      /x\.pt: .*over the limit of 0\.0 MiB .*--max-tensor-bytes or LATENTLAB_MAX_TENSOR_BYTES/,
    );
  });
});
