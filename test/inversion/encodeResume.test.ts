// `encode` resumes keyed on its options: a rerun with the same options skips, other options are refused by
// name, --force redoes; the shipped encoder and generator on one Fashion-MNIST test image (seconds).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  encodeFiles,
  encodePng,
  ENCODE_SPEC,
  formatOptionArgs,
  loadFashionMnist,
  loadModel,
  resolveEncodeOptions,
  Tensor,
  toImages,
  type EncodeRunOptions,
  type GanModel,
} from '../../src/index.js';

let dir: string;
let image: string;
let model: GanModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentlab-encode-'));
  const test = await loadFashionMnist('test', { pad: 32, limit: 2 });
  image = join(dir, 'shoe.png');
  await writeFile(image, await encodePng(toImages(new Tensor('float32', [1, 1, 32, 32], test.image(1)))[0]));
  model = await loadModel('models/fmnist-stylegan2');
}, 120_000);

const opts = (p: Partial<EncodeRunOptions>) =>
  resolveEncodeOptions({ inputs: [image], outdir: join(dir, 'out'), classifier: 'none', ...p }, model);

describe('encode: resume keyed on the resolved options and the networks', () => {
  it('skips what the same options made, refuses other options by name, redoes with --force', async () => {
    const first = await encodeFiles(opts({}), { model });
    expect(first.encoded).toEqual(['shoe']);
    const latent = await readFile(join(dir, 'out', 'shoe.latent.safetensors'));
    const again = await encodeFiles(opts({}), { model });
    expect([again.encoded, again.skipped]).toEqual([[], ['shoe']]);
    await expect(encodeFiles(opts({ steps: 2, upscale: 2 }), { model })).rejects.toThrow(
      /metrics\.json was made with other options \(--steps, --lr, --feature-weight, --upscale\); pass --force/,
    );
    const forced = await encodeFiles(opts({ upscale: 2, force: true }), { model });
    expect(forced.encoded).toEqual(['shoe']);
    // the encoder alone is deterministic: the same latent again
    expect((await readFile(join(dir, 'out', 'shoe.latent.safetensors'))).equals(latent)).toBe(true);
    const record = JSON.parse(await readFile(join(dir, 'out', 'metrics.json'), 'utf8')) as { options: { upscale: number } };
    expect(record.options.upscale).toBe(2);
  }, 120_000);

  it('the command written for resolved options parses back to them', () => {
    const o = opts({ steps: 3, lr: 0.05 });
    expect(formatOptionArgs(ENCODE_SPEC, o)).toEqual([
      'encode',
      '--outdir',
      join(dir, 'out'),
      '--classifier',
      'none',
      '--steps',
      '3',
      '--lr',
      '0.05',
      '--feature-weight',
      '0',
      image,
    ]);
    expect(() => opts({ lr: 0.05 })).toThrow(/--lr applies to the hybrid/);
  });
});
