import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Weights } from '../../nn/weights.js';
import { inferDcganDiscriminator, inferDcganGenerator } from '../dcgan/config.js';
import { DCGAN_PRESETS, dcganInitialStateDicts } from '../dcgan/init.js';
import { GanModel } from '../ganModel.js';
import { dcganDims, hashTensors } from '../manifest.js';
import { readBundle, WEIGHTS_FILE, writeBundle } from './bundle.js';
import { DeferredTensorMap } from './deferredTensors.js';
import { loadModel } from './loadModel.js';

/** A bundle's discriminator stays on disk until used, checked (hash, NaN/Inf) while it streamed past. */

const tmp = mkdtempSync(join(tmpdir(), 'latentlab-deferred-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function withD(poisonD = false): { model: GanModel; d: Map<string, Tensor> } {
  const { netG: g, netD: d } = dcganInitialStateDicts(DCGAN_PRESETS.tiny, 3);
  if (poisonD) (d.get('main.0.weight')!.data as Float32Array)[1] = Number.POSITIVE_INFINITY;
  const generator = inferDcganGenerator(new Weights(g));
  const manifest = {
    format: 'latentlab-bundle' as const,
    version: 1 as const,
    name: 'tiny-gd',
    architecture: 'dcgan' as const,
    generator,
    discriminator: inferDcganDiscriminator(new Weights(d)),
    ...dcganDims(generator),
    provenance: { format: 'random-init', source: 'test', created: new Date(0).toISOString() },
    contentHash: hashTensors({ G: g, D: d }),
    weightsDtype: 'float32' as const,
  };
  return { model: new GanModel(manifest, g, d), d };
}

const values = (t: Tensor | undefined) => [...(t!.data as Float32Array)];

describe('readBundle: the discriminator is read when first used', () => {
  it('knows D’s names without reading it, then reads exactly what was written', async () => {
    const dir = join(tmp, 'gd');
    const { model, d } = withD();
    await writeBundle(dir, model);
    const read = await readBundle(dir);
    const lazy = read.d as DeferredTensorMap;
    expect(lazy).toBeInstanceOf(DeferredTensorMap);
    expect(lazy.size).toBe(d.size);
    expect(lazy.has('main.0.weight')).toBe(true);
    expect([...lazy.keys()].sort()).toEqual([...d.keys()].sort());
    expect(lazy.loaded).toBe(false);
    expect(values(lazy.get('main.0.weight'))).toEqual(values(d.get('main.0.weight')));
    expect(lazy.loaded).toBe(true);
    for (const [k, t] of lazy) expect(values(t), k).toEqual(values(d.get(k)));
    // Writing it back (iteration reads D) keeps the content hash.
    const again = await writeBundle(join(tmp, 'gd-copy'), read);
    expect(again.contentHash).toBe(model.manifest.contentHash);
  });

  it('refuses a D changed on disk after loading', async () => {
    const dir = join(tmp, 'gd-changed');
    const { model, d } = withD();
    await writeBundle(dir, model);
    const read = await readBundle(dir);
    const path = join(dir, WEIGHTS_FILE);
    const bytes = readFileSync(path);
    const first = d.get('main.0.weight')!.data as Float32Array;
    const at = bytes.indexOf(Buffer.from(first.buffer, first.byteOffset, 16));
    expect(at).toBeGreaterThan(0);
    bytes[at] ^= 1;
    writeFileSync(path, bytes);
    expect(() => read.d!.get('main.0.weight')).toThrow(CheckpointError);
    expect(() => read.d!.get('main.0.weight')).toThrow(/changed on disk/);
  });

  it('loadModel refuses NaN/Inf in D found while streaming, without reading D again', async () => {
    const dir = join(tmp, 'gd-inf');
    await writeBundle(dir, withD(true).model);
    await expect(loadModel(dir)).rejects.toThrow(/D tensor 'main.0.weight' holds non-finite values \(0 NaN, 1 Inf/);
    const model = await loadModel(dir, { allowNonFinite: true });
    expect((model.d as DeferredTensorMap).loaded).toBe(false);
  });
});
