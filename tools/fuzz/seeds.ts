import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { Tensor } from '../../src/core/tensor.js';
import { writeIdx } from '../../src/formats/idx.js';
import { writeNpy } from '../../src/formats/npy.js';
import { writeNpz } from '../../src/formats/npz.js';
import { writeSafetensors } from '../../src/formats/safetensors.js';
import { writeTorchFile } from '../../src/formats/torchWrite.js';
import { writeZip } from '../../src/formats/zipWrite.js';
import { encodeLatent } from '../../src/latent/file.js';
import { f32, legacyTorch, type PickleBytes, pickle } from '../../test/formats/pickleBytes.js';
import type { ReaderName } from './readers.js';

/**
 * Seed inputs per reader: small files built here (always available, what the CI smoke uses) and,
 * with `fixtures`, real files from ../shared/fixtures and models/ up to `maxBytes`.
 */

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

const t = (shape: number[], f = (i: number) => Math.sin(i)) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor('float32', shape, Float32Array.from({ length: n }, (_, i) => f(i)));
};

/** A NVIDIA-style snapshot: {G: persistent(Generator, state with one parameter and a submodule)}. */
function nvidiaSnapshot(): Uint8Array {
  const storage = (p: PickleBytes, key: string, values: number[]) => {
    const blob = legacyTorch(pickle().proto(2).legacyStorage('FloatStorage', key, values.length).stop().done(), [
      [key, values.length, f32(values)],
    ]);
    p.stackGlobal('torch.storage', '_load_from_bytes').bytes(blob).tupleN(1).reduce();
  };
  const module = (p: PickleBytes, cls: string, body: (p: PickleBytes) => void, sub?: (p: PickleBytes) => void) => {
    p.stackGlobal('torch_utils.persistence', '_reconstruct_persistent_obj').emptyDict().mark();
    p.str('type').str('class').str('version').int(6).str('module_src').str('class X: pass');
    p.str('class_name').str(cls).str('state').emptyDict().mark();
    p.str('training').bool(false).str('_init_kwargs').emptyDict().mark().str('w_dim').int(4).setitems();
    p.str('_parameters').orderedDict().mark();
    body(p);
    p.setitems().str('_buffers').orderedDict().str('_modules').orderedDict().mark();
    sub?.(p);
    p.setitems().setitems().setitems().tupleN(1).reduce();
  };
  const p = pickle().proto(4).emptyDict().mark().str('G');
  module(
    p,
    'Generator',
    (q) => q.str('w').tensorV2((r) => storage(r, '0', [1, 2, 3, 4]), 0, [2, 2], [2, 1]),
    (q) => {
      q.str('mapping');
      module(q, 'MappingNetwork', (r) => r.str('b').tensorV2((s) => storage(s, '1', [5, 6]), 0, [2], [1]));
    },
  );
  p.str('training_set_kwargs').emptyDict().mark().str('resolution').int(32).setitems();
  return p.setitems().stop().done();
}

/** A shared-reference pickle: a list holding the previous level twice, `levels` deep (memo sharing). */
export function sharedLists(levels: number): Uint8Array {
  const q = pickle().proto(2).emptyList().binput(0);
  for (let i = 1; i <= levels; i++) q.emptyList().mark().binget(i - 1).binget(i - 1).appends().binput(i);
  return q.stop().done();
}

