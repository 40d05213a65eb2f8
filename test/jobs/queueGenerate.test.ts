// generate --seeds A-B --queue on 2 workers: the PNGs equal a single-process run's byte for byte.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../studio/helpers.js';
import { CliProcesses } from './cliProcesses.js';
import { haveRedis, startRedis, type TestRedis } from './redis.js';

let redis: TestRedis;
const processes = new CliProcesses();

const cli = (args: string[]) => processes.start(args);

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  processes.killAll();
  await redis?.stop();
});

describe.skipIf(!haveRedis)('generate --queue', () => {
  it('shards seeds 0-79 over 2 workers; every PNG equals the single-process one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latentlab-qgen-'));
    const args = [
      'generate',
      '--model',
      join(ROOT, 'models/fmnist-stylegan2'),
      '--seeds',
      '0-79',
      '--trunc',
      '0.7',
    ];
    for (let i = 0; i < 2; i++) cli(['worker', '--queue', redis.url]);
    const [single, queued] = await Promise.all([
      cli([...args, '--outdir', join(dir, 'single')]).done,
      cli([...args, '--outdir', join(dir, 'queued'), '--queue', redis.url, '--shard-size', '16']).done,
    ]);
    expect(single.code, single.out).toBe(0);
    expect(queued.code, queued.out).toBe(0);
    expect(queued.out).toMatch(/wrote 5 of 5 shards \(0 from earlier submissions, 0 already done\)/);
    // the single-process run also keeps its run record (latentlab-run.json: options hash for resuming)
    const pngs = async (d: string) => (await readdir(join(dir, d))).filter((n) => n.endsWith('.png')).sort();
    const names = await pngs('single');
    expect(names.length).toBe(80);
    expect(await pngs('queued')).toEqual(names);
    for (const n of names)
      expect((await readFile(join(dir, 'queued', n))).equals(await readFile(join(dir, 'single', n))), n).toBe(
        true,
      );
    const again = await cli([
      ...args,
      '--outdir',
      join(dir, 'queued'),
      '--queue',
      redis.url,
      '--shard-size',
      '16',
    ]).done;
    expect(again.out).toMatch(/wrote 0 of 5 shards \(0 from earlier submissions, 5 already done\)/);
  }, 300_000);
});
