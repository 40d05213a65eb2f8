import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../core/errors.js';
import { GanModel } from '../ganModel.js';
import { dcganDims, type EvaluationRecord, hashTensors } from '../manifest.js';
import { inferDcganGenerator } from '../dcgan/config.js';
import { DCGAN_PRESETS, dcganInitialStateDicts } from '../dcgan/init.js';
import { Weights } from '../../nn/weights.js';
import { readBundle, readBundleManifest, recordEvaluation, WEIGHTS_FILE, writeBundle } from './bundle.js';
import { loadModel } from './loadModel.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tinyDcgan(poison = false): GanModel {
  const { netG: g } = dcganInitialStateDicts(DCGAN_PRESETS.tiny, 1);
  if (poison) (g.get('main.0.weight')!.data as Float32Array)[3] = Number.NaN;
  const generator = inferDcganGenerator(new Weights(g));
  return new GanModel(
    {
      format: 'latentlab-bundle',
      version: 1,
      name: 'tiny',
      architecture: 'dcgan',
      generator,
      ...dcganDims(generator),
      provenance: { format: 'random-init', source: 'test', created: new Date(0).toISOString() },
      contentHash: hashTensors({ G: g }),
      weightsDtype: 'float32',
    },
    g,
  );
}

describe('loadModel', () => {
  it('refuses weights holding NaN, naming the tensor, unless asked', async () => {
    const dir = join(tmp, 'nan');
    await writeBundle(dir, tinyDcgan(true));
    await expect(loadModel(dir)).rejects.toThrow(/G tensor 'main.0.weight' holds non-finite values \(1 NaN, 0 Inf/);
    await expect(loadModel(dir, { allowNonFinite: true })).resolves.toBeInstanceOf(GanModel);
  });

  it('explains missing paths and folders that are not bundles', async () => {
    await expect(loadModel(join(tmp, 'missing'))).rejects.toThrow(CheckpointError);
    await expect(loadModel(tmp)).rejects.toThrow(/a folder but not a bundle/);
  });

  it('detects weights that do not match the manifest', async () => {
    const dir = join(tmp, 'ok');
    const model = tinyDcgan();
    await writeBundle(dir, model);
    const other = join(tmp, 'other');
    const changed = tinyDcgan();
    (changed.g.get('main.0.weight')!.data as Float32Array)[0] += 1;
    await writeBundle(other, changed);
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(other, 'weights.safetensors'), join(dir, 'weights.safetensors'));
    await expect(loadModel(dir)).rejects.toThrow(/content hash .* does not match the manifest/);
  });
});

const record = (modelHash: string, value: number): EvaluationRecord => ({
  value,
  modelHash,
  command: 'latentlab metrics fcd ...',
  num: 64,
  measured: new Date(0).toISOString(),
});

describe('bundle evaluation records (the card in model.json)', () => {
  it('adds and replaces records without touching the weights', async () => {
    const dir = join(tmp, 'a');
    const written = await writeBundle(dir, tinyDcgan());
    const weights = readFileSync(join(dir, WEIGHTS_FILE));
    await recordEvaluation(dir, { fcd: record(written.contentHash, 12.5) });
    await recordEvaluation(dir, { fcd: record(written.contentHash, 11), other: record(written.contentHash, 0.9) });
    const m = await readBundleManifest(dir);
    expect(m.evaluation?.fcd.value).toBe(11);
    expect(m.evaluation?.other.value).toBe(0.9);
    expect(readFileSync(join(dir, WEIGHTS_FILE)).equals(weights)).toBe(true);
    expect((await readBundle(dir)).manifest.contentHash).toBe(written.contentHash);
  });

  it('refuses a record of other weights, naming both hashes', async () => {
    const dir = join(tmp, 'b');
    const written = await writeBundle(dir, tinyDcgan());
    const bad = recordEvaluation(dir, { fcd: record('f'.repeat(64), 1) });
    await expect(bad).rejects.toBeInstanceOf(CheckpointError);
    await expect(bad).rejects.toThrow(new RegExp(`ffffffffffff.*${written.contentHash.slice(0, 12)}`));
    await expect(recordEvaluation(join(tmp, 'missing'), {})).rejects.toThrow(/cannot read the bundle manifest/);
  });

  it('drops records when the weights change (a float16 copy is other weights)', async () => {
    const dir = join(tmp, 'c');
    const written = await writeBundle(dir, tinyDcgan());
    await recordEvaluation(dir, { fcd: record(written.contentHash, 3) });
    const model = await readBundle(dir);
    const same = await writeBundle(join(tmp, 'c-copy'), model);
    expect(same.evaluation?.fcd.value).toBe(3);
    const half = await writeBundle(join(tmp, 'c-half'), model, { dtype: 'float16' });
    expect(half.contentHash).not.toBe(written.contentHash);
    expect(half.evaluation).toBeUndefined();
  });
});