async function syntheticSeeds(): Promise<Record<ReaderName, Seed[]>> {
  const sd = { 'main.0.weight': t([4, 3]), 'main.0.bias': t([4]), nested: { a: [t([2]), 1, 'x', null, true] } };
  const torchZip = writeTorchFile(sd);
  const legacyMain = pickle().proto(2).emptyDict().mark().str('w');
  legacyMain.tensorV2((p) => p.legacyStorage('FloatStorage', '0', 6), 0, [2, 3], [3, 1]);
  legacyMain.str('v').tensorV2((p) => p.legacyStorage('FloatStorage', '0', 6, ['1', 2, 2]), 0, [2], [1]);
  const legacy = legacyTorch(legacyMain.setitems().stop().done(), [['0', 6, f32([1, 2, 3, 4, 5, 6])]]);
  const nv = nvidiaSnapshot();
  const npy = writeNpy(t([3, 4]));
  const npz = writeNpz({ a: t([5]), b: t([2, 2]) }, { compress: true });
  const npzStored = writeNpz({ a: t([5]) });
  const zip = writeZip([
    { name: 'a.txt', data: new TextEncoder().encode('hello hello hello'), compress: true },
    { name: 'b/c.bin', data: new Uint8Array(300).fill(3), compress: false },
  ]);
  const st = writeSafetensors({ w: t([2, 3]), b: t([3]) }, { note: 'seed' });
  const idx = writeIdx(new Tensor('uint8', [2, 3, 3], new Uint8Array(18).fill(9)));
  const png = new Uint8Array(
    await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer(),
  );
  const jpg = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 2, b: 3 } } }).jpeg().toBuffer(),
  );
  const latent = encodeLatent({
    space: 'w+',
    codes: t([1, 4, 8]),
    psi: 0.7,
    cutoff: null,
    noiseMode: 'const',
    model: { name: 'm', contentHash: 'abc' },
    provenance: { kind: 'seed', seeds: [1] } as never,
  });
  const plainPickle = pickle().proto(2).emptyDict().mark().str('a').ints([1, 2, 3]).str('b').float(2.5).setitems().stop().done();
  return {
    pickle: [
      { name: 'dict.pkl', bytes: plainPickle },
      { name: 'shared.pkl', bytes: sharedLists(6) },
      { name: 'nvidia.pkl', bytes: nv },
    ],
    torch: [
      { name: 'state.pt', bytes: torchZip },
      { name: 'legacy.pt', bytes: legacy },
    ],
    nvidia: [{ name: 'snapshot.pkl', bytes: nv }],
    zip: [
      { name: 'a.zip', bytes: zip },
      { name: 'state.pt', bytes: torchZip },
    ],
    npz: [
      { name: 'c.npz', bytes: npz },
      { name: 's.npz', bytes: npzStored },
    ],
    npy: [{ name: 'a.npy', bytes: npy }],
    safetensors: [{ name: 'a.safetensors', bytes: st }],
    idx: [
      { name: 'a.idx', bytes: idx },
      { name: 'a.idx.gz', bytes: new Uint8Array(gzipSync(idx)) },
    ],
    image: [
      { name: 'a.png', bytes: png },
      { name: 'a.jpg', bytes: jpg },
    ],
    latent: [{ name: 'a.latent.safetensors', bytes: latent }],
    import: [
      { name: 'netG.pth', bytes: torchZip },
      { name: 'snapshot.pkl', bytes: nv },
    ],
  };
}

const FIXTURE_EXT: Record<ReaderName, RegExp> = {
  pickle: /\.pkl$/,
  torch: /\.(pt|pth)$/,
  nvidia: /network-snapshot.*\.pkl$/,
  zip: /\.(pt|pth|npz)$/,
  npz: /\.npz$/,
  npy: /\.npy$/,
  safetensors: /\.safetensors$/,
  idx: /-ubyte(\.gz)?$/,
  image: /\.(png|jpe?g|webp)$/,
  latent: /\.latent\.safetensors$/,
  import: /\.(pkl|pt|pth)$/,
};

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 3 || !existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p, out, depth + 1);
    else out.push(p);
  }
}

/** The fixture folders: ../shared/fixtures (or LATENTLAB_FIXTURES) and the repository's models/. */
export function fixtureDirs(root = process.cwd()): string[] {
  // deduplicated by real path: ../shared is often a link to the same folder, and a seed counted twice
  // would double its share of the inputs
  const dirs = [process.env.LATENTLAB_FIXTURES ?? resolve(root, '../shared/fixtures'), '/work/shared/fixtures', resolve(root, 'models')];
  const real = dirs.filter(existsSync).map((d) => realpathSync(d));
  return real.filter((d, i) => real.indexOf(d) === i);
}

export async function seedsFor(
  reader: ReaderName,
  opts: { fixtures?: boolean; maxBytes?: number } = {},
): Promise<Seed[]> {
  const seeds = (await syntheticSeeds())[reader];
  if (!opts.fixtures) return seeds;
  const files: string[] = [];
  for (const d of fixtureDirs()) walk(d, files);
  for (const f of files.sort()) {
    if (!FIXTURE_EXT[reader].test(f) || statSync(f).size > (opts.maxBytes ?? 4 << 20)) continue;
    seeds.push({ name: f, bytes: new Uint8Array(readFileSync(f)) });
  }
  return seeds;
}

