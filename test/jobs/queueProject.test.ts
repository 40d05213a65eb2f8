// The distributed pool end to end: redis-server, 3 `latentlab worker` processes, 24 Fashion-MNIST test images
// projected with `latentlab project --queue`; one worker is kill -9'd mid-task. Every result arrives exactly
// once and matches a single-process run byte for byte (metrics.json: all but its timing field).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { FASHION_MNIST_ROOT, loadFashionMnist } from '../../src/data/fashionMnist.js';
import { toImages, writePng } from '../../src/formats/image.js';
import { ROOT } from '../studio/helpers.js';
import { CliProcesses } from './cliProcesses.js';
import { haveRedis, startRedis, type TestRedis } from './redis.js';

const N = 24;
/** Small settings: the test is about distribution, not projection quality. */
const PROJECT = [
  '--model',
  join(ROOT, 'models/fmnist-stylegan2'),
  '--steps',
  '12',
  '--w-avg-samples',
  '1000',
];
const processes = new CliProcesses();
let redis: TestRedis;
let dir: string;

const cli = (args: string[], log?: (s: string) => void) => processes.start(args, log);

const available = haveRedis && existsSync(join(FASHION_MNIST_ROOT, 't10k-images-idx3-ubyte.gz'));

beforeAll(async () => {
  if (!available) return;
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'latentlab-queue-'));
  await mkdir(join(dir, 'targets'));
  const ds = await loadFashionMnist('test', { limit: N });
  for (let i = 0; i < N; i++) {
    const t = Tensor.float32([1, 1, 32, 32], Float32Array.from(ds.image(i)));
    await writePng(join(dir, 'targets', `fm${String(i).padStart(2, '0')}.png`), toImages(t)[0]);
  }
});
afterAll(async () => {
  processes.killAll();
  await redis?.stop();
});

async function outputs(outdir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(outdir)).sort()) {
    let bytes = await readFile(join(outdir, name));
    if (name.endsWith('.metrics.json')) {
      const record = JSON.parse(bytes.toString()) as { seconds?: number };
      delete record.seconds; // wall time of the run
      bytes = Buffer.from(JSON.stringify(record));
    }
    files.set(name, bytes);
  }
  return files;
}

describe.skipIf(!available)('project --queue on 3 workers', () => {
  it('projects 24 targets across 3 workers, survives a kill -9, and equals a single-process run byte for byte', async () => {
    const single = cli([
      'project',
      ...PROJECT,
      '--target',
      join(dir, 'targets'),
      '--outdir',
      join(dir, 'single'),
    ]);
    const workers = [0, 1, 2].map(() => {
      const w = {
        log: '',
        ...cli(['worker', '--queue', redis.url, '--lock-seconds', '5'], (s) => (w.log = s)),
      };
      return w;
    });
    const outdir = join(dir, 'queued');
    const submit = cli([
      'project',
      ...PROJECT,
      '--target',
      join(dir, 'targets'),
      '--outdir',
      outdir,
      '--queue',
      redis.url,
    ]);
    // kill -9 the first worker seen running a task it has not finished
    let victim: (typeof workers)[number] | undefined;
    const deadline = Date.now() + 240_000;
    while (!victim && Date.now() < deadline) {
      victim = workers.find((w) => {
        const started = [...w.log.matchAll(/(project-\w+): started/g)].map((m) => m[1]);
        return started.some((id) => !w.log.includes(`${id}: done`)) && w.log.includes(': done');
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(victim, 'no worker was seen mid-task').toBeDefined();
    victim!.child.kill('SIGKILL');
    const [queued, alone] = await Promise.all([submit.done, single.done]);
    expect(alone.code, alone.out).toBe(0);
    expect(queued.code, queued.out).toBe(0);
    expect(queued.out).toMatch(new RegExp(`projected ${N} \\(0 from earlier submissions\\), skipped 0`));
    // every target reported once, every file present once, nothing staged left behind
    for (let i = 0; i < N; i++)
      expect(queued.out.split(`fm${String(i).padStart(2, '0')}: PSNR`).length).toBe(2);
    const a = await outputs(join(dir, 'single'));
    const b = await outputs(outdir);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect(b.size).toBe(N * 4);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
    // the killed worker's task ran again elsewhere (BullMQ stalled-job recovery)
    const alive = workers.filter((w) => w !== victim);
    const cut = [...victim!.log.matchAll(/(project-\w+): started/g)]
      .map((m) => m[1])
      .filter((id) => !victim!.log.includes(`${id}: done`));
    for (const id of cut)
      expect(
        alive.some((w) => w.log.includes(`${id}: done`)),
        id,
      ).toBe(true);
    // (a busy machine may also see a live worker's lock lapse: such a task runs twice, its result is written once)

    // resubmitting: nothing runs again; with --force, every result comes back from Redis unchanged
    const again = await cli([
      'project',
      ...PROJECT,
      '--target',
      join(dir, 'targets'),
      '--outdir',
      outdir,
      '--queue',
      redis.url,
    ]).done;
    expect(again.out).toMatch(new RegExp(`projected 0 .* skipped ${N} \\(already done\\)`));
    const before = alive.map((w) => w.log.length);
    const forced = await cli([
      'project',
      ...PROJECT,
      '--target',
      join(dir, 'targets'),
      '--outdir',
      outdir,
      '--queue',
      redis.url,
      '--force',
    ]).done;
    expect(forced.out).toMatch(new RegExp(`projected ${N} \\(${N} from earlier submissions\\)`));
    expect(alive.map((w) => w.log.slice(before[alive.indexOf(w)]))).not.toContainEqual(
      expect.stringMatching(/started/),
    );
    const c = await outputs(outdir);
    for (const [name, bytes] of a) expect(c.get(name)!.equals(bytes), name).toBe(true);
  }, 420_000);
});
