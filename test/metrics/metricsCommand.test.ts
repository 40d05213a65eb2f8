import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metricsCommand } from '../../src/cli/commands/metrics.js';
import { ArgumentError } from '../../src/core/errors.js';
import { FASHION_MNIST_ROOT } from '../../src/data/fashionMnist.js';
import { readBundleManifest, writeBundle } from '../../src/models/io/bundle.js';
import { writePng } from '../../src/formats/image.js';
import { modelCard } from '../../src/cli/commands/modelCard.js';
import { writeClassifierBundle } from '../../src/models/io/classifierBundle.js';
import { Classifier } from '../../src/models/classifier/classifier.js';
import { CLASSIFIER_PRESETS, type ClassifierConfig } from '../../src/models/classifier/config.js';
import { initClassifierWeights } from '../../src/models/classifier/init.js';
import { inferDcganGenerator } from '../../src/models/dcgan/config.js';
import { DCGAN_PRESETS, dcganInitialStateDicts } from '../../src/models/dcgan/init.js';
import { GanModel } from '../../src/models/ganModel.js';
import { dcganDims, hashTensors } from '../../src/models/manifest.js';
import { Weights } from '../../src/nn/weights.js';
import { clearSessionCache } from '../../src/runtime/compile.js';

afterAll(clearSessionCache);

const haveData = existsSync(join(FASHION_MNIST_ROOT, 't10k-images-idx3-ubyte.gz'));
const created = '2024-01-01T00:00:00.000Z';

async function run(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await metricsCommand.runArgv!(argv, (l) => lines.push(l));
  return lines;
}

