// directions interfacegan / ganspace and metrics fcd with --queue on 2 workers: seed ranges sampled by the workers,
// joined by the submitter, give the single-process direction files byte for byte and the same FCD digits.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_ROOT } from '../../src/data/fashionMnist.js';
import { ROOT } from '../studio/helpers.js';
import { CliProcesses } from './cliProcesses.js';
import { haveRedis, startRedis, type TestRedis } from './redis.js';

// The sizes (InterFaceGAN on 4000 samples, FCD of 2000 images); the reference set is cut to 2000 test
// images because it is computed by the submitter alone and proves nothing about sharding.
const IFG_NUM = '4000';
const FCD_NUM = '2000';
const MODEL = join(ROOT, 'models/fmnist-stylegan2');
const CLASSIFIER = join(ROOT, 'models/fmnist-classifier');

let redis: TestRedis;
let dir: string;
const processes = new CliProcesses();

const cli = (args: string[]) => processes.start(args).done;

/** The same command run here and on the queue, one after the other (2 cores: no race with the workers). */
async function both(args: string[], out: (name: string) => string[], shardSize?: string) {
  const single = await cli([...args, ...out('single')]);
  expect(single.code, single.out).toBe(0);
  const queued = await cli([
    ...args,
    ...out('queued'),
    '--queue',
    redis.url,
    ...(shardSize ? ['--shard-size', shardSize] : []),
  ]);
  expect(queued.code, queued.out).toBe(0);
  return { single: single.out, queued: queued.out };
}

const available = haveRedis && existsSync(join(FASHION_MNIST_ROOT, 't10k-images-idx3-ubyte.gz'));

beforeAll(async () => {
  if (!available) return;
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'latentlab-qdir-'));
  for (let i = 0; i < 2; i++) void cli(['worker', '--queue', redis.url]);
});
afterAll(async () => {
  processes.killAll();
  await redis?.stop();
});

describe.skipIf(!available)('seeded verbs on the queue', () => {
  it(`directions interfacegan --num ${IFG_NUM}: 4 shards over 2 workers write the single-process file`, async () => {
    const file = (n: string) => join(dir, `ifg-${n}.safetensors`);
    const r = await both(
      [
        'directions',
        'interfacegan',
        '--model',
        MODEL,
        '--classifier',
        CLASSIFIER,
        '--num',
        IFG_NUM,
        '--attributes',
        'Trouser,Bag,shoes=Sandal+Sneaker+Ankle boot',
      ],
      (n) => ['--out', file(n)],
      '1000',
    );
    expect(r.queued).toMatch(/\[4\/4\] seeds/);
    expect((await readFile(file('queued'))).equals(await readFile(file('single')))).toBe(true);
    // the report lines (accuracies, sigma, intercept) agree too
    const lines = (s: string) => s.split('\n').filter((l) => /val acc/.test(l));
    expect(lines(r.queued)).toEqual(lines(r.single));
    expect(lines(r.single).length).toBe(3);
  }, 600_000);

  it(`metrics fcd --num ${FCD_NUM}: features from 2 workers give the same FCD digits`, async () => {
    const json = (n: string) => join(dir, `fcd-${n}.json`);
    const r = await both(
      ['metrics', 'fcd', '--model', MODEL, '--classifier', CLASSIFIER, '--num', FCD_NUM, '--ref-num', '2000'],
      (n) => ['--json', json(n)],
      '700',
    );
    expect(r.queued).toMatch(/\[3\/3\] seeds/);
    const read = async (n: string) => JSON.parse(await readFile(json(n), 'utf8')) as Record<string, unknown>;
    const [a, b] = [await read('single'), await read('queued')];
    for (const k of ['value', 'meanTerm', 'covTerm', 'num', 'confidence']) expect(b[k], k).toEqual(a[k]);
    expect(a.num).toBe(Number(FCD_NUM));
  }, 600_000);

  it('directions ganspace: chunk moments merged in seed order give the single-process file', async () => {
    const file = (n: string) => join(dir, `gs-${n}.safetensors`);
    // 2 chunks of 10000 and one of 2000: three blocks of moments, two of them on different workers
    const r = await both(
      ['directions', 'ganspace', '--model', MODEL, '--num', '22000', '--components', '16'],
      (n) => ['--out', file(n)],
      '10000',
    );
    expect(r.queued).toMatch(/\[3\/3\] seeds/);
    expect((await readFile(file('queued'))).equals(await readFile(file('single')))).toBe(true);
  }, 600_000);

  it('edit sweeps: one strip per (seed, direction) on the workers; grids, GIFs and latents equal a local run', async () => {
    const dirs = join(dir, 'sefa.safetensors');
    const made = await cli([
      'directions',
      'sefa',
      '--model',
      MODEL,
      '--components',
      '2',
      '--sigma-samples',
      '0',
      '--out',
      dirs,
    ]);
    expect(made.code, made.out).toBe(0);
    const args = [
      'edit',
      '--model',
      MODEL,
      '--directions',
      dirs,
      '--component',
      '0,1',
      '--seeds',
      '0-5',
      '--trunc',
      '0.7',
      '--strengths',
      '-3:3:5',
      '--gif',
      '--save-latents',
    ];
    const r = await both(args, (n) => ['--outdir', join(dir, `edit-${n}`)]);
    expect(r.queued).toMatch(/\[6\/6\] sefa1 sample/);
    const names = (await readdir(join(dir, 'edit-single'))).sort();
    expect(names).toEqual([
      'sefa0.gif',
      'sefa0.latent.safetensors',
      'sefa0.png',
      'sefa1.gif',
      'sefa1.latent.safetensors',
      'sefa1.png',
    ]);
    expect((await readdir(join(dir, 'edit-queued'))).sort()).toEqual(names);
    for (const n of names)
      expect(
        (await readFile(join(dir, 'edit-queued', n))).equals(await readFile(join(dir, 'edit-single', n))),
        n,
      ).toBe(true);
  }, 600_000);

  it('refuses what cannot be sharded, naming the flag', async () => {
    const r = await cli([
      'directions',
      'interfacegan',
      '--model',
      MODEL,
      '--classifier',
      CLASSIFIER,
      '--attribute',
      'brightness',
      '--out',
      join(dir, 'x.safetensors'),
      '--queue',
      redis.url,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/--attribute is not supported on the queue/);
    const f = await cli([
      'metrics',
      'fcd',
      '--model',
      MODEL,
      '--classifier',
      CLASSIFIER,
      '--num',
      '10',
      '--noise-mode',
      'random',
      '--queue',
      redis.url,
    ]);
    expect(f.code).not.toBe(0);
    expect(f.out).toMatch(/--noise-mode random/);
  }, 300_000);
});