describe('latentlab metrics', () => {
  it('refuses a missing or unknown metric and foreign flags', async () => {
    await expect(run([])).rejects.toThrow(/metrics: which one\? \(one of: fcd, ppl, conditioning\)/);
    await expect(run(['fid'])).rejects.toBeInstanceOf(ArgumentError);
    await expect(run(['fcd', '--classifier', 'x'])).rejects.toThrow(/--model is required|no such/);
    // ppl and conditioning parse through their option tables and resolve before any work
    await expect(run(['ppl', '--num', '100'])).rejects.toThrow(/metrics ppl: --model is required/);
    await expect(run(['ppl', '--model', 'm', '--trunc', '1'])).rejects.toThrow(/metrics ppl: unknown flag --trunc/);
    await expect(run(['conditioning', '--model', 'm', '--num', '1'])).rejects.toThrow(
      /metrics conditioning: --num must be an integer >= 2, got 1/,
    );
    await expect(run(['conditioning', '--model', 'm', '--sampling', 'end'])).rejects.toThrow(/unknown flag --sampling/);
  });

  it.skipIf(!haveData)('fcd: a grey 32×32 generator against the Fashion-MNIST test split', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latentlab-metrics-'));
    try {
      const { netG } = dcganInitialStateDicts({ ...DCGAN_PRESETS.tiny, nc: 1 }, 1);
      const g = inferDcganGenerator(new Weights(netG));
      const model = new GanModel(
        {
          format: 'latentlab-bundle',
          version: 1,
          name: 'tiny-dcgan',
          architecture: 'dcgan',
          generator: g,
          ...dcganDims(g),
          provenance: { format: 'random-init', source: 'test', created },
          contentHash: hashTensors({ G: netG }),
          weightsDtype: 'float32',
        },
        netG,
      );
      await writeBundle(join(dir, 'gen'), model);
      const cfg: ClassifierConfig = {
        ...CLASSIFIER_PRESETS.fmnist32,
        stageWidths: [4, 8],
        stageDepths: [1, 1],
        featureDim: 16,
      };
      const clf = new Classifier(
        {
          format: 'latentlab-classifier',
          version: 1,
          name: 'tiny-clf',
          config: cfg,
          labelNames: Array.from({ length: 10 }, (_, i) => String(i)),
          inputRange: [-1, 1],
          resolution: 32,
          channels: 1,
          testAccuracy: null,
          provenance: { format: 'random-init', source: 'test', created },
          contentHash: '',
        },
        initClassifierWeights(cfg, 2),
      );
      await writeClassifierBundle(join(dir, 'clf'), clf);
      const json = join(dir, 'fcd.json');
      const lines = await run([
        'fcd',
        '--model',
        join(dir, 'gen'),
        '--classifier',
        join(dir, 'clf'),
        '--num',
        '64',
        '--ref-num',
        '300',
        '--batch',
        '32',
        '--json',
        json,
        '--record',
      ]);
      expect(lines[1]).toMatch(/^fcd \d+\.\d{4} /);
      expect(lines[2]).toMatch(/^classifier confidence 0\.\d{3} \(reference images 0\.\d{3}\); above 0\.9: /);
      expect(lines[3]).toMatch(/^predicted classes: 0 \d+\.\d %, 1 /);
      // a random-init classifier is unsure of every image: the pairs it hesitates between, beside the reference's
      expect(lines[4]).toMatch(/^unsure images hesitate between: \d vs \d \d+\.\d % \(reference \d+\.\d %\)(, |$)/);
      const record = JSON.parse(await readFile(json, 'utf8'));
      expect(record).toMatchObject({
        metric: 'fcd',
        num: 64,
        referenceNum: 300,
        reference: 'fashion-mnist-test',
      });
      expect(record.value).toBeGreaterThan(0);
      expect(record.value).toBeCloseTo(record.meanTerm + record.covTerm, 9);
      const shares: number[] = record.confidence.classShares;
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(record.confidence.n).toBe(64);
      const pairShares: number[] = record.confidence.ambiguousPairs.map((p: { share: number }) => p.share);
      expect(pairShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1 - record.confidence.confidentShare, 12);
      expect(record.referenceConfidence.n).toBe(300);
      // --record: the same numbers on the bundle's card, bound to its weights, and shown by `info`.
      const card = (await readBundleManifest(join(dir, 'gen'))).evaluation!;
      expect(card.fcd).toMatchObject({ value: record.value, num: 64, modelHash: model.manifest.contentHash });
      expect(card.fcd.classifier?.name).toBe('tiny-clf');
      expect(card.classifierConfidence.value).toBe(record.confidence.meanTopProbability);
      const info = await modelCard(join(dir, 'gen'));
      expect(info).toContain(`  fcd ${record.value.toFixed(2)} (64 images, tiny-clf; ${card.fcd.measured.slice(0, 10)})`);
      await expect(
        run(['fcd', '--model', join(dir, 'gen', 'weights.safetensors'), '--classifier', join(dir, 'clf'), '--record']),
      ).rejects.toThrow(/--record writes into a bundle folder/);
      // ppl through its table: a DCGAN has only Z (the resolver's default space), classifier distance, JSON
      const pplJson = join(dir, 'ppl.json');
      const ppl = await run(['ppl', '--model', join(dir, 'gen'), '--classifier', join(dir, 'clf'), '--num', '10', '--batch', '5', '--json', pplJson]);
      expect(ppl[0]).toMatch(/^PPL in Z \(slerp, full\) of tiny-dcgan: 10 samples, distance /);
      expect(ppl.find((l) => l.startsWith('ppl_z_full '))).toMatch(/^ppl_z_full \d+\.\d\d {2}95% CI \[/);
      const pplRecord = JSON.parse(await readFile(pplJson, 'utf8'));
      expect(pplRecord).toMatchObject({ metric: 'ppl', model: join(dir, 'gen'), paired: null });
      expect(pplRecord.runs.map((r: { space: string; num: number }) => [r.space, r.num])).toEqual([['z', 10]]);
      // An image folder as the reference (e.g. one's own training images).
      const folder = join(dir, 'refs');
      await mkdir(folder);
      for (let i = 0; i < 6; i++)
        await writePng(join(folder, `${i}.png`), { width: 32, height: 32, channels: 1, data: new Uint8Array(1024).fill(40 * i) });
      const own = await run(['fcd', '--model', join(dir, 'gen'), '--classifier', join(dir, 'clf'), '--num', '16', '--data', folder]);
      expect(own[0]).toMatch(/against 6 .* images/);
      expect(own[1]).toMatch(/^fcd \d+\.\d{4} /);
      await expect(run(['fcd', '--model', join(dir, 'gen'), '--classifier', join(dir, 'clf'), '--data', join(dir, 'nope')])).rejects.toThrow(/nope/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
